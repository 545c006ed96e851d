-- wrk script: an open-model (constant-rate) load with coordinated-omission-corrected latency.
--
-- Plain wrk sends each request when the last one is answered, so a server stall hides the
-- requests that would have been sent during it (coordinated omission). Here each
-- connection has a schedule (RATE / connections requests per second): a request is sent
-- at its intended time, or at once if it is already late, and its latency is measured
-- from its intended time, so a stall counts against every request it delayed. Run with as
-- many threads as connections (-t N -c N): one connection per thread, so requests and
-- responses alternate and pair up.
--
-- Environment: RATE (total requests/s), METHOD, URLPATH, BODY, KEY.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } dojo_timespec;
  int clock_gettime(int clk, dojo_timespec *ts);
]]
local ts = ffi.new("dojo_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1e6 + tonumber(ts.tv_nsec) / 1e3
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local method = os.getenv("METHOD") or "GET"
local path = os.getenv("URLPATH") or "/"
local body = os.getenv("BODY")
local headers = {
  ["Authorization"] = "Basic " .. (os.getenv("KEY") or "sk_sandbox_load"),
  ["version"] = "2026-02-27",
}
if body and #body > 0 then headers["Content-Type"] = "application/json" else body = nil end

function init(args)
  local conns = tonumber(os.getenv("CONNS") or "32")
  interval = 1e6 / (tonumber(os.getenv("RATE") or "10000") / conns) -- µs between this connection's requests
  start = nil
  sent = 0
  intended = 0
  waited = false
  -- Histogram of corrected latencies: bucket = floor(µs / 10), up to 10 s.
  hist = {}
  statuses = {}
  count = 0
  req = wrk.format(method, path, headers, body)
end

-- wrk's timers have whole-millisecond resolution (a fractional delay is truncated, which
-- would send early): wait whole milliseconds, rounded up. A request that had to wait was on
-- schedule, so its latency counts from when it was sent; one that was already due (the
-- last answer came late) counts from when it was due: the coordinated-omission correction.
function delay()
  if start == nil then start = now_us() end
  local due = start + sent * interval
  local wait = (due - now_us()) / 1000
  if wait <= 0 then
    waited = false
    return 0
  end
  waited = true
  return math.ceil(wait)
end

function request()
  local t = now_us()
  if start == nil then start = t end
  local due = start + sent * interval
  if waited or due > t then intended = t else intended = due end
  sent = sent + 1
  return req
end

function response(status, hdrs, resp_body)
  local lat = now_us() - intended
  if lat < 0 then lat = 0 end
  local b = math.floor(lat / 10)
  if b > 1000000 then b = 1000000 end
  hist[b] = (hist[b] or 0) + 1
  statuses[status] = (statuses[status] or 0) + 1
  count = count + 1
end

function done(summary, latency, requests)
  local merged, total, codes = {}, 0, {}
  for _, t in ipairs(threads) do
    local h = t:get("hist")
    for b, n in pairs(h) do merged[b] = (merged[b] or 0) + n end
    total = total + t:get("count")
    for s, n in pairs(t:get("statuses")) do codes[s] = (codes[s] or 0) + n end
  end
  local keys = {}
  for b in pairs(merged) do table.insert(keys, b) end
  table.sort(keys)
  local function pct(p)
    local want, seen = total * p, 0
    for _, b in ipairs(keys) do
      seen = seen + merged[b]
      if seen >= want then return (b + 1) * 10 / 1000 end
    end
    return 0
  end
  local secs = summary.duration / 1e6
  local parts = {}
  for s, n in pairs(codes) do table.insert(parts, s .. ":" .. n) end
  io.write(string.format("wrk's own (uncorrected, from send): p50=%.2fms p99=%.2fms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
  io.write(string.format(
    "RESULT %s %s req/s=%.0f answered=%d p50=%.2fms p99=%.2fms p99.9=%.2fms max=%.2fms errors=%d statuses=%s\n",
    method, path:gsub("/si_[%w_-]+", "/{id}"), total / secs, total, pct(0.5), pct(0.99), pct(0.999), pct(1.0),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
