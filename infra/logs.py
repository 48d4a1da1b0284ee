"""Logging setup. Records carry ids, never message text, names or the token.

httpx logs every request URL at INFO, and Bot API URLs contain the token, so its logger
is held at WARNING and a filter scrubs anything shaped like a token as a second line of
defence. The database drivers log every statement with its parameters at DEBUG (aiosqlite)
or INFO (SQLAlchemy's engine echo): the parameters are people's words and names, so they
are held at WARNING too, whatever level the operator chooses.
"""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


# Loggers that would write URLs with the token, or statements with people's words.
NOISY = (
    "httpx",
    "httpcore",
    "telegram",
    "apscheduler",
    "aiohttp.access",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN.search(message):
            record.msg = _TOKEN.sub("bot<redacted>", message)
            record.args = None
        return True


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
