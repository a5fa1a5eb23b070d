"""Structured logs: one JSON object per line, personal data masked by casework's filter."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone

from casework.privacy import install_log_filter

_QUIET = {"bm25s": logging.WARNING, "alembic": logging.WARNING, "httpx": logging.WARNING, "chromadb": logging.WARNING,
          "sentence_transformers": logging.WARNING}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: int = logging.INFO) -> None:
    """Root handler with JSON lines; then the personal-data filter on every handler."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.handlers = [handler]
    root.setLevel(level)
    for name, lvl in _QUIET.items():
        logging.getLogger(name).setLevel(lvl)
    install_log_filter()
