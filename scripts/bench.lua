-- wrk script of scripts/bench: POST / with bodies (and headers) read from files, each body sent
-- once, in order; a thread stops when its bodies run out, so every AssumeRoleWithSAML carries a
-- response never seen before (the few GET /healthz sent while stopping are not counted).
--
--   BENCH_BODIES=prefix   thread N (0-based) reads prefix.N: one form body per line
--   BENCH_REQUEST=file    instead, one request repeated: header lines "name: value", an empty
--                         line, then the body (a SigV4-signed call)
--
-- done() prints one line `bench-result {json}` for scripts/bench to read: requests, HTTP errors
-- (answers with a status of 400 or more, as wrk counts them), transport errors, duration and
-- latency percentiles in microseconds. There is no response() callback: with one, wrk hands every
-- answer's headers and body to Lua, which cost the client more CPU per call than the rest of its
-- work together, CPU taken from the server on the same cores. wrk's own
-- duration is always the one asked for (-d), even when every thread stopped early; so with
-- BENCH_BODIES each thread notes when it sent its first request and when it ran out, and the
-- duration is from the first start to the last stop if every thread ran out (otherwise the
-- rate would be capped at bodies / -d).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local bodies = {}
local next_body = 1
local fixed_headers = { ["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8" }
local fixed_request = nil
local extra = 0

function init(args)
  local prefix = os.getenv("BENCH_BODIES")
  local request_file = os.getenv("BENCH_REQUEST")
  if request_file then
    local f = assert(io.open(request_file, "r"))
    local headers = {}
    for line in f:lines() do
      if line == "" then break end
      local name, value = line:match("^([^:]+):%s*(.*)$")
      headers[name] = value
    end
    local body = f:read("*a")
    f:close()
    fixed_request = wrk.format("POST", "/", headers, body)
  else
    local f = assert(io.open(prefix .. "." .. id, "r"))
    -- formatted here, once, so that request() costs the client nothing but a table lookup
    for line in f:lines() do
      bodies[#bodies + 1] = wrk.format("POST", "/", fixed_headers, line)
    end
    f:close()
  end
end

-- Microseconds since the epoch, from date(1): Lua has no finer clock. Called twice per thread.
local function now_us()
  local p = assert(io.popen("date +%s%N"))
  local ns = p:read("*n")
  p:close()
  return math.floor(ns / 1000)
end

local started = false

function request()
  if fixed_request then
    return fixed_request
  end
  if not started then
    started = true
    wrk.thread:set("started_us", now_us())
  end
  local request = bodies[next_body]
  if request == nil then
    if extra == 0 then
      wrk.thread:set("stopped_us", now_us())
    end
    -- out of responses: stop this thread; wrk still wants a request, so a cheap one that the
    -- totals leave out
    wrk.thread:stop()
    extra = extra + 1
    wrk.thread:set("extra", extra)
    return wrk.format("GET", "/healthz")
  end
  bodies[next_body] = nil
  next_body = next_body + 1
  return request
end

function done(summary, latency, requests)
  local extras = 0
  local first_start, last_stop, all_stopped = nil, nil, true
  for _, thread in ipairs(threads) do
    extras = extras + (thread:get("extra") or 0)
    local started_us, stopped_us = thread:get("started_us"), thread:get("stopped_us")
    if started_us and stopped_us then
      first_start = math.min(first_start or started_us, started_us)
      last_stop = math.max(last_stop or stopped_us, stopped_us)
    else
      all_stopped = false
    end
  end
  local duration = summary.duration
  if all_stopped and first_start and last_stop > first_start then
    duration = math.min(duration, last_stop - first_start)
  end
  local e = summary.errors
  io.write(string.format(
    'bench-result {"requests": %d, "http_errors": %d, "socket_errors": %d, "duration_us": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests - extras, e.status, e.connect + e.read + e.write + e.timeout, duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
