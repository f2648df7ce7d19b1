"""A small OpenAI-compatible chat server for tests: real HTTP on 127.0.0.1, scripted faults.

The last user message decides the behaviour: ``ok:<text>`` answers ``<text>``; ``flaky:<n>:<text>``
answers 500 to the first ``n`` requests of that message, then ``<text>``; ``malformed:<text>``
sends a body that is not JSON once, then ``<text>``; ``cut:<text>`` once promises 100 bytes and
closes after a few, then answers ``<text>``; ``slow`` sleeps past any test timeout;
``broken`` always answers 500; ``refused`` answers 400. It records every request and the most
requests it ever had in flight at once.

It also serves the legacy completions API (a ``prompt`` instead of ``messages``, answered as
``choices[].text``), which lm-eval's ``local-completions`` model calls, and can play a model
that knows the answers: given ``answers`` (prompt → reply), a request whose text ends with one
of those prompts gets its reply, whatever the system prompt or description put before it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ChatServer:
    def __init__(self, delay: float = 0.05, slow: float = 2.0, answers: Mapping[str, str] | None = None) -> None:
        self.delay, self.slow = delay, slow
        self.answers = dict(answers or {})
        self.requests: list[dict[str, Any]] = []
        self.attempts: Counter[str] = Counter()
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append({"path": self.path, **body})
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    chat = "messages" in body
                    prompt = body["messages"][-1]["content"] if chat else body["prompt"]
                    server.attempts[prompt] += 1
                    attempt = server.attempts[prompt]
                try:
                    time.sleep(server.delay)
                    known = max((asked for asked in server.answers if prompt.endswith(asked)), key=len, default=None)
                    if known is not None:
                        self._send(200, _completion(server.answers[known], chat))
                    else:
                        self._answer(prompt, attempt, chat)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, prompt: str, attempt: int, chat: bool) -> None:
                kind, _, rest = prompt.partition(":")
                if kind == "slow":
                    time.sleep(server.slow)
                    return self._send(200, _completion("too late", chat))
                if kind == "broken" or (kind == "flaky" and attempt <= int(rest.split(":")[0])):
                    return self._send(500, b'{"error": "boom"}')
                if kind == "refused":
                    return self._send(400, b'{"error": "bad request"}')
                if kind == "malformed" and attempt == 1:
                    return self._send(200, b'{"choices": [{"message": ')
                if kind == "cut" and attempt == 1:
                    return self._send(200, b'{"choices": [', length=100)
                return self._send(200, _completion(rest.split(":")[-1], chat))

            def _send(self, status: int, payload: bytes, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(length or len(payload)))
                self.end_headers()
                try:
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
                    pass

        return Handler


def _completion(text: str, chat: bool = True) -> bytes:
    if chat:
        return json.dumps({"id": "x", "object": "chat.completion",
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                        "finish_reason": "stop"}]}).encode("utf-8")
    return json.dumps({"id": "x", "object": "text_completion",
                       "choices": [{"index": 0, "text": text, "finish_reason": "stop"}]}).encode("utf-8")
