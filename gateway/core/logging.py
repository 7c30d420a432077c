"""Structured JSON logs. Values are JSON-escaped (no CR/LF/ANSI injection); no handler ever logs a
request body, a raw path or a query string, so no BSN and no child reference reach a log."""

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items()
                      if k not in _STANDARD and not k.startswith("color_")})
        return json.dumps(entry, default=str, ensure_ascii=True)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True  # replaced by inbeeld.access (no raw paths)
    # httpx and httpcore log every outgoing request with its URL, which names a partner's child reference;
    # aiosqlite, at DEBUG, every statement with its parameters.
    for chatty in ("httpx", "httpcore", "aiosqlite"):
        logging.getLogger(chatty).setLevel(max(root.level, logging.WARNING))
