"""Structured logs: one file per node, JSON lines by default or plain text (``[log]`` in config)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

LOG_FILE = "node.log"


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message (and the exception)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(home: Path, log_format: str, level: str) -> Path:
    """Send every log record of the process to ``home/node.log``; return its path."""
    path = home / LOG_FILE
    handler = logging.FileHandler(path, encoding="utf-8")
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    return path
