"""A local stand-in for the Telegram Bot API over real HTTP: records every call, feeds updates through
getUpdates (long polling), serves files for getFile downloads, and can answer 429 with retry_after.

The real python-telegram-bot talks to it through `base_url` / `base_file_url`."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

BOT_USER = {"id": 999000, "is_bot": True, "first_name": "Trợ lý THADS", "username": "tro_ly_thads_bot",
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "entities", "link_preview_options", "reply_parameters"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-TOKEN") -> None:
        self.token = token
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.cond = threading.Condition()
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self.sent_by_id: dict[int, dict[str, Any]] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                prefix = f"/file/bot{fake.token}/"
                path = unquote(self.path)
                if path.startswith(prefix) and path[len(prefix):] in fake.files:
                    body = fake.files[path[len(prefix):]]
                    fake._record("<download>", {"path": path[len(prefix):]})
                    self._send(200, body, "application/octet-stream")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                prefix = f"/bot{fake.token}/"
                if not self.path.startswith(prefix):
                    self._json(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                method = self.path[len(prefix):]
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                params = fake._parse(raw, self.headers.get("Content-Type", ""))
                status, body = fake.dispatch(method, params)
                self._json(status, body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (shutdown)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # --- server side -------------------------------------------------------------------------------

    @staticmethod
    def _parse(raw: bytes, ctype: str) -> dict[str, Any]:
        if "json" in ctype:
            params = json.loads(raw or b"{}")
        else:
            params = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        for key in JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params

    def _record(self, method: str, params: dict[str, Any]) -> None:
        with self.cond:
            self.calls.append(Call(method, params))
            self.cond.notify_all()

    def dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method != "getUpdates":
            self._record(method, params)
        with self.cond:
            queued = self.failures.get(method)
            failure = queued.pop(0) if queued else None
        if failure is not None:
            return failure
        handler: Callable[[dict[str, Any]], Any] = getattr(self, f"_m_{method}", lambda p: True)
        return 200, {"ok": True, "result": handler(params)}

    def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(p.get("offset") or 0)
        deadline = time.monotonic() + float(p.get("timeout") or 0)
        with self.cond:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return list(self.updates)
                self.cond.wait(max(0.0, deadline - time.monotonic()))

    def _message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(p["chat_id"])
        msg = {"message_id": next(self._message_ids), "date": int(time.time()), "from": BOT_USER,
               "chat": {"id": chat_id, "type": "private"}, "text": p.get("text", "")}
        if (p.get("reply_markup") or {}).get("inline_keyboard"):  # Telegram echoes inline keyboards only
            msg["reply_markup"] = p["reply_markup"]
        self.sent_by_id[msg["message_id"]] = msg
        return msg

    def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._message(p)

    def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:
        return {**self.sent_by_id.get(int(p["message_id"]), self._message(p)), "text": p.get("text", "")}

    def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> dict[str, Any]:
        msg = self.sent_by_id.get(int(p["message_id"])) or self._message(p)
        if p.get("reply_markup"):
            msg["reply_markup"] = p["reply_markup"]
        return msg

    def _m_getFile(self, p: dict[str, Any]) -> dict[str, Any]:
        data = self.files[p["file_id"]]
        return {"file_id": p["file_id"], "file_unique_id": p["file_id"] + "u", "file_size": len(data),
                "file_path": p["file_id"]}

    def _m_getWebhookInfo(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    # --- test side ---------------------------------------------------------------------------------------

    def fail_next(self, method: str, *, status: int = 429, retry_after: int = 1, times: int = 1) -> None:
        body = {"ok": False, "error_code": status, "description": f"Too Many Requests: retry after {retry_after}",
                "parameters": {"retry_after": retry_after}}
        with self.cond:
            self.failures.setdefault(method, []).extend([(status, body)] * times)

    def feed(self, update: dict[str, Any]) -> dict[str, Any]:
        with self.cond:
            self.updates.append(update)
            self.cond.notify_all()
        return update

    def _user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"Người dùng {user_id}", "language_code": "vi"}

    def message_update(self, user_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
        msg: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()), "from": self._user(user_id),
                               "chat": {"id": user_id, "type": "private"}, **extra}
        if text is not None:
            msg["text"] = text
            if text.startswith("/"):
                msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(self._update_ids), "message": msg}

    def send(self, user_id: int, text: str) -> dict[str, Any]:
        return self.feed(self.message_update(user_id, text))

    def send_photo(self, user_id: int, data: bytes, caption: str | None = None) -> dict[str, Any]:
        file_id = f"photo{len(self.files)}"
        self.files[file_id] = data
        extra: dict[str, Any] = {"photo": [{"file_id": file_id, "file_unique_id": file_id + "u", "width": 10, "height": 10,
                                             "file_size": len(data)}]}
        if caption:
            extra["caption"] = caption
        return self.feed(self.message_update(user_id, **extra))

    def send_document(self, user_id: int, data: bytes, name: str, mime: str, size: int | None = None) -> dict[str, Any]:
        file_id = f"doc{len(self.files)}"
        self.files[file_id] = data
        doc = {"file_id": file_id, "file_unique_id": file_id + "u", "file_name": name, "mime_type": mime,
               "file_size": size if size is not None else len(data)}
        return self.feed(self.message_update(user_id, document=doc))

    def send_contact(self, user_id: int, phone: str, contact_user_id: int | None = None) -> dict[str, Any]:
        contact = {"phone_number": phone, "first_name": "Nguyễn", "last_name": "Văn A",
                   "user_id": user_id if contact_user_id is None else contact_user_id}
        return self.feed(self.message_update(user_id, contact=contact))

    def press(self, user_id: int, data: str, message_id: int | None = None) -> dict[str, Any]:
        message = self.sent_by_id.get(message_id or 0) or {"message_id": message_id or 1, "date": int(time.time()),
                                                           "chat": {"id": user_id, "type": "private"}, "text": ""}
        query = {"id": str(next(self._update_ids)), "from": self._user(user_id), "chat_instance": f"ci{user_id}",
                 "data": data, "message": message}
        return self.feed({"update_id": next(self._update_ids), "callback_query": query})

    # --- assertions ----------------------------------------------------------------------------------------

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self.cond:
            return [c.params for c in self.calls if c.method == method and str(c.params.get("chat_id")) == str(chat_id)]

    def count(self, method: str) -> int:
        with self.cond:
            return sum(1 for c in self.calls if c.method == method)

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 15.0) -> Any:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("timed out waiting for the bot; last calls: "
                                         + repr([(c.method, c.params.get("text", "")[:80]) for c in self.calls[-8:]]))
                self.cond.wait(remaining)

    def wait_text(self, chat_id: int, needle: str, after: int = 0, timeout: float = 15.0) -> dict[str, Any]:
        """The first message to `chat_id` (from index `after`) whose text contains `needle`."""
        def find() -> dict[str, Any] | None:
            for params in self.sent(chat_id)[after:]:
                if needle in params.get("text", ""):
                    return params
            return None
        return self.wait_for(find, timeout)

    def button(self, chat_id: int, prefix: str, timeout: float = 15.0) -> tuple[int, str]:
        """(message_id, callback_data) of the newest inline button whose data starts with `prefix`
        (waiting for the bot to send it)."""
        def find() -> tuple[int, str] | None:
            try:
                return self._button(chat_id, prefix)
            except AssertionError:
                return None
        return self.wait_for(find, timeout)

    def _button(self, chat_id: int, prefix: str) -> tuple[int, str]:
        with self.cond:
            for msg in reversed(list(self.sent_by_id.values())):
                if msg["chat"]["id"] != chat_id:
                    continue
                for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
                    for b in row:
                        if b.get("callback_data", "").startswith(prefix):
                            return msg["message_id"], b["callback_data"]
        raise AssertionError(f"no button {prefix!r} in chat {chat_id}")

    def close(self) -> None:
        with self.cond:
            self.cond.notify_all()
        self.server.shutdown()
        self.server.server_close()
