-- wrk script for bench/bare_app.py: every request inserts one row; a 201 is an acknowledged insert.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

acked = 0
refused = 0
sequence = 0

function request()
  sequence = sequence + 1
  return wrk.format("POST", "/rows", {["Content-Type"] = "application/x-www-form-urlencoded"},
    "payload=ligne-" .. sequence)
end

function response(status, headers, body)
  if status == 201 then acked = acked + 1 else refused = refused + 1 end
end

function done(summary, latency, requests)
  local total_acked, total_refused = 0, 0
  for _, thread in ipairs(threads) do
    total_acked = total_acked + thread:get("acked")
    total_refused = total_refused + thread:get("refused")
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "acked": %d, "refused": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, total_acked, total_refused, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
