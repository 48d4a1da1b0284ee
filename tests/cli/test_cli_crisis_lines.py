"""`tsunagari crisis-lines`: the lines the crisis reply would show at a given time.

No database is involved: the command reads the configuration (time zone, crisis-line file)
and the packaged data only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main

FIELDS = {"key", "name", "number", "open_now", "hours", "why"}


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def env(tmp_cwd: Path) -> dict[str, str]:
    # A database URL that would fail if anything tried to open it.
    return {"TSUNAGARI_DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none"}


def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str], *argv: str) -> Result:
    code = main(["crisis-lines", *argv], env=env)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def numbers(result: Result) -> list[str]:
    assert result.code == 0, result.err
    return [row["number"] for row in result.json()]


def test_json_rows_have_the_documented_fields(
    capsys: pytest.CaptureFixture[str], env: dict[str, str]
) -> None:
    result = cli(capsys, env, "--at", "2026-12-01 03:00", "--json")
    rows = result.json()
    assert [r["key"] for r in rows] == ["jp_119", "jp_110", "yorisoi"]
    for row in rows:
        assert set(row) >= FIELDS
        assert row["open_now"] is True
    assert [r["why"] for r in rows] == ["emergency", "emergency", "open_now"]
    assert rows[2]["hours"].startswith("24時間")


@pytest.mark.parametrize(
    ("at", "argv", "expected"),
    [
        ("2026-12-03 03:00", [], ["0120-279-338", "0120-061-338"]),
        ("2026-12-03 10:00", [], ["0120-279-338", "0120-061-338"]),
        ("2026-12-03 20:30", [], ["0120-279-338", "0120-783-556", "0120-061-338"]),
        ("2026-12-01 03:00", [], ["0120-279-338"]),  # Tuesday night: #いのちSOS closed
        ("2026-12-10 12:00", [], ["0120-279-338", "0120-783-556", "0120-061-338"]),
        ("2026-12-01 03:00", ["--situation", "violence"], ["0120-279-889", "0120-279-338"]),
        ("2026-12-03 03:00", ["--situation", "child"], ["189", "0120-0-78310", "0120-279-338"]),
        ("2026-12-01 03:00", ["--situation", "sexual_violence"], ["#8891", "0120-279-338"]),
        ("2026-12-03 20:30", ["--language", "en"], ["0120-279-338"]),
    ],
)
def test_the_lines_at_a_time(
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    at: str,
    argv: list[str],
    expected: list[str],
) -> None:
    assert numbers(cli(capsys, env, "--at", at, "--json", *argv)) == ["119", "110", *expected]


def test_closing_times_and_reasons(capsys: pytest.CaptureFixture[str], env: dict[str, str]) -> None:
    rows = cli(capsys, env, "--at", "2026-12-03 20:30", "--json").json()
    lifeline = next(r for r in rows if r["key"] == "inochi_no_denwa")
    assert lifeline["closes_at"] == "2026-12-03T21:00:00+09:00"
    assert lifeline["open_24h"] is False
    english = cli(capsys, env, "--at", "2026-12-03 13:00", "--json", "--language", "en")
    rows = english.json()
    assert rows[0]["name"] == "Ambulance / Fire"
    assert (rows[2]["key"], rows[2]["why"], rows[2]["answers_in_language_now"]) == (
        "yorisoi",
        "language",
        True,
    )
    assert "10:00–22:00" in rows[2]["language_hours"]
    sexual = cli(
        capsys, env, "--at", "2026-12-03 13:00", "--json", "--situation", "sexual_violence"
    )
    row = sexual.json()[2]
    assert (row["key"], row["why"], row["situation"], row["open_now"]) == (
        "onestop_8891",
        "situation",
        "sexual_violence",
        False,  # the hours depend on the area: never claimed open
    )


def test_the_default_is_now_and_a_table(capsys: pytest.CaptureFixture[str], env: dict[str, str]):
    result = cli(capsys, env)
    assert result.code == 0, result.err
    first, header, *rows = result.out.splitlines()
    assert first.startswith("the crisis reply at ") and first.endswith("would show:")
    assert first.endswith(" JST would show:"), "now, in the organisation's time zone"
    assert header.split() == ["number", "name", "open_now", "closes_at", "why", "hours"]
    assert rows[0].startswith("119 ") and rows[1].startswith("110 ")
    assert not any(Path.cwd().iterdir()), "no database file was created"


def test_at_is_read_in_the_configured_time_zone(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
) -> None:
    (tmp_cwd / "config.toml").write_text('[checkin]\ntimezone = "Europe/London"\n', "utf-8")
    # 11:30 in London is 20:30 in Tokyo: いのちの電話 is open, until 12:00 London time.
    rows = cli(capsys, env, "--at", "2026-12-03 11:30", "--json").json()
    lifeline = next(r for r in rows if r["key"] == "inochi_no_denwa")
    assert lifeline["closes_at"] == "2026-12-03T12:00:00+00:00"
    # An explicit offset wins over the configured zone.
    tokyo = cli(capsys, env, "--at", "2026-12-03T03:00+09:00", "--json").json()
    assert [r["key"] for r in tokyo] == ["jp_119", "jp_110", "yorisoi", "inochi_sos"]


ORG_FILE = """
[[line]]
key = "city_line"
name_ja = "市の相談窓口"
name_en = "City helpline"
number = "03-1234-5678"
tel = "0312345678"
open = ["mon-fri 09:00-17:00"]
audience = ["general"]
hours_ja = "平日9時〜17時"
hours_en = "Weekdays 9-17"
purpose_ja = "生活の相談"
purpose_en = "Everyday help"
source = "Example City"
last_verified = 2026-11-01
emergency = false

[[line]]
key = "city_night"
name_ja = "夜間窓口"
name_en = "Night line"
number = "03-1234-0000"
tel = "0312340000"
open = ["daily 00:00-24:00"]
audience = ["general"]
hours_ja = "24時間"
hours_en = "24 hours"
purpose_ja = "いつでも"
purpose_en = "Any time"
source = "Example City"
last_verified = 2026-11-01
emergency = false
"""


def test_an_organisations_file_is_used(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
) -> None:
    (tmp_cwd / "lines.toml").write_text(ORG_FILE, "utf-8")
    (tmp_cwd / "config.toml").write_text('[signals]\ncrisis_lines = "lines.toml"\n', "utf-8")
    day = numbers(cli(capsys, env, "--at", "2026-12-03 10:00", "--json"))
    assert day == ["03-1234-5678", "03-1234-0000"]
    night = numbers(cli(capsys, env, "--at", "2026-12-03 22:00", "--json"))
    assert night == ["03-1234-0000"]


def test_a_bad_organisation_file_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], tmp_cwd: Path
) -> None:
    (tmp_cwd / "lines.toml").write_text(ORG_FILE.replace("mon-fri 09:00", "weekdays 9"), "utf-8")
    (tmp_cwd / "config.toml").write_text('[signals]\ncrisis_lines = "lines.toml"\n', "utf-8")
    result = cli(capsys, env, "--json")
    assert result.code != 0 and result.out == ""
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    for word in ("signals.crisis_lines", "city_line", "'open'"):
        assert word in result.err, result.err


@pytest.mark.parametrize("at", ["tomorrow", "2026-13-01 03:00", "03:00"])
def test_a_bad_time_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], at: str
) -> None:
    result = cli(capsys, env, "--at", at)
    assert result.code != 0 and result.out == ""
    assert result.err.startswith("tsunagari: error: --at") and result.err.count("\n") == 1
