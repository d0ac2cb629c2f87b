-- wrk script of the check-in benchmark (bench/checkin.py writes its inputs and reads its output).
--
--   wrk -t T -c C -d D -s bench/checkin.lua http://127.0.0.1:PORT/PATH -- MODE KEYS FIRST COUNT CODES T
--
-- MODE "checkin": POST {"token": <code>} with "Authorization: Bearer <key>", the key of another
-- person on every request, so that every request is a first check-in (a real insert). The keys
-- are lines FIRST .. FIRST+COUNT-1 of the file KEYS; thread i of T takes every T-th of them. The
-- code is that of the current 30-second window, read from the file CODES ("<window> <code>" a
-- line), so a run that crosses a window sends the new code as the screen would show it.
-- MODE "bare": POST {"n": <i>} to the bare view, the same load without the product.
--
-- Requests are counted as made and responses by status, check-ins by "created": true in the
-- body; the difference between made and answered is what was in flight when wrk stopped. A thread that
-- runs out of keys sends its last person again (a retry: 200, created false, nothing written)
-- and says so, so the counts stay exact; the driver then reports the run as failed.

local mode, keys_path, first, count, codes_path, threads_total

local thread_counter = 0
local threads = {}

function setup(thread)
   thread_counter = thread_counter + 1
   thread:set("thread_id", thread_counter)
   table.insert(threads, thread)
end

local keys = {}
local codes = {}
local windows = {}
local next_key = 1
local headers = {}

sent, ok2xx, other, created, exhausted = 0, 0, 0, 0, 0
first_failure = ""

local function read_lines(path)
   local lines = {}
   local file = assert(io.open(path, "r"))
   for line in file:lines() do
      lines[#lines + 1] = line
   end
   file:close()
   return lines
end

function init(args)
   mode, keys_path, first, count, codes_path, threads_total =
      args[1], args[2], tonumber(args[3]), tonumber(args[4]), args[5], tonumber(args[6])
   headers["Content-Type"] = "application/json"
   -- What nginx in front sends: it terminates TLS, and passes the client's address on.
   headers["X-Forwarded-Proto"] = "https"
   headers["X-Forwarded-For"] = "10.8.0." .. thread_id
   if mode ~= "checkin" then
      return
   end
   local all = read_lines(keys_path)
   -- This thread's share: every threads_total-th key of the slice, from its own offset.
   for i = first + thread_id - 1, first + count - 1, threads_total do
      keys[#keys + 1] = all[i + 1]
   end
   for _, line in ipairs(read_lines(codes_path)) do
      local window, code = line:match("^(%d+) (%S+)$")
      codes[tonumber(window)] = code
      windows[#windows + 1] = tonumber(window)
   end
   table.sort(windows)
end

local function current_code()
   local now = math.floor(os.time() / 30)
   local code = codes[now]
   if code then
      return code
   end
   -- Past the prepared windows (a run longer than planned): the newest code, which the server
   -- refuses as expired once it is two windows old, and the driver reports.
   return codes[windows[#windows]]
end

function request()
   sent = sent + 1
   if mode ~= "checkin" then
      next_key = next_key + 1
      return wrk.format("POST", nil, headers, '{"n": ' .. (thread_id * 1000000000 + next_key) .. '}')
   end
   local key = keys[next_key]
   if next_key < #keys then
      next_key = next_key + 1
   else
      exhausted = 1
   end
   headers["Authorization"] = "Bearer " .. key
   return wrk.format("POST", nil, headers, '{"token": "' .. current_code() .. '"}')
end

function response(status, _, body)
   if status >= 200 and status < 300 then
      ok2xx = ok2xx + 1
      if mode == "checkin" and body:find('"created":%s*true') then
         created = created + 1
      end
   else
      other = other + 1
      if first_failure == "" then
         first_failure = status .. " " .. body:sub(1, 300)
      end
   end
end

function done(summary, latency, _)
   local totals = { sent = 0, ok2xx = 0, other = 0, created = 0, exhausted = 0 }
   local failure = ""
   for _, thread in ipairs(threads) do
      for name, _ in pairs(totals) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
      if failure == "" then
         failure = thread:get("first_failure") or ""
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests": %d, "duration_us": %d, "sent": %d, "ok2xx": %d, "other": %d, "created": %d, '
         .. '"exhausted": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
         .. '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
         .. '"first_failure": "%s"}\n',
      summary.requests, summary.duration, totals.sent, totals.ok2xx, totals.other, totals.created, totals.exhausted,
      errors.connect, errors.read, errors.write, errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      failure:gsub('[%c"\\]', " ")))
end
