"""The OpenAI-compatible API as a smoke run needs it: GET a path, and one streamed chat completion
timed chunk by chunk (time to first token, gaps between tokens, total). Standard library only."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Reply:
    ok: bool
    error: str | None = None
    status: int | None = None
    ttft_s: float | None = None  # request sent -> first content chunk
    itl_s: list[float] = field(default_factory=list)  # gaps between content chunks
    latency_s: float | None = None  # request sent -> stream closed
    output_tokens: int = 0  # from the final usage block when the server sends one, else content chunks
    tokens_from_usage: bool = False
    text: str = ""
    finish_reason: str | None = None


class Client:
    def __init__(self, host: str, port: int, api_key: str | None = None):
        self.host, self.port = host, port
        self.headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})}

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        """(status, body); status 0 when nothing answers."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=self.headers)
            resp = conn.getresponse()
            return resp.status, resp.read(4 * 2**20)
        except (OSError, http.client.HTTPException):
            return 0, b""
        finally:
            conn.close()

    def chat(self, model: str, prompt: str, max_tokens: int, timeout: float) -> Reply:
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                           "temperature": 0, "stream": True, "stream_options": {"include_usage": True}})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        start = time.monotonic()
        reply = Reply(ok=False)
        try:
            conn.request("POST", "/v1/chat/completions", body=body, headers=self.headers)
            resp = conn.getresponse()
            reply.status = resp.status
            if resp.status != 200:
                reply.error = f"HTTP {resp.status}: {resp.read(300).decode('utf-8', 'replace').strip()}"
                return reply
            _stream(resp, reply, start, timeout)
            return reply
        except (OSError, http.client.HTTPException, ValueError) as e:
            reply.error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            return reply
        finally:
            conn.close()


def _stream(resp: http.client.HTTPResponse, reply: Reply, start: float, timeout: float) -> None:
    """Reads the server-sent events (one `data:` line each) into the reply, until [DONE] or the deadline."""
    deadline = start + timeout
    last: float | None = None
    for raw in resp:
        if time.monotonic() > deadline:
            reply.error = f"stream still open after {timeout:g} s"
            return
        line = raw.strip()
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            break
        last = _event(json.loads(data), reply, start, last)
    reply.latency_s = time.monotonic() - start
    if not reply.tokens_from_usage:  # each content chunk gave the first token's time or one gap
        reply.output_tokens = len(reply.itl_s) + (reply.ttft_s is not None)
    if reply.ttft_s is None:
        reply.error = "the stream ended without any content"
    else:
        reply.ok = True


def _event(event: dict[str, Any], reply: Reply, start: float, last: float | None) -> float | None:
    """One event's usage block and content pieces, each piece timed, into the reply; the time of its last piece."""
    if event.get("usage"):
        reply.output_tokens = int(event["usage"].get("completion_tokens") or 0)
        reply.tokens_from_usage = True
    for choice in event.get("choices") or []:
        piece = (choice.get("delta") or {}).get("content")
        if piece:
            now = time.monotonic()
            if last is None:
                reply.ttft_s = now - start
            else:
                reply.itl_s.append(now - last)
            last = now
            reply.text += piece
        reply.finish_reason = choice.get("finish_reason") or reply.finish_reason
    return last
