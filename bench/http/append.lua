-- wrk: single-event appends to one stream a connection (expected revision any).
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  wrk.method = "POST"
  wrk.path = "/streams/wrk-" .. id
  wrk.body = '[{"type":"BenchEvent","data":{"sku":"A1","qty":1}}]'
  wrk.headers["Content-Type"] = "application/json"
end
function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("append answered " .. status .. ": " .. body .. "\n")
  end
end
