-- One benchmark scenario for wrk, described by bench/run.py in a data file:
--   BENCH_DATA=path/to/data.lua BENCH_SCENARIO=name wrk -s bench/lua/scenario.lua URL
-- The data file returns { scenarios = { [name] = {...} } }, where a scenario
-- has `kind` ("get", "register" or "scan"), `path`, `cookie`, what a good
-- answer is (`expect_status`, and optionally `expect_location` or
-- `expect_body`), `outcomes` (name -> text marking it in the body), and
-- what its kind needs (see request() below).
--
-- Every scenario, the floor included, goes through the same response()
-- hook, so wrk's own cost is the same for each. done() prints one line,
-- "BENCH_JSON {...}", that bench/run.py reads.

local data = dofile(os.getenv("BENCH_DATA"))
local scenario = data.scenarios[os.getenv("BENCH_SCENARIO")]
local threads = {}
-- Unique to each wrk invocation, so a warm-up and its run never repeat a person.
local run_id = (scenario.run_id or "") .. (os.getenv("BENCH_NONCE") or "")

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local function encode(value)
  return (tostring(value):gsub("[^%w%-_%.~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function form(fields)
  local parts = {}
  for _, pair in ipairs(fields) do
    table.insert(parts, encode(pair[1]) .. "=" .. encode(pair[2]))
  end
  return table.concat(parts, "&")
end

function init(args)
  sent = 0
  good, bad = 0, 0
  first_bad = ""
  status_2xx, status_3xx, status_4xx, status_5xx = 0, 0, 0, 0
  outcome_counts = {}
  for name, _ in pairs(scenario.outcomes or {}) do
    outcome_counts[name] = 0
  end
  headers = { ["Cookie"] = scenario.cookie }
  if scenario.kind ~= "get" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

local function register_body()
  -- A new person each time: the thread, its counter and the run's id make
  -- the address unique; the delegations take turns.
  local s = scenario
  local delegation = s.delegations[(sent + thread_number) % #s.delegations + 1]
  local fields = {
    { "csrfmiddlewaretoken", s.csrf_token },
    { "delegation", delegation },
    { "role", "delegate" },
    { "honorific", "Ms" },
    { "given_name", "Bench" },
    { "family_name", string.format("Tester %d-%d", thread_number, sent) },
    { "badge_name", "" },
    { "position", "Geologist" },
    { "agency", "Department of Mineral and Geoscience" },
    { "email", string.format("%s-t%d-%d@%s", run_id, thread_number, sent, s.email_domain) },
    { "phone", "+60 3 1234 5678" },
    { "nationality", "MYS" },
    { "preferred_language", "en" },
    { "arrival_date", "" },
    { "departure_date", "" },
    { "dietary_requirements", "" },
    { "accessibility_needs", "" },
    { "consent_publish", "on" },
    { "consent_privacy", "on" },
  }
  for _, session in ipairs(s.sessions) do
    table.insert(fields, { "sessions", session })
  end
  if sent % 5 == 0 then
    -- One in five needs a letter for a visa: the passport is encrypted.
    table.insert(fields, { "needs_visa_letter", "on" })
    table.insert(fields, { "passport_number", string.format("X%07d", sent) })
    table.insert(fields, { "passport_expiry", s.passport_expiry })
    table.insert(fields, { "passport_country", "MYS" })
  else
    table.insert(fields, { "passport_number", "" })
    table.insert(fields, { "passport_expiry", "" })
    table.insert(fields, { "passport_country", "" })
  end
  return form(fields)
end

if scenario.pace_ms then
  -- Defined only for paced scenarios: wrk then waits this long before
  -- each request of a connection.
  function delay()
    return scenario.pace_ms
  end
end

function request()
  sent = sent + 1
  if scenario.kind == "get" then
    return wrk.format("GET", scenario.path, headers)
  elseif scenario.kind == "register" then
    return wrk.format("POST", scenario.path, headers, register_body())
  elseif scenario.kind == "scan" then
    -- Each thread walks the (session, badge) pairs from its own offset,
    -- so the desks check people in rather than repeat one another.
    local all = scenario.pairs
    local stride = math.floor(#all / scenario.threads)
    local pair = all[((thread_number - 1) * stride + sent - 1) % #all + 1]
    local body = form({
      { "csrfmiddlewaretoken", scenario.csrf_token },
      { "code", pair[2] },
      { "override", "" },
    })
    return wrk.format("POST", string.format(scenario.path, pair[1]), headers, body)
  end
  error("unknown scenario kind " .. tostring(scenario.kind))
end

function response(status, response_headers, body)
  if status < 300 then
    status_2xx = status_2xx + 1
  elseif status < 400 then
    status_3xx = status_3xx + 1
  elseif status < 500 then
    status_4xx = status_4xx + 1
  else
    status_5xx = status_5xx + 1
  end
  local ok = status == scenario.expect_status
  if ok and scenario.expect_location then
    local location = response_headers["Location"] or response_headers["location"] or ""
    ok = string.find(location, scenario.expect_location, 1, true) ~= nil
  end
  if ok and scenario.expect_body then
    ok = body ~= nil and string.find(body, scenario.expect_body, 1, true) ~= nil
  end
  if ok then
    good = good + 1
  else
    bad = bad + 1
    if first_bad == "" then
      -- What went wrong, for the report: the status and the page.
      local location = response_headers["Location"] or ""
      first_bad = string.format("%d %s\n%s", status, location, string.sub(body or "", 1, 20000))
    end
  end
  if body ~= nil then
    for name, marker in pairs(scenario.outcomes or {}) do
      if string.find(body, marker, 1, true) then
        outcome_counts[name] = outcome_counts[name] + 1
      end
    end
  end
end

local function json_string(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

local function json(value)
  if type(value) == "table" then
    local items = {}
    for k, v in pairs(value) do
      table.insert(items, json_string(tostring(k)) .. ":" .. json(v))
    end
    return "{" .. table.concat(items, ",") .. "}"
  elseif type(value) == "string" then
    return json_string(value)
  end
  return tostring(value)
end

function done(summary, latency, requests)
  local totals = {
    good = 0, bad = 0, status_2xx = 0, status_3xx = 0, status_4xx = 0,
    status_5xx = 0,
  }
  local outcomes = {}
  local example = ""
  for _, thread in ipairs(threads) do
    if example == "" then
      example = thread:get("first_bad") or ""
    end
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + thread:get(name)
    end
    local counts = thread:get("outcome_counts") or {}
    for name, count in pairs(counts) do
      outcomes[name] = (outcomes[name] or 0) + count
    end
  end
  local percentiles = {}
  for _, p in ipairs({ 50, 90, 95, 99, 99.9 }) do
    percentiles[tostring(p)] = latency:percentile(p) / 1000.0
  end
  local result = {
    requests = summary.requests,
    duration_s = summary.duration / 1e6,
    bytes = summary.bytes,
    socket_errors = summary.errors.connect + summary.errors.read
      + summary.errors.write + summary.errors.timeout,
    non_2xx_3xx = summary.errors.status,
    latency_ms = {
      mean = latency.mean / 1000.0,
      max = latency.max / 1000.0,
      stdev = latency.stdev / 1000.0,
      percentiles = percentiles,
    },
    checks = totals,
    outcomes = outcomes,
    first_unexpected = example,
  }
  io.write("BENCH_JSON " .. json(result) .. "\n")
end
