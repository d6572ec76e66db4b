#!/usr/bin/env python3
"""Writes the upstream's answers: a 360-byte JSON body and a 17.6 KB SSE stream.

The sizes are those the issue's reference measurements used, so they are exact;
the shapes follow what api.openai.com and chatgpt.com send, so a proxy meets
realistic framing (many small `data:` events) rather than one opaque blob.
"""
import json
import os
import sys

JSON_BYTES = 360
SSE_BYTES = 17600


def padded(make, size):
    """Grows a filler string inside the document until it has exactly `size` bytes."""
    base = make("")
    missing = size - len(base)
    if missing < 0:
        raise SystemExit(f"payload skeleton is already {len(base)} bytes, above {size}")
    body = make("x" * missing)
    assert len(body) == size, (len(body), size)
    return body


def json_body():
    def make(filler):
        doc = {
            "id": "chatcmpl-bench0001",
            "object": "chat.completion",
            "created": 1700000000,
            "model": "gpt-3.5-turbo-0613",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": "Hello! How can I help you today?" + filler},
                "finish_reason": "stop",
            }],
            "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18},
        }
        return (json.dumps(doc, separators=(",", ":")) + "\n").encode()
    return padded(make, JSON_BYTES)


def sse_event(text, status):
    message = {
        "message": {
            "id": "b1e2c3d4-0000-4000-8000-000000000001",
            "author": {"role": "assistant", "name": None, "metadata": {}},
            "content": {"content_type": "text", "parts": [text]},
            "status": status,
            "end_turn": None,
            "weight": 1.0,
            "metadata": {"model_slug": "text-davinci-002-render-sha"},
            "recipient": "all",
        },
        "conversation_id": "c0ffee00-0000-4000-8000-000000000002",
        "error": None,
    }
    return b"data: " + json.dumps(message, separators=(",", ":")).encode() + b"\n\n"


def sse_body():
    """ChatGPT resends the whole text so far in every event; the stream grows word by word."""
    words = "The quick brown fox jumps over the lazy dog .".split()
    done = b"data: [DONE]\n\n"
    events = []
    text = ""
    while True:
        text = (text + " " + words[len(events) % len(words)]).strip()
        event = sse_event(text, "in_progress")
        final_min = len(sse_event(text, "finished_successfully"))
        if sum(map(len, events)) + len(event) + final_min + len(done) > SSE_BYTES:
            break
        events.append(event)
    head = b"".join(events)
    return padded(lambda filler: head + sse_event(text + filler, "finished_successfully") + done, SSE_BYTES)


def main():
    root = sys.argv[1]
    sse = sse_body()
    # The slow location serves the same stream at a limited rate.
    for rel, body in (("v1/json", json_body()), ("backend-api/conversation", sse),
                      ("backend-api/slow/conversation", sse)):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(body)


if __name__ == "__main__":
    main()
