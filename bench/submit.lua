-- wrk script: each thread drives one connection (run with -t N -c N) as its own member.
-- It logs in through the login form, opens the new-question form for its CSRF token,
-- then posts questions with that token until the run ends. A 302 to the new question
-- is an acknowledged submission; its reference is written to $BENCH_ACKS at the end.
-- Environment: BENCH_EMAILS (comma-separated), BENCH_PASSWORD, BENCH_THEME, BENCH_ACKS.

local threads = {}
local next_member = 0

function setup(thread)
  next_member = next_member + 1
  thread:set("member", next_member)
  table.insert(threads, thread)
end

local function urlencode(text)
  return (text:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function form(fields)
  local parts = {}
  for _, pair in ipairs(fields) do
    parts[#parts + 1] = pair[1] .. "=" .. urlencode(pair[2])
  end
  return table.concat(parts, "&")
end

local emails = {}
for email in string.gmatch(os.getenv("BENCH_EMAILS") or "", "[^,]+") do emails[#emails + 1] = email end
local password = os.getenv("BENCH_PASSWORD")
local theme = os.getenv("BENCH_THEME")

stage = "login_form"
cookie = nil
token = nil
sequence = 0
acks = ""
acked = 0
refused = 0
logins = 0

local function headers(extra)
  local result = {["Cookie"] = cookie}
  for name, value in pairs(extra or {}) do result[name] = value end
  return result
end

local posted = {["Content-Type"] = "application/x-www-form-urlencoded"}

function request()
  if stage == "login_form" then
    return wrk.format("GET", "/connexion", headers())
  elseif stage == "login" then
    return wrk.format("POST", "/connexion", headers(posted), form({
      {"csrf_token", token}, {"email", emails[member]}, {"password", password}}))
  elseif stage == "question_form" then
    return wrk.format("GET", "/questions/nouvelle", headers())
  end
  sequence = sequence + 1
  return wrk.format("POST", "/questions/nouvelle", headers(posted), form({
    {"csrf_token", token},
    {"subject", string.format("Question de charge m%d-%d", member, sequence)},
    {"body", "Un salarié en CDDI peut-il voir son contrat renouvelé au-delà de vingt-quatre mois ?"},
    {"theme", theme}, {"priority", "1"}}))
end

function response(status, response_headers, body)
  if stage ~= "submit" then
    local set_cookie = response_headers["Set-Cookie"]
    if set_cookie then cookie = set_cookie:match("^([^;]+)") end
  end
  if stage == "login_form" then
    token = body:match('name="csrf_token" value="([^"]+)"')
    stage = "login"
  elseif stage == "login" then
    logins = logins + 1
    stage = (status == 302) and "question_form" or "login_form"
  elseif stage == "question_form" then
    token = body:match('name="csrf_token" value="([^"]+)"')
    stage = token and "submit" or "login_form"
  else
    local reference = status == 302 and (response_headers["Location"] or ""):match("(Q%-%d+%-%d+)")
    if reference then
      acked = acked + 1
      acks = acks .. reference .. "\n"
    else
      refused = refused + 1
    end
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
