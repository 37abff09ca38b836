-- One wrk script for every endpoint of bench/http.py.
-- Arguments (after `--`): METHOD PATH BODIES_FILE ONCE TOKENS_OUT NTHREADS [DELAY_MS]
--   BODIES_FILE: one request body per line ("-" for none); threads share it round robin,
--     or, with ONCE = "1", each line is sent once by exactly one thread (single-use tokens).
--   TOKENS_OUT: with a path, each thread appends the "token" of every answer to PATH.<n>.
--   DELAY_MS: with a number above 0, each connection waits that long before each request
--     (an open-loop-like fixed rate for the soak test).
-- done() prints one line "BENCH_JSON {...}" with the counts and latency percentiles (µs).

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  method, path, once = args[1], args[2], args[4] == "1"
  local bodies_file, tokens_out = args[3], args[5]
  nthreads = tonumber(args[6])
  delay_ms = tonumber(args[7] or "0")
  bodies, next_body, exhausted = {}, 0, 0
  local index = 0
  if bodies_file ~= "-" then
    for line in io.lines(bodies_file) do
      if not once or index % nthreads == tid then
        bodies[#bodies + 1] = line
      end
      index = index + 1
    end
    next_body = once and 0 or (tid * 7919) % #bodies
  end
  if tokens_out and tokens_out ~= "-" then
    out = io.open(tokens_out .. "." .. tid, "w")
  end
end

function request()
  local body = nil
  if #bodies > 0 then
    next_body = next_body + 1
    if next_body > #bodies then
      next_body = 1
      if once then exhausted = exhausted + 1 end
    end
    body = bodies[next_body]
  end
  return wrk.format(method, path, nil, body)
end

function delay()
  return delay_ms
end

if os.getenv("BENCH_COLLECT_TOKENS") == "1" then
  function response(status, headers, body)
    local token = string.match(body, '"token"%s*:%s*"([^"]+)"')
    if token then
      out:write(token, "\n")
      out:flush()
    end
  end
end

function done(summary, latency, requests)
  local exhausted_total = 0
  for _, thread in ipairs(threads) do
    exhausted_total = exhausted_total + (thread:get("exhausted") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"exhausted": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    exhausted_total))
end
