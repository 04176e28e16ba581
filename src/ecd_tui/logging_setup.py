"""Logging to a rotating file in the user log dir; never to the terminal the app draws on."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"


def setup_logging(log_file: Path, level: int = logging.INFO) -> Path:
    """Send the ``ecd_tui`` loggers (and warnings from libraries) to ``log_file``."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("ecd_tui").setLevel(level)
    # The twilio client logs each request at INFO with its full URL and form body.
    logging.getLogger("twilio").setLevel(logging.WARNING)
    return log_file
