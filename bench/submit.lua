-- wrk script: each thread drives one connection (run with -t N -c N) as its own member, whose
-- session bench/submit_load.py opened through the login form before the timed run (so that the
-- deliberately slow password checks are not counted): $BENCH_SESSIONS lists "cookie|csrf_token"
-- per member, comma-separated. Every request posts the new-question form with the member's
-- session cookie and CSRF token. A 302 to the new question is an acknowledged submission;
-- the references are written to $BENCH_ACKS at the end.

local threads = {}
local sessions = {}
for entry in string.gmatch(os.getenv("BENCH_SESSIONS") or "", "[^,]+") do sessions[#sessions + 1] = entry end
local theme = os.getenv("BENCH_THEME")

function setup(thread)
  local cookie, token = sessions[#threads + 1]:match("^([^|]+)|(.+)$")
  thread:set("cookie", cookie)
  thread:set("token", token)
  thread:set("member", #threads + 1)
  table.insert(threads, thread)
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

sequence = 0
acks = ""
acked = 0
refused = 0

function request()
  sequence = sequence + 1
  local body = table.concat({
    "csrf_token=" .. urlencode(token),
    "subject=" .. urlencode(string.format("Question de charge m%d-%d", member, sequence)),
    "body=" .. urlencode("Un salarié en CDDI peut-il voir son contrat renouvelé au-delà de vingt-quatre mois ?"),
    "theme=" .. theme, "priority=1"}, "&")
  return wrk.format("POST", "/questions/nouvelle",
    {["Cookie"] = cookie, ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

function response(status, headers, body)
  local reference = status == 302 and (headers["Location"] or ""):match("(Q%-%d+%-%d+)")
  if reference then
    acked = acked + 1
    acks = acks .. reference .. "\n"
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total_acked, total_refused, all_acks = 0, 0, {}
  for _, thread in ipairs(threads) do
    total_acked = total_acked + thread:get("acked")
    total_refused = total_refused + thread:get("refused")
    all_acks[#all_acks + 1] = thread:get("acks")
  end
  local path = os.getenv("BENCH_ACKS")
  if path then
    local file = io.open(path, "w")
    file:write(table.concat(all_acks))
    file:close()
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "acked": %d, "refused": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, total_acked, total_refused, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
