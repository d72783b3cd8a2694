-- wrk script: every request comes from one of many client addresses, as the
-- requests of many clients do behind a proxy (the service trusts one proxy hop
-- in the benchmark, NUM_PROXIES=1). Throttling then keeps a short history per
-- client, as in production, instead of one ever-growing history for wrk.
math.randomseed(os.time())

request = function()
  local address = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = address })
end
