-- wrk script of the bench. Mode from the environment (read when the script loads, so a plain
-- run keeps wrk's fast static-request path):
--   BENCH_MODE=plain   no request()/response(): only the JSON report at the end
--   BENCH_MODE=unique  every request a new size: BENCH_TEMPLATE with {W} and {H} filled in from
--                      a counter starting at BENCH_START (W = 350..369, H = 300, 301, ...),
--                      statuses and X-Rendition-Cache values counted
-- done() prints one line `BENCH_JSON {...}` with counts and latency percentiles (microseconds).

local mode = os.getenv("BENCH_MODE") or "plain"
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

if mode == "unique" then
  local template = os.getenv("BENCH_TEMPLATE")
  local start = tonumber(os.getenv("BENCH_START") or "0")
  local stride = tonumber(os.getenv("BENCH_THREADS") or "1")
  local accept = os.getenv("BENCH_ACCEPT")
  local index = nil
  local headers = {}
  if accept then headers["Accept"] = accept end
  s2xx, s4xx, s5xx, miss, hit, coalesced = 0, 0, 0, 0, 0, 0

  function request()
    if index == nil then index = start + tid end
    local w = 350 + index % 20
    local h = 300 + math.floor(index / 20)
    index = index + stride
    local path = template:gsub("{W}", tostring(w)):gsub("{H}", tostring(h))
    return wrk.format("GET", path, headers)
  end

  function response(status, headers, body)
    if status >= 500 then s5xx = s5xx + 1
    elseif status >= 400 then s4xx = s4xx + 1
    elseif status >= 200 and status < 300 then s2xx = s2xx + 1 end
    local outcome = headers["x-rendition-cache"] or headers["X-Rendition-Cache"]
    if outcome == "miss" then miss = miss + 1
    elseif outcome == "hit" then hit = hit + 1
    elseif outcome == "coalesced" then coalesced = coalesced + 1 end
  end
end

function done(summary, latency, requests)
  local counts = { s2xx = 0, s4xx = 0, s5xx = 0, miss = 0, hit = 0, coalesced = 0 }
  if mode == "unique" then
    for _, thread in ipairs(threads) do
      for key, _ in pairs(counts) do
        counts[key] = counts[key] + (thread:get(key) or 0)
      end
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latencyUs":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"counts":{"s2xx":%d,"s4xx":%d,"s5xx":%d,"miss":%d,"hit":%d,"coalesced":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max,
    counts.s2xx, counts.s4xx, counts.s5xx, counts.miss, counts.hit, counts.coalesced))
end
