-- wrk script for the SSE case: the conversation POST a ChatGPT web client sends.
wrk.method = "POST"
wrk.body = '{"action":"next","messages":[{"id":"aaa1","author":{"role":"user"},"content":{"content_type":"text","parts":["Say hello"]}}],"parent_message_id":"aaa0","model":"text-davinci-002-render-sha"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "text/event-stream"
wrk.headers["Authorization"] = "Bearer x"
