-- wrk script: POST a streamed chat completion and read the whole SSE answer (wrk counts a request when the
-- chunked body has ended). Env: BENCH_KEY (bearer), BENCH_MODEL, BENCH_MAX_TOKENS (content chunks, default 50).
-- The prompt is long enough for the mock provider to reply with more than 50 tokens, so max_tokens sets the chunk
-- count; with stream_options.include_usage the stream ends with the usage chunk, then [DONE].
local prompt = "Please stream a long greeting to the benchmark: one two three four five six seven eight nine ten"
  .. " eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one twenty-two"
  .. " twenty-three twenty-four twenty-five twenty-six twenty-seven twenty-eight twenty-nine thirty."
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "text/event-stream"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_KEY")
wrk.body = '{"model":"' .. os.getenv("BENCH_MODEL") .. '","stream":true,"stream_options":{"include_usage":true},'
  .. '"max_tokens":' .. (os.getenv("BENCH_MAX_TOKENS") or "50")
  .. ',"messages":[{"role":"user","content":"' .. prompt .. '"}]}'
