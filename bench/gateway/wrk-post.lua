-- wrk script of the gateway benchmark (bench/gateway/wrk-load.mjs): POSTs the JSON bodies of the
-- file WRK_BODIES names, one body per line, and prints one summary line for the driver to read.
-- One body is set once, as wrk's static request (no Lua per request, as a plain `wrk -s` run);
-- several are sent in turn, which costs a Lua call per request.
local bodies = {}
for line in io.lines(os.getenv("WRK_BODIES")) do
  if #line > 0 then bodies[#bodies + 1] = line end
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = bodies[1]

if #bodies > 1 then
  local turn = 0
  request = function()
    turn = turn % #bodies + 1
    return wrk.format(nil, nil, nil, bodies[turn])
  end
end

-- Latencies in microseconds; errors.status counts the responses that were not 2xx or 3xx.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_SUMMARY {"durationMicros":%d,"requests":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\n',
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
