"""Structured JSON logs. Values are JSON-escaped (no CR/LF/ANSI injection); no handler ever logs a
request body, a raw path or a query string, so no BSN and no child reference reach a log."""

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

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


QUIET = ("httpx", "httpcore", "aiosqlite")
"""httpx and httpcore log every outgoing request with its URL, which names a partner's child reference;
aiosqlite, at DEBUG, every statement with its parameters: only their warnings are logged."""


def log_config(level: str = "INFO") -> dict[str, Any]:
    """The logging set-up as `logging.config.dictConfig` takes it; uvicorn applies it in every worker process
    (a worker is a new interpreter and keeps nothing of its parent's logging)."""
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            # uvicorn's own handlers give way to the root's; its access log to inbeeld.access (no raw paths).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
            **{name: {"level": "WARNING"} for name in QUIET},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(log_config(level))
