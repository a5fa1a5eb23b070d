"""A local HTTP server standing in for an outside notification gateway: records every POST and can
be told to hang (so a worker can be killed mid-send) or to fail after recording."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.mode = "ok"  # ok | hang | fail_after_record
        self.release = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                body["idempotency_key"] = self.headers.get("Idempotency-Key")
                with receiver.lock:
                    receiver.calls.append(body)
                    mode = receiver.mode
                if mode == "hang":
                    receiver.release.wait(30)
                    return
                status = 500 if mode == "fail_after_record" else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def unique_keys(self) -> set[str]:
        return {c["delivery_key"] for c in self.calls}

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
