"""`settings_from_mapping` and `load_settings`: defaults, durations, and errors that name
the key and the expected form (PRODUCT.md, "Operating it")."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from domain.errors import ConfigError
from infra.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_DATABASE_URL,
    ConfigErrors,
    Settings,
    Transport,
    load_settings,
    parse_tables,
    parse_times,
    parse_timezone,
    setting,
    setting_keys,
    settings_from_mapping,
)

TOKEN = "123456:ABC-def_ghi"


def build(data: dict[str, Any], env: dict[str, str] | None = None) -> Settings:
    return settings_from_mapping(data, env or {})


def config_error(data: dict[str, Any], env: dict[str, str] | None = None) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        build(data, env)
    return info.value


def test_defaults_follow_the_documented_values() -> None:
    s = build({})
    assert s.telegram.token == ""
    assert s.telegram.base_url == DEFAULT_BASE_URL == "https://api.telegram.org/bot"
    assert s.telegram.mode == "polling"
    assert s.database.url == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///tsunagari.db"
    assert s.scheduler.tick == timedelta(seconds=5)
    assert s.checkin.times == (time(10, 0),)
    assert s.checkin.days == "daily"
    assert s.checkin.timezone == "Asia/Tokyo"
    assert s.checkin.quiet_hours == (time(22, 0), time(7, 0))
    assert s.checkin.nudge_after < s.checkin.escalate_after
    assert s.escalation.ack_p1 < s.escalation.ack_p2 < s.escalation.ack_p3
    assert s.invites.expire_after == timedelta(days=7)
    assert s.default_language == "ja"
    assert s.ack_deadline("P1") == s.escalation.ack_p1


def test_token_is_required_only_by_commands_that_talk_to_telegram() -> None:
    s = build({})
    with pytest.raises(ConfigError) as info:
        s.require_token()
    assert info.value.key == "telegram.token"
    assert "TSUNAGARI_TELEGRAM_TOKEN" in str(info.value)
    assert build({"telegram": {"token": TOKEN}}).require_token() == TOKEN


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("10m", timedelta(minutes=10)),
        ("6h", timedelta(hours=6)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
    ],
)
def test_durations_are_written_with_a_unit(text: str, expected: timedelta) -> None:
    assert build({"scheduler": {"tick": text}}).scheduler.tick == expected
    assert build({"escalation": {"ack_p1": text}}).escalation.ack_p1 == expected
    assert build({"invites": {"expire_after": text}}).invites.expire_after == expected


def test_a_full_documented_configuration_is_accepted() -> None:
    s = build(
        {
            "telegram": {"token": TOKEN, "base_url": "http://127.0.0.1:8081/bot"},
            "database": {"url": "postgresql+asyncpg://bot@db/tsunagari"},
            "scheduler": {"tick": "10s"},
            "checkin": {
                "times": ["09:00", "18:30"],
                "days": "weekdays",
                "timezone": "Europe/London",
                "quiet_hours": "23:00-06:00",
                "nudge_after": "3h",
                "escalate_after": "1d",
            },
            "escalation": {"ack_p1": "10m", "ack_p2": "2h", "ack_p3": "2d"},
        }
    )
    assert s.telegram.base_url == "http://127.0.0.1:8081/bot"
    assert s.database.url == "postgresql+asyncpg://bot@db/tsunagari"
    assert s.checkin.times == (time(9, 0), time(18, 30))
    assert s.checkin.timezone == "Europe/London"
    assert s.checkin.quiet_hours == (time(23, 0), time(6, 0))
    assert (s.checkin.nudge_after, s.checkin.escalate_after) == (
        timedelta(hours=3),
        timedelta(days=1),
    )
    assert (s.escalation.ack_p1, s.escalation.ack_p2, s.escalation.ack_p3) == (
        timedelta(minutes=10),
        timedelta(hours=2),
        timedelta(days=2),
    )


def test_quiet_hours_can_be_switched_off() -> None:
    assert build({"checkin": {"quiet_hours": "none"}}).checkin.quiet_hours is None


# Each row: the mapping, the key the error must name, and words of the expected form.
ERRORS: list[tuple[str, dict[str, Any], str, str]] = [
    ("bad duration", {"checkin": {"nudge_after": "6 hours"}}, "checkin.nudge_after", "'90s'"),
    ("bare number", {"scheduler": {"tick": "5"}}, "scheduler.tick", "'10m'"),
    ("duration not a string", {"escalation": {"ack_p1": 15}}, "escalation.ack_p1", "'6h'"),
    ("zero duration", {"escalation": {"ack_p2": "0s"}}, "escalation.ack_p2", "positive"),
    ("bad time zone", {"checkin": {"timezone": "Mars/Olympus"}}, "checkin.timezone", "IANA"),
    ("unknown key", {"telegram": {"tokn": TOKEN}}, "telegram.tokn", "documented key"),
    ("unknown table", {"telegramm": {"token": TOKEN}}, "telegramm", "documented tables"),
    ("table not a table", {"checkin": "daily"}, "checkin", "[checkin]"),
    ("bad quiet hours", {"checkin": {"quiet_hours": "22-7"}}, "checkin.quiet_hours", "HH:MM"),
    (
        "quiet hours start == end",
        {"checkin": {"quiet_hours": "22:00-22:00"}},
        "checkin.quiet_hours",
        "HH:MM-HH:MM",
    ),
    ("bad times", {"checkin": {"times": ["25:00"]}}, "checkin.times", "HH:MM"),
    ("bad days", {"checkin": {"days": "someday"}}, "checkin.days", "weekdays"),
    (
        "escalate_after == nudge_after",
        {"checkin": {"nudge_after": "6h", "escalate_after": "6h"}},
        "checkin.escalate_after",
        "longer than checkin.nudge_after",
    ),
    (
        "escalate_after < nudge_after",
        {"checkin": {"escalate_after": "1h"}},
        "checkin.escalate_after",
        "longer than checkin.nudge_after",
    ),
    ("bad database url", {"database": {"url": "mysql://x/y"}}, "database.url", "sqlite+aiosqlite"),
    (
        "sync postgres driver",
        {"database": {"url": "postgresql://u@h/db"}},
        "database.url",
        "postgresql+asyncpg",
    ),
    (
        "webhook mode without secret",
        {"telegram": {"mode": "webhook", "webhook_url": "https://bot.example.org/hook"}},
        "telegram.webhook_secret",
        "16-256 characters",
    ),
    (
        "webhook mode with a short secret",
        {
            "telegram": {
                "mode": "webhook",
                "webhook_url": "https://bot.example.org/hook",
                "webhook_secret": "short",
            }
        },
        "telegram.webhook_secret",
        "16-256 characters",
    ),
    (
        "webhook mode without url",
        {"telegram": {"mode": "webhook", "webhook_secret": "s" * 32}},
        "telegram.webhook_url",
        "https://",
    ),
    ("unknown mode", {"telegram": {"mode": "push"}}, "telegram.mode", "'polling'"),
    (
        "unknown transport",
        {"telegram": {"transport": "requests"}},
        "telegram.transport",
        "one of 'aiohttp', 'httpx'",
    ),
    ("socks proxy", {"telegram": {"proxy": "socks5://p:1080"}}, "telegram.proxy", "http://"),
    ("proxy with a path", {"telegram": {"proxy": "http://p:3128/x"}}, "telegram.proxy", "path"),
    ("malformed token", {"telegram": {"token": "not a token"}}, "telegram.token", "123456:"),
    ("bad base url", {"telegram": {"base_url": "api.telegram.org"}}, "telegram.base_url", "http"),
    ("bad listen", {"http": {"listen": "9464"}}, "http.listen", "HOST:PORT"),
    (
        "bad language",
        {"organisation": {"default_language": "fr"}},
        "organisation.default_language",
        "'ja'",
    ),
    (
        "bad closed day",
        {"escalation": {"closed_days": ["12-29..01-03", "13-40"]}},
        "escalation.closed_days",
        "12-29..01-03",
    ),
    (
        "closed days not a list",
        {"escalation": {"closed_days": "12-29..01-03"}},
        "escalation.closed_days",
        "MM-DD every year",
    ),
    (
        "closed all year",
        {"escalation": {"closed_days": ["01-01..12-31"]}},
        "escalation.closed_days",
        "leave some working day",
    ),
    (
        "unknown holiday calendar",
        {"escalation": {"national_holidays": "us"}},
        "escalation.national_holidays",
        "'jp'",
    ),
]


@pytest.mark.parametrize(
    ("data", "key", "form"), [row[1:] for row in ERRORS], ids=[row[0] for row in ERRORS]
)
def test_every_error_names_the_key_and_the_expected_form(
    data: dict[str, Any], key: str, form: str
) -> None:
    error = config_error(data)
    assert error.key == key
    message = str(error)
    assert f"'{key}'" in message
    assert form in message, message
    assert "\n" not in message


def test_a_bad_database_url_does_not_echo_its_password() -> None:
    error = config_error({"database": {"url": "mysql://admin:hunter2@db/x"}})
    assert "hunter2" not in str(error)


def test_the_transport_is_aiohttp_unless_httpx_is_asked_for() -> None:
    assert build({}).telegram.transport is Transport.AIOHTTP
    assert build({}).telegram.proxy == ""
    chosen = build({"telegram": {"transport": "httpx", "proxy": "http://u:pw@proxy:3128"}})
    assert chosen.telegram.transport is Transport.HTTPX
    assert chosen.telegram.proxy == "http://u:pw@proxy:3128"


def test_a_bad_proxy_does_not_echo_its_password() -> None:
    error = config_error({"telegram": {"proxy": "socks5://admin:hunter2@proxy:1080"}})
    assert "hunter2" not in str(error)


def test_token_error_does_not_echo_the_token() -> None:
    error = config_error({"telegram": {"token": "secret token value"}})
    assert "secret token value" not in str(error)


def test_environment_overrides_the_secrets() -> None:
    env = {
        "TSUNAGARI_TELEGRAM_TOKEN": "999:FROM-ENV",
        "TSUNAGARI_DATABASE_URL": "postgresql+asyncpg://env@host/db",
    }
    s = build({"telegram": {"token": TOKEN}, "database": {"url": "sqlite+aiosqlite:///f.db"}}, env)
    assert s.telegram.token == "999:FROM-ENV"
    assert s.database.url == "postgresql+asyncpg://env@host/db"


def test_environment_secrets_are_validated_too() -> None:
    error = config_error({}, {"TSUNAGARI_DATABASE_URL": "mysql://x/y"})
    assert error.key == "database.url"
    assert "TSUNAGARI_DATABASE_URL" in str(error)


def test_load_settings_reads_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[checkin]\nnudge_after = "90s"\n', encoding="utf-8"
    )
    s = load_settings(path, {})
    assert s.telegram.token == TOKEN
    assert s.checkin.nudge_after == timedelta(seconds=90)


def test_load_settings_without_a_file_uses_defaults() -> None:
    assert load_settings(None, {}).database.url == DEFAULT_DATABASE_URL


def test_load_settings_with_a_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_settings(missing, {})
    assert info.value.key == "--config"
    assert "nope.toml" in str(info.value)


def test_load_settings_with_a_missing_file_is_fine_when_the_environment_configures(
    tmp_path: Path,
) -> None:
    s = load_settings(tmp_path / "nope.toml", {"TSUNAGARI_TELEGRAM_TOKEN": "1:ENV"})
    assert s.telegram.token == "1:ENV"


def test_load_settings_with_bad_toml_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram\ntoken = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path, {})
    assert info.value.key == "--config"
    assert "valid TOML" in str(info.value)
    assert "\n" not in str(info.value)


def test_an_instance_name_is_checked() -> None:
    assert build({}).delivery.instance == ""
    assert build({"delivery": {"instance": "bot-1"}}).delivery.instance == "bot-1"
    assert config_error({"delivery": {"instance": "bot 1"}}).key == "delivery.instance"
    assert config_error({"delivery": {"instance": "x" * 65}}).key == "delivery.instance"
    assert build({"telegram": {"max_update_attempts": 5}}).telegram.max_update_attempts == 5
    assert config_error({"telegram": {"max_update_attempts": 0}}).key == (
        "telegram.max_update_attempts"
    )


def test_message_text_retention_defaults_to_a_year() -> None:
    assert build({}).retention.message_text == timedelta(days=365)
    assert build({"retention": {"message_text": "30d"}}).retention.message_text == timedelta(
        days=30
    )
    assert config_error({"retention": {"message_text": "a year"}}).key == "retention.message_text"


# --- every bad key at once --------------------------------------------------------------

SEVERAL_BAD_KEYS: dict[str, Any] = {
    "telegramm": {},
    "telegram": {
        "tokn": TOKEN,
        "mode": "webhook",
        "proxy": "socks5://admin:hunter2@proxy:1080",
    },
    "checkin": {
        "nudge_after": "6 hours",
        "escalate_after": "1h",
        "templates": {"weekly": {"times": ["25:00"], "day": "mon"}},
    },
    "escalation": {"working_days": "every 2 days"},
    "organisation": {"default_language": "fr"},
}


def test_several_bad_keys_are_reported_at_once_one_line_each() -> None:
    error = config_error(SEVERAL_BAD_KEYS)
    assert isinstance(error, ConfigErrors)
    keys = [e.key for e in error.errors]
    # Table by table in the order of config.example.toml; unknown tables first.
    assert keys == [
        "telegramm",
        "telegram.tokn",
        "telegram.proxy",
        "telegram.webhook_url",
        "telegram.webhook_secret",
        "checkin.nudge_after",
        "checkin.templates.weekly.day",
        "checkin.templates.weekly.times",
        "escalation.working_days",
        "organisation.default_language",
    ]
    assert error.key == "telegramm"
    lines = str(error).splitlines()
    assert len(lines) == len(keys)
    for line, key in zip(lines, keys, strict=True):
        assert line.startswith(f"config key '{key}': expected "), line
    assert "hunter2" not in str(error)
    # escalate_after is not compared with a nudge_after that did not parse.
    assert "checkin.escalate_after" not in keys


def test_one_bad_key_is_still_one_line() -> None:
    error = config_error({"scheduler": {"tick": "5"}})
    assert isinstance(error, ConfigErrors)
    assert [e.key for e in error.errors] == ["scheduler.tick"]
    assert str(error) == str(error.errors[0])


def test_the_cli_prints_every_bad_key_on_its_own_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[telegram]\ntokn = "x"\n[checkin]\nnudge_after = "soon"\njitter = "a bit"\n',
        encoding="utf-8",
    )
    code = main(["--config", str(path), "staff", "list"], env={})
    err = capsys.readouterr().err
    assert code != 0
    assert "Traceback" not in err
    assert err.splitlines() == [
        "tsunagari: configuration error: config key 'telegram.tokn': expected a documented key "
        "(see config.example.toml)",
        "tsunagari: configuration error: config key 'checkin.nudge_after': expected a duration "
        "such as '90s', '10m', '6h' or '2d' (got 'soon')",
        "tsunagari: configuration error: config key 'checkin.jitter': expected a duration such "
        "as '90s', '10m', '6h' or '2d' (got 'a bit')",
    ]


def test_the_environment_secrets_are_checked_with_the_file() -> None:
    error = config_error(
        {"scheduler": {"tick": "0s"}},
        {"TSUNAGARI_DATABASE_URL": "mysql://admin:hunter2@db/x", "TSUNAGARI_TELEGRAM_TOKEN": "x"},
    )
    assert isinstance(error, ConfigErrors)
    assert [e.key for e in error.errors] == ["telegram.token", "database.url", "scheduler.tick"]
    assert "hunter2" not in str(error)


def test_jitter_may_be_zero_but_other_durations_may_not() -> None:
    assert build({"checkin": {"jitter": "0s"}}).checkin.jitter == timedelta(0)
    assert config_error({"checkin": {"stale_after": "0s"}}).key == "checkin.stale_after"


def test_working_days_become_weekday_numbers() -> None:
    assert build({"escalation": {"working_days": "mon,wed"}}).escalation.working_days == (0, 2)
    assert build({}).escalation.working_days == (0, 1, 2, 3, 4)


def test_holidays_and_closed_days_are_read() -> None:
    from domain.calendar import DatedClosure, YearlyClosure
    from infra.settings import HolidayCalendar

    assert build({}).escalation.national_holidays is HolidayCalendar.JAPAN
    assert build({}).escalation.closed_days == ()
    s = build({"escalation": {"national_holidays": "none",
                              "closed_days": ["12-29..01-03", "2027-05-06"]}})  # fmt: skip
    assert s.escalation.national_holidays is HolidayCalendar.NONE
    assert s.escalation.closed_days == (
        YearlyClosure((12, 29), (1, 3)),
        DatedClosure(date(2027, 5, 6), date(2027, 5, 6)),
    )
    # Weekends closed and every weekday closed by yearly closures: refused; a year-end
    # closure over a Saturday-only week is fine.
    assert config_error(
        {"escalation": {"working_days": "sat", "closed_days": ["01-01..06-30", "07-01..12-31"]}}
    ).key == "escalation.closed_days"
    assert build({"escalation": {"working_days": "sat", "closed_days": ["12-29..01-03"]}})


def test_templates_are_read() -> None:
    s = build({"checkin": {"templates": {"weekly": {"times": "10:00", "days": "mon"}}}})
    (weekly,) = s.checkin.templates
    assert (weekly.name, weekly.times, weekly.days) == ("weekly", (time(10, 0),), "mon")
    assert config_error({"checkin": {"templates": {"x": {"days": "mon"}}}}).key == (
        "checkin.templates.x"
    )


# --- one declaration per setting -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PilotTable:
    # A new setting is this one line: default and parser together.
    zone: str = setting("UTC", parse_timezone)
    times: tuple[time, ...] = setting((time(9, 0),), parse_times)


@dataclass(frozen=True, slots=True)
class _PilotRoot:
    pilot: _PilotTable = field(default_factory=_PilotTable)
    motto: str = setting("UTC", parse_timezone, key="about.motto")


def test_a_field_declared_once_is_read_checked_and_defaulted() -> None:
    assert parse_tables(_PilotRoot, {}, {}) == _PilotRoot()
    read = parse_tables(
        _PilotRoot, {"pilot": {"zone": "Asia/Tokyo"}, "about": {"motto": "Europe/Paris"}}, {}
    )
    assert read == _PilotRoot(pilot=_PilotTable(zone="Asia/Tokyo"), motto="Europe/Paris")
    with pytest.raises(ConfigErrors) as info:
        parse_tables(_PilotRoot, {"pilot": {"zone": "Mars", "time": "9:00"}, "more": {}}, {})
    assert [e.key for e in info.value.errors] == ["more", "pilot.time", "pilot.zone"]
    assert "one of the documented tables: pilot, about" in str(info.value)
    assert setting_keys(_PilotRoot) == ("pilot.zone", "pilot.times", "about.motto")


def test_config_example_documents_every_setting_and_parses() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    documented = {f"{table}.{key}" for table, keys in data.items() for key in keys}
    assert documented == set(setting_keys())
    s = settings_from_mapping(data, {})
    assert [t.name for t in s.checkin.templates] == ["daily_morning", "every_3_days", "weekly"]


def test_the_web_view_is_off_until_both_addresses_are_set() -> None:
    assert not build({}).web.enabled
    assert not build({"web": {"listen": "127.0.0.1:8080"}}).web.enabled
    web = build(
        {"web": {"listen": "127.0.0.1:8080", "public_url": "https://care.example.org/staff"}}
    ).web
    assert web.enabled and web.secure
    assert (web.session_expire_after, web.init_data_max_age) == (
        timedelta(hours=12),
        timedelta(hours=1),
    )
    plain = build({"web": {"listen": "127.0.0.1:8080", "public_url": "http://127.0.0.1:8080"}})
    assert plain.web.enabled and not plain.web.secure
    for bad in ("https://care.example.org/", "care.example.org", "https://a b"):
        assert config_error({"web": {"public_url": bad}}).key == "web.public_url"
    assert config_error({"web": {"listen": "8080"}}).key == "web.listen"
