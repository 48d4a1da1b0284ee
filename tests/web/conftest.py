"""The web view's tests run the real bot (the `sandbox` fixture, SQLite and PostgreSQL)
with the web view on its own listener at a free port."""

from __future__ import annotations

import socket
from typing import Any

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def sandbox_config() -> dict[str, Any]:
    port = _free_port()
    return {"web": {"listen": f"127.0.0.1:{port}", "public_url": f"http://127.0.0.1:{port}"}}
