"""`tsunagari run` that cannot start: one clear line, a non-zero exit, never the token.

Each start is a real subprocess (its stdout, stderr and log output are what an operator
sees), at DEBUG so that every log line the bot could write is scanned for the token.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from infra.settings import Transport
from standin import BotApiStandIn

ROOT = Path(__file__).resolve().parents[2]
REJECTED = "987654321:REJECTED-secret_half-of-the-token"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")

pytestmark = pytest.mark.slow


def _start(tmp_path: Path, base_url: str, token: str, transport: Transport) -> tuple[int, str, str]:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{base_url}"\ntransport = "{transport.value}"\n'
        '[logging]\nlevel = "DEBUG"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGARI_")}
    env |= {
        "TSUNAGARI_TELEGRAM_TOKEN": token,
        "TSUNAGARI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "PTB_TIMEDELTA": "1",
    }
    args = ["--config", str(config)]
    done = subprocess.run(
        # Unclosed sessions and sockets would show as ResourceWarnings on stderr.
        [sys.executable, "-W", "default::ResourceWarning", "-m", "cli.main", "run", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def _assert_one_clear_line(code: int, out: str, err: str, token: str, expected: str) -> None:
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert "Warning" not in err
    # Log lines (at DEBUG) and the one error line are all of stderr.
    assert [line for line in err.splitlines() if not LOG_LINE.match(line)] == [expected]
    secret = token.partition(":")[2]
    for text in (out, err):
        assert token not in text
        assert secret not in text


def test_the_stand_in_rejects_an_unknown_token_with_401(
    threaded_bot_api: BotApiStandIn,
) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{threaded_bot_api.base_url}{REJECTED}/getMe", timeout=10)
    assert caught.value.code == 401
    assert json.loads(caught.value.read())["description"] == "Unauthorized"


@pytest.mark.parametrize("transport", list(Transport))
def test_a_rejected_token_is_one_line_without_the_token(
    tmp_path: Path, threaded_bot_api: BotApiStandIn, transport: Transport
) -> None:
    code, out, err = _start(tmp_path, threaded_bot_api.base_url, REJECTED, transport)
    _assert_one_clear_line(
        code,
        out,
        err,
        REJECTED,
        "tsunagari: error: telegram.token was rejected by Telegram (401 Unauthorized); "
        "check the token from @BotFather",
    )


@pytest.mark.parametrize("transport", list(Transport))
def test_unreachable_telegram_is_one_line_without_the_token(
    tmp_path: Path, transport: Transport
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # Nothing listens on the port now.
    token = "555000111:UNREACHABLE-secret_half"
    code, out, err = _start(tmp_path, f"http://127.0.0.1:{port}/bot", token, transport)
    _assert_one_clear_line(
        code,
        out,
        err,
        token,
        f"tsunagari: error: cannot reach Telegram at http://127.0.0.1:{port}/bot: "
        "connection refused; check telegram.base_url, telegram.proxy and the network",
    )


def test_a_worker_starts_delivers_and_stops_without_asking_for_updates(
    tmp_path: Path, threaded_bot_api: BotApiStandIn
) -> None:
    """`tsunagari run --role worker` as an operator runs it: it starts against the Bot API,
    never calls getUpdates (the receiving instance's long poll would get 409 Conflict), and
    stops cleanly on SIGTERM."""
    import signal
    import time

    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\nbase_url = "{threaded_bot_api.base_url}"\n[scheduler]\ntick = "1s"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSUNAGARI_")}
    env |= {
        "TSUNAGARI_TELEGRAM_TOKEN": threaded_bot_api.token,
        "TSUNAGARI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}",
    }
    command = [sys.executable, "-m", "cli.main", "--config", str(config), "run"]
    process = subprocess.Popen(
        [*command, "--role", "worker"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 60
    while threaded_bot_api.stats.requests["getMe"] == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2.5)  # a few ticks of the worker
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert out == ""
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert threaded_bot_api.stats.requests["getMe"] >= 1
    assert threaded_bot_api.stats.requests["getUpdates"] == 0
    assert "mode worker" in err
