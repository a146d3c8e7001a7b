"""Keep bearer tokens out of the server's logs (RFC 6750 §5.3: tokens must not leak).

Tokens are read from the Authorization header only, which no log prints; a client may still put one where
a log line shows it (a query string, a path). The filter rewrites every record of the server's loggers so
that ``mpr_<id>_<secret>`` keeps only its public id and any ``access_token=`` / ``token=`` value is dropped.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"(mpr_[0-9a-fA-F]{12}_)[A-Za-z0-9_-]+")
_PARAMETER = re.compile(r"((?:access_token|token|bearer)=)[^&\s\"']+", re.IGNORECASE)
LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "mpr", "")


def redact(text: str) -> str:
    """``text`` with token secrets replaced by ``[redacted]``."""
    return _PARAMETER.sub(r"\1[redacted]", _TOKEN.sub(r"\1[redacted]", text))


class RedactTokens(logging.Filter):
    """Rewrites a record's message and string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Add the filter to the server's loggers and to every handler they write to (after logging is configured)."""
    redacting = RedactTokens()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.addFilter(redacting)
        for handler in logger.handlers:
            handler.addFilter(redacting)
