-- wrk script for bench.py: many clients behind one reverse proxy, reading pets
-- in a given order.
--
-- wrk stands in for one TLS-terminating proxy: every request carries
-- X-Forwarded-Proto: https and one of many client addresses in X-Forwarded-For
-- (the service trusts one proxy hop in the benchmark, NUM_PROXIES=1), so that
-- throttling keeps a short history per client, as in production, instead of
-- one ever-growing history for wrk.
--
-- Arguments (after `--`): a file of request paths, one a line, and the 0-based
-- line to start at. Requests take the paths in the file's order from there,
-- wrapping around, so two runs given the same file and start read the same
-- pets in the same order. Without a file every request goes to the URL's path.
-- Use one wrk thread: each thread would walk the file on its own.

local paths = {}
local position = 1

function init(args)
  if args[1] and args[1] ~= "" then
    for line in io.lines(args[1]) do
      paths[#paths + 1] = line
    end
    position = (tonumber(args[2] or "0") % #paths) + 1
  end
  math.randomseed(os.time())
end

request = function()
  local address = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local headers = { ["X-Forwarded-For"] = address, ["X-Forwarded-Proto"] = "https" }
  local path = nil
  if #paths > 0 then
    path = paths[position]
    position = position % #paths + 1
  end
  return wrk.format(nil, path, headers)
end
