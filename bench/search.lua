-- wrk script for bench/search_load.py: anonymous knowledge-base searches, one query word
-- (or two) drawn from $BENCH_WORDS (URL-encoded, comma-separated) per request;
-- anything but a 200 is an error.

local words = {}
for word in string.gmatch(os.getenv("BENCH_WORDS") or "", "[^,]+") do words[#words + 1] = word end
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

function init(args)
  math.randomseed(os.time() * 1000 + seed)
end

refused = 0

function request()
  local query = words[math.random(#words)]
  if math.random() < 0.5 then query = query .. "+" .. words[math.random(#words)] end
  return wrk.format("GET", "/ressources/?q=" .. query)
end

function response(status, headers, body)
  if status ~= 200 then refused = refused + 1 end
end

function done(summary, latency, requests)
  local total_refused = 0
  for _, thread in ipairs(threads) do total_refused = total_refused + thread:get("refused") end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "acked": %d, "refused": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, summary.requests - total_refused, total_refused, errors.connect,
    errors.read, errors.write, errors.status, errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
