#!/usr/bin/env python3
"""The slow-streams client: many concurrent SSE POSTs through a proxy, each read to its end.

  streams.py HOST PORT PATH STREAMS EXPECTED_BODY [--timeout SECONDS]

Opens STREAMS connections first and only then sends one request on each, so every stream is in flight
at the same time (wrk would spread them over its run). Checks each answer: status 200 and a body equal
to EXPECTED_BODY, framed by Content-Length, chunked encoding or the connection's end. Prints one JSON
object: completed streams, failures by kind with an example body of each error status, and timings.
"""
import argparse
import asyncio
import collections
import json
import time

# The conversation POST of lib/sse.lua, so both SSE cases send the same request.
BODY = (b'{"action":"next","messages":[{"id":"aaa1","author":{"role":"user"},"content":{"content_type":"text",'
        b'"parts":["Say hello"]}}],"parent_message_id":"aaa0","model":"text-davinci-002-render-sha"}')


class Failure(Exception):
    """One stream's failure; its text is the kind counted in the report, `detail` an example."""

    def __init__(self, kind, detail=""):
        super().__init__(kind)
        self.detail = detail


async def read_chunked(reader):
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected; the empty line ends the message
            return bytes(body)
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise Failure("bad chunk framing")


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    head_at = time.monotonic()
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await read_chunked(reader)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or parts[1] != "200":
        # The body of an error says which of the proxy's limits or checks answered.
        raise Failure(f"status {parts[1] if len(parts) > 1 else '?'}", body[:200].decode("latin-1"))
    return head_at, body


async def stream(host, port, request, expected, all_connected, timeout):
    """Returns the times the request went out, its answer's head came and the answer was complete;
    raises Failure."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except asyncio.TimeoutError as error:
        raise Failure(f"connect: no answer within {timeout:g} s") from error
    except OSError as error:
        raise Failure(f"connect: {type(error).__name__}") from error
    finally:
        all_connected.arrive()
    try:
        await all_connected.event.wait()
        start = time.monotonic()
        writer.write(request)
        try:
            head_at, body = await asyncio.wait_for(read_response(reader), timeout)
        except asyncio.TimeoutError as error:
            raise Failure(f"no complete answer within {timeout:g} s") from error
        except asyncio.IncompleteReadError as error:
            raise Failure(f"connection closed early ({len(error.partial)} bytes of a part)") from error
        except (ConnectionError, OSError) as error:
            raise Failure(f"read: {type(error).__name__}") from error
        if body != expected:
            raise Failure(f"body differs ({len(body)} of {len(expected)} bytes)")
        return start, head_at, time.monotonic()
    finally:
        writer.close()


class Countdown:
    """Sets its event once every stream has tried to connect."""

    def __init__(self, count):
        self.left = count
        self.event = asyncio.Event()

    def arrive(self):
        self.left -= 1
        if self.left == 0:
            self.event.set()


def peak_concurrency(intervals):
    edges = sorted([(start, 1) for start, _, _ in intervals] + [(end, -1) for _, _, end in intervals])
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


async def run(args):
    with open(args.expected, "rb") as f:
        expected = f.read()
    request = (f"POST {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\nAuthorization: Bearer x\r\n"
               f"Content-Type: application/json\r\nAccept: text/event-stream\r\n"
               f"Content-Length: {len(BODY)}\r\n\r\n").encode() + BODY
    all_connected = Countdown(args.streams)
    began = time.monotonic()
    tasks = [asyncio.ensure_future(stream(args.host, args.port, request, expected, all_connected, args.timeout))
             for _ in range(args.streams)]
    await all_connected.event.wait()
    connected = time.monotonic()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    done = time.monotonic()
    intervals = [o for o in outcomes if isinstance(o, tuple)]
    failures = collections.Counter(str(o) if isinstance(o, Failure) else f"client error: {o!r}"
                                   for o in outcomes if not isinstance(o, tuple))
    examples = {str(o): o.detail for o in outcomes if isinstance(o, Failure) and o.detail}
    durations = sorted(end - start for start, _, end in intervals)
    heads = sorted(head - start for start, head, _ in intervals)
    return {
        "streams": args.streams,
        "completed": len(intervals),
        "failures": dict(failures),
        "failure_examples": examples,
        "connect_s": round(connected - began, 3),
        "run_s": round(done - connected, 3),
        "head_p50_s": round(heads[len(heads) // 2], 3) if heads else None,
        "duration_p50_s": round(durations[len(durations) // 2], 3) if durations else None,
        "duration_max_s": round(durations[-1], 3) if durations else None,
        "peak_concurrent": peak_concurrency(intervals),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("streams", type=int)
    parser.add_argument("expected")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
