-- wrk script of the points-store race (bench/redemptions.py writes its input and reads its output).
--
--   wrk -t T -c C -d BOUND -s bench/redeem.lua http://127.0.0.1:PORT/api/v1/redemptions -- LINES REWARD T
--
-- POST {"reward": REWARD, "quantity": 1} with "Authorization: Bearer <token>" and
-- "Idempotency-Key: <key>", one request per line "<token> <key>" of the file LINES; thread i of T
-- takes every T-th line. The driver orders the lines person by person, so the connections carry
-- the same person's requests at the same time.
--
-- Bounded in count: every line is sent exactly once. ``delay`` reserves a line before each request
-- and parks a connection for good once the lines are all reserved (gunicorn's sync workers take
-- such a connection only after every request sent before it); a thread that has all its
-- answers prints "WRK_THREAD_DONE" and stops, and the driver interrupts wrk (SIGINT) when every
-- thread has. Bounded in time by BOUND (wrk's duration): a run that reaches it has not answered
-- every line, and the driver reports it as failed. A request made again after a socket error
-- (wrk reconnects and asks for a new request) sends the last line again, with its key: a retry
-- that the API answers with the first result; it is counted as "resent", and the run fails.
--
-- Responses are counted by kind: 201/200 with a pickup code (their codes are kept, to compare
-- with the database), 409 with a Chinese reason (积分不足 or 库存不足, raw or as JSON escapes),
-- 5xx, and anything else. The times of the first request and the last answer are the
-- monotonic clock's, read through LuaJIT's ffi.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
   return tonumber(timespec.tv_sec) * 1000000 + math.floor(tonumber(timespec.tv_nsec) / 1000)
end

local PARK_MS = 24 * 3600 * 1000 -- a connection with no line left waits past any bound
local NO_POINTS = { "积分不足", "\\u79ef\\u5206\\u4e0d\\u8db3" }
local NO_STOCK = { "库存不足", "\\u5e93\\u5b58\\u4e0d\\u8db3" }

local thread_counter = 0
local threads = {}

function setup(thread)
   thread_counter = thread_counter + 1
   thread:set("thread_id", thread_counter)
   table.insert(threads, thread)
end

local lines = {}
local reserved, next_line = 0, 1
local headers = {}
local body

sent, answered, resent, ok, replayed, no_points, no_stock, refused_other, server_errors, other =
   0, 0, 0, 0, 0, 0, 0, 0, 0, 0
first_us, last_us, lines_total = 0, 0, 0
codes, first_failure = "", ""

local function read_lines(path)
   local result = {}
   local file = assert(io.open(path, "r"))
   for line in file:lines() do
      local token, key = line:match("^(%S+) (%S+)$")
      if token then
         result[#result + 1] = { token, key }
      end
   end
   file:close()
   return result
end

function init(args)
   local path, reward, threads_total = args[1], tonumber(args[2]), tonumber(args[3])
   local all = read_lines(path)
   for i = thread_id, #all, threads_total do
      lines[#lines + 1] = all[i]
   end
   lines_total = #lines
   body = '{"reward": ' .. reward .. ', "quantity": 1}'
   headers["Content-Type"] = "application/json"
   -- What nginx in front sends: it terminates TLS, and passes the client's address on.
   headers["X-Forwarded-Proto"] = "https"
   headers["X-Forwarded-For"] = "10.8.1." .. thread_id
end

function delay()
   if reserved < #lines then
      reserved = reserved + 1
      return 0
   end
   return PARK_MS
end

function request()
   if reserved == 0 then
      -- wrk's dry run before the start (it counts the requests of a call): built, never sent.
      return wrk.format("POST", nil, headers, body)
   end
   local line = lines[next_line]
   if next_line <= reserved then
      next_line = next_line + 1
   else
      line = lines[next_line - 1]
      resent = resent + 1
   end
   if first_us == 0 then
      first_us = now_us()
   end
   sent = sent + 1
   headers["Authorization"] = "Bearer " .. line[1]
   headers["Idempotency-Key"] = line[2]
   return wrk.format("POST", nil, headers, body)
end

local function has_any(text, needles)
   for _, needle in ipairs(needles) do
      if text:find(needle, 1, true) then
         return true
      end
   end
   return false
end

local function failure(status, text)
   if first_failure == "" then
      first_failure = status .. " " .. text:sub(1, 300)
   end
end

function response(status, _, text)
   answered = answered + 1
   last_us = now_us()
   if status == 201 or status == 200 then
      local code = text:match('"code":%s*"(%w+)"')
      if code then
         ok = ok + 1
         codes = codes .. code .. " "
         if status == 200 then
            replayed = replayed + 1
         end
      else
         other = other + 1
         failure(status, text)
      end
   elseif status == 409 and has_any(text, NO_POINTS) then
      no_points = no_points + 1
   elseif status == 409 and has_any(text, NO_STOCK) then
      no_stock = no_stock + 1
   elseif status == 409 then
      refused_other = refused_other + 1
      failure(status, text)
   elseif status >= 500 then
      server_errors = server_errors + 1
      failure(status, text)
   else
      other = other + 1
      failure(status, text)
   end
   if answered == #lines and resent == 0 then
      io.write("WRK_THREAD_DONE " .. thread_id .. "\n")
      io.flush()
      wrk.thread:stop()
   end
end

function done(summary, latency, _)
   local names = { "sent", "answered", "resent", "ok", "replayed", "no_points", "no_stock", "refused_other",
      "server_errors", "other", "lines_total" }
   local totals = {}
   for _, name in ipairs(names) do
      totals[name] = 0
   end
   local first, last, all_codes, failure_text = nil, 0, {}, ""
   for _, thread in ipairs(threads) do
      for _, name in ipairs(names) do
         totals[name] = totals[name] + (thread:get(name) or 0)
      end
      local started = thread:get("first_us") or 0
      if started > 0 and (first == nil or started < first) then
         first = started
      end
      last = math.max(last, thread:get("last_us") or 0)
      all_codes[#all_codes + 1] = thread:get("codes") or ""
      if failure_text == "" then
         failure_text = thread:get("first_failure") or ""
      end
   end
   local parts = {}
   for _, name in ipairs(names) do
      parts[#parts + 1] = string.format('"%s": %d', name, totals[name])
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_RESULT {%s, "elapsed_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
         .. '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, '
         .. '"codes": "%s", "first_failure": "%s"}\n',
      table.concat(parts, ", "), first and math.max(0, last - first) or 0,
      errors.connect, errors.read, errors.write, errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      (table.concat(all_codes, ""):gsub("%s+$", "")), (failure_text:gsub('[%c"\\]', " "))))
end
