-- wrk script for the benchmarks (bench/harness.py): many clients behind one
-- reverse proxy, sending requests in a given order.
--
-- wrk stands in for one TLS-terminating proxy: every request carries
-- X-Forwarded-Proto: https and one of many client addresses in X-Forwarded-For
-- (the service trusts one proxy hop in the benchmarks, NUM_PROXIES=1), so that
-- throttling keeps a short history per client, as in production, instead of
-- one ever-growing history for wrk.
--
-- Arguments (after `--`): a file of requests, one a line, the 0-based line to
-- start at, and optionally a file of extra headers (`Name: value`, one a line;
-- several lines of the same name take turns, request by request, say one
-- bearer token per user of many).
-- A request line is a path (a GET), or a method, a space, the path and
-- optionally a space and the body (sent with Content-Type: application/json).
-- `{unique}` anywhere in a line or a header value becomes a string no other
-- request of the run has (for fresh Idempotency-Keys or names).
-- Requests take the lines in the file's order from the start line, wrapping
-- around, so two runs given the same file and start send the same requests in
-- the same order. Without a file every request is a GET of the URL's path.
-- Use one wrk thread: each thread would walk the file on its own.

local lines = {}
local position = 1
local extra_headers = {}
local sent = 0
local counter = 0
local run_prefix = ""

function init(args)
  if args[1] and args[1] ~= "" then
    for line in io.lines(args[1]) do
      lines[#lines + 1] = line
    end
    position = (tonumber(args[2] or "0") % #lines) + 1
  end
  if args[3] and args[3] ~= "" then
    for line in io.lines(args[3]) do
      local name, value = line:match("^([^:]+):%s*(.*)$")
      if name then
        extra_headers[name] = extra_headers[name] or {}
        table.insert(extra_headers[name], value)
      end
    end
  end
  math.randomseed(os.time())
  run_prefix = string.format("%08x", math.random(0, 0x7fffffff))
end

local function unique()
  counter = counter + 1
  return run_prefix .. string.format("%08x", counter)
end

local function fill(text)
  if text:find("{unique}", 1, true) then
    return (text:gsub("{unique}", unique()))
  end
  return text
end

request = function()
  local address = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local headers = { ["X-Forwarded-For"] = address, ["X-Forwarded-Proto"] = "https" }
  sent = sent + 1
  for name, values in pairs(extra_headers) do
    headers[name] = fill(values[(sent - 1) % #values + 1])
  end
  if #lines == 0 then
    return wrk.format(nil, nil, headers)
  end
  local line = fill(lines[position])
  position = position % #lines + 1
  local method, rest = line:match("^(%u+) (.*)$")
  if not method then
    return wrk.format("GET", line, headers)
  end
  local path, body = rest:match("^(%S+) (.*)$")
  if not path then
    return wrk.format(method, rest, headers)
  end
  headers["Content-Type"] = "application/json"
  return wrk.format(method, path, headers, body)
end
