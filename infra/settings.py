"""One typed settings object, built from an injected mapping.

`load_settings` is the only function in the project that looks at the environment, and
only for the secrets PRODUCT.md names. Everything else receives a `Settings`.
Every error names the key and the expected form, so an operator can fix the file at once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain import schedule
from domain.durations import parse_duration
from domain.errors import ConfigError

T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///tsunagari.db"

_LISTEN = re.compile(r"^(?P<host>[^:\s]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})$")
_MONDAY = date(2024, 1, 1)


class Transport(StrEnum):
    """The HTTP client under python-telegram-bot (see bot/transport.py)."""

    AIOHTTP = "aiohttp"
    HTTPX = "httpx"


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    token: str
    base_url: str = DEFAULT_BASE_URL
    transport: Transport = Transport.AIOHTTP
    # An http(s) proxy for every Bot API request; empty: connect directly.
    proxy: str = ""
    mode: str = "polling"  # "polling" | "webhook"
    poll_timeout: int = 30
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0:8443"
    webhook_path: str = "/telegram/webhook"
    # An update whose handling fails this many times is set aside so later ones flow.
    max_update_attempts: int = 3


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = DEFAULT_DATABASE_URL
    echo: bool = False


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    tick: timedelta = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    rate_per_second: float = 25.0
    per_chat_interval: timedelta = timedelta(seconds=1)
    max_attempts: int = 8
    batch_size: int = 500
    concurrency: int = 8
    # A stable name for this process: a restart under the same name takes back the rows
    # it had leased at once instead of waiting for the lease to expire. Empty: a fresh
    # name at every start. Two processes must never share a name.
    instance: str = ""


@dataclass(frozen=True, slots=True)
class Template:
    """A named schedule shape a coordinator can apply ("daily morning", "weekly")."""

    name: str
    times: tuple[time, ...]
    days: str


@dataclass(frozen=True, slots=True)
class CheckinSettings:
    times: tuple[time, ...] = (time(10, 0),)
    days: str = "daily"
    timezone: str = "Asia/Tokyo"
    quiet_hours: tuple[time, time] | None = (time(22, 0), time(7, 0))
    nudge_after: timedelta = timedelta(hours=6)
    escalate_after: timedelta = timedelta(days=2)
    jitter: timedelta = timedelta(minutes=10)
    stale_after: timedelta = timedelta(hours=3)
    own_time_window: tuple[time, time] = (time(7, 0), time(21, 0))
    templates: tuple[Template, ...] = ()


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    ack_p1: timedelta = timedelta(minutes=15)
    ack_p2: timedelta = timedelta(hours=4)
    ack_p3: timedelta = timedelta(days=1)
    working_hours: tuple[time, time] = (time(9, 0), time(18, 0))
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    timezone: str = "Asia/Tokyo"


@dataclass(frozen=True, slots=True)
class InviteSettings:
    expire_after: timedelta = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long what people wrote is kept as text; after that only counts remain."""

    message_text: timedelta = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class SignalsSettings:
    extra_rules: Path | None = None
    disabled_rules: tuple[str, ...] = ()
    crisis_lines: Path | None = None


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """The small operational listener (/healthz, /metrics); empty `listen` disables it."""

    listen: str = ""


@dataclass(frozen=True, slots=True)
class Settings:
    telegram: TelegramSettings
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    checkin: CheckinSettings = field(default_factory=CheckinSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    invites: InviteSettings = field(default_factory=InviteSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    signals: SignalsSettings = field(default_factory=SignalsSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    organisation_name: str = "tsunagari"
    default_language: str = "ja"
    log_level: str = "INFO"

    def require_token(self) -> str:
        if not self.telegram.token:
            raise ConfigError(
                "telegram.token",
                "a bot token from BotFather, like '123456:ABC-DEF' "
                "(or the environment variable TSUNAGARI_TELEGRAM_TOKEN)",
            )
        return self.telegram.token

    def ack_deadline(self, priority: str) -> timedelta:
        return {
            "P1": self.escalation.ack_p1,
            "P2": self.escalation.ack_p2,
            "P3": self.escalation.ack_p3,
        }[priority]


# --- parsing helpers -------------------------------------------------------------------


class _Section:
    """Typed reads from one TOML table; each read names its dotted key on error."""

    def __init__(self, data: Mapping[str, Any], prefix: str, known: set[str]) -> None:
        self._data = data
        self._prefix = prefix
        self._known = known
        self._used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self._prefix}.{name}" if self._prefix else name

    def raw(self, name: str) -> Any:
        self._used.add(name)
        return self._data.get(name)

    def has(self, name: str) -> bool:
        return name in self._data

    def str_(self, name: str, default: str, *, choices: tuple[str, ...] = ()) -> str:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(self.key(name), "a string", value)
        if choices and value not in choices:
            raise ConfigError(
                self.key(name), "one of " + ", ".join(repr(c) for c in choices), value
            )
        return value

    def bool_(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise ConfigError(self.key(name), "true or false", value)
        return value

    def int_(self, name: str, default: int, *, minimum: int = 0) -> int:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(self.key(name), f"an integer >= {minimum}", value)
        return value

    def float_(self, name: str, default: float, *, minimum: float = 0.0) -> float:
        value = self.raw(name)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= minimum:
            raise ConfigError(self.key(name), f"a number > {minimum}", value)
        return float(value)

    def duration(self, name: str, default: timedelta) -> timedelta:
        value = self.raw(name)
        if value is None:
            return default
        if not isinstance(value, str):
            raise ConfigError(
                self.key(name), "a duration such as '90s', '10m', '6h' or '2d'", value
            )
        try:
            parsed = parse_duration(value)
        except ValueError:
            raise ConfigError(
                self.key(name), "a duration such as '90s', '10m', '6h' or '2d'", value
            ) from None
        if parsed <= timedelta(0):
            raise ConfigError(self.key(name), "a positive duration", value)
        return parsed

    def path(self, name: str) -> Path | None:
        value = self.raw(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ConfigError(self.key(name), "a file path string", value)
        return Path(value)

    def str_list(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(self.key(name), "a list of strings", value)
        return tuple(value)

    def unknown(self) -> list[str]:
        return sorted(self.key(k) for k in self._data if k not in self._known)


def _domain_parse(key: str, value: object, expected: str, parse: Callable[[str], T]) -> T:
    if not isinstance(value, str):
        raise ConfigError(key, expected, value)
    try:
        return parse(value)
    except ValueError:
        raise ConfigError(key, expected, value) from None


def parse_times(key: str, value: object) -> tuple[time, ...]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    return _domain_parse(
        key, value, 'HH:MM times, such as ["09:00", "18:30"] or "09:00,18:30"', schedule.parse_times
    )


def parse_range(key: str, value: object) -> tuple[time, time]:
    expected = "a range written HH:MM-HH:MM, such as '22:00-07:00'"
    parsed = _domain_parse(key, value, expected, schedule.parse_quiet_hours)
    if parsed is None:
        raise ConfigError(key, expected, value)
    return parsed


def parse_days_spec(key: str, value: object) -> str:
    """Validate a days rule and return its canonical spelling."""
    expected = "'daily', 'weekdays', 'mon,wed,fri' or 'every N days'"
    rule = _domain_parse(key, value, expected, schedule.parse_days)
    return schedule.format_days(rule)


def parse_timezone(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(key, "an IANA time zone name such as 'Asia/Tokyo'", value)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, "an IANA time zone name such as 'Asia/Tokyo'", value) from None
    return value


def _instance(key: str, value: str) -> str:
    if value and not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value):
        raise ConfigError(key, "1-64 characters of A-Z, a-z, 0-9, _ . or -", value)
    return value


def _listen(key: str, value: str) -> str:
    if value and not _LISTEN.match(value):
        raise ConfigError(key, "HOST:PORT, such as '127.0.0.1:9464'", value)
    return value


_SECTIONS: dict[str, set[str]] = {
    "telegram": {
        "token",
        "base_url",
        "transport",
        "proxy",
        "mode",
        "poll_timeout",
        "webhook_url",
        "webhook_secret",
        "webhook_listen",
        "webhook_path",
        "max_update_attempts",
    },
    "database": {"url", "echo"},
    "scheduler": {"tick"},
    "delivery": {
        "rate_per_second",
        "per_chat_interval",
        "max_attempts",
        "batch_size",
        "concurrency",
        "instance",
    },
    "checkin": {
        "times",
        "days",
        "timezone",
        "quiet_hours",
        "nudge_after",
        "escalate_after",
        "jitter",
        "stale_after",
        "own_time_window",
        "templates",
    },
    "escalation": {"ack_p1", "ack_p2", "ack_p3", "working_hours", "working_days", "timezone"},
    "invites": {"expire_after"},
    "retention": {"message_text"},
    "signals": {"extra_rules", "disabled_rules", "crisis_lines"},
    "http": {"listen"},
    "organisation": {"name", "default_language"},
    "logging": {"level"},
}


def _table(data: Mapping[str, Any], name: str) -> _Section:
    value = data.get(name, {})
    if not isinstance(value, Mapping):
        raise ConfigError(name, "a table ([" + name + "])", value)
    return _Section(value, name, _SECTIONS[name])


def settings_from_mapping(data: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Build and validate `Settings` from parsed TOML plus the secret environment variables."""
    unknown_tables = sorted(k for k in data if k not in _SECTIONS)
    if unknown_tables:
        raise ConfigError(
            unknown_tables[0], "one of the documented tables: " + ", ".join(_SECTIONS)
        )

    tg = _table(data, "telegram")
    token = env.get("TSUNAGARI_TELEGRAM_TOKEN") or tg.str_("token", "")
    # Commands that never talk to Telegram (staff, people, signals...) run without a token;
    # the ones that do call `require_token`.
    if token and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
        raise ConfigError(
            "telegram.token",
            "a bot token from BotFather, like '123456:ABC-DEF' "
            "(or the environment variable TSUNAGARI_TELEGRAM_TOKEN)",
        )
    mode = tg.str_("mode", "polling", choices=("polling", "webhook"))
    webhook_secret = env.get("TSUNAGARI_WEBHOOK_SECRET") or tg.str_("webhook_secret", "")
    webhook_url = tg.str_("webhook_url", "")
    if mode == "webhook":
        if not webhook_url.startswith("https://") and not webhook_url.startswith("http://"):
            raise ConfigError("telegram.webhook_url", "the public https:// URL Telegram posts to")
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", webhook_secret):
            raise ConfigError(
                "telegram.webhook_secret",
                "16-256 characters of A-Z, a-z, 0-9, _ or - "
                "(or the environment variable TSUNAGARI_WEBHOOK_SECRET)",
            )
    base_url = tg.str_("base_url", DEFAULT_BASE_URL)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError("telegram.base_url", "an http(s) URL ending in /bot", base_url)
    transport = Transport(
        tg.str_("transport", Transport.AIOHTTP.value, choices=tuple(t.value for t in Transport))
    )
    proxy = tg.str_("proxy", "")
    if proxy and not re.fullmatch(r"https?://[^\s/]+/?", proxy):
        # The value is not echoed: a proxy URL may carry a password.
        raise ConfigError(
            "telegram.proxy",
            "an http:// or https:// proxy URL without a path, such as "
            "'http://proxy.internal:3128' (or empty for none)",
        )
    webhook_path = tg.str_("webhook_path", "/telegram/webhook")
    if not webhook_path.startswith("/"):
        raise ConfigError("telegram.webhook_path", "a path starting with '/'", webhook_path)
    telegram = TelegramSettings(
        token=token,
        base_url=base_url,
        transport=transport,
        proxy=proxy,
        mode=mode,
        poll_timeout=tg.int_("poll_timeout", 30, minimum=0),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=_listen(
            "telegram.webhook_listen", tg.str_("webhook_listen", "0.0.0.0:8443")
        ),
        webhook_path=webhook_path,
        max_update_attempts=tg.int_("max_update_attempts", 3, minimum=1),
    )

    db = _table(data, "database")
    url = env.get("TSUNAGARI_DATABASE_URL") or db.str_("url", DEFAULT_DATABASE_URL)
    if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "database.url",
            "'sqlite+aiosqlite:///FILE' or 'postgresql+asyncpg://USER@HOST/DB' "
            "(or the environment variable TSUNAGARI_DATABASE_URL)",
            url.split("://")[0] + "://...",
        )
    database = DatabaseSettings(url=url, echo=db.bool_("echo", False))

    sch = _table(data, "scheduler")
    scheduler = SchedulerSettings(tick=sch.duration("tick", timedelta(seconds=5)))

    dl = _table(data, "delivery")
    delivery = DeliverySettings(
        rate_per_second=dl.float_("rate_per_second", 25.0),
        per_chat_interval=dl.duration("per_chat_interval", timedelta(seconds=1)),
        max_attempts=dl.int_("max_attempts", 8, minimum=1),
        batch_size=dl.int_("batch_size", 500, minimum=1),
        concurrency=dl.int_("concurrency", 8, minimum=1),
        instance=_instance("delivery.instance", dl.str_("instance", "")),
    )

    ci = _table(data, "checkin")
    defaults = CheckinSettings()
    quiet: tuple[time, time] | None = defaults.quiet_hours
    if ci.has("quiet_hours"):
        raw_quiet = ci.raw("quiet_hours")
        quiet = _domain_parse(
            "checkin.quiet_hours",
            raw_quiet,
            "HH:MM-HH:MM such as '22:00-07:00', or 'none'",
            schedule.parse_quiet_hours,
        )
    templates: list[Template] = []
    raw_templates = ci.raw("templates") or {}
    if not isinstance(raw_templates, Mapping):
        raise ConfigError("checkin.templates", "tables like [checkin.templates.daily_morning]")
    for name, spec in raw_templates.items():
        key = f"checkin.templates.{name}"
        if not isinstance(spec, Mapping) or "times" not in spec:
            raise ConfigError(key, "a table with 'times' and optionally 'days'", spec)
        templates.append(
            Template(
                name=name,
                times=parse_times(key + ".times", spec["times"]),
                days=parse_days_spec(key + ".days", spec.get("days", "daily")),
            )
        )
    checkin = CheckinSettings(
        times=parse_times("checkin.times", ci.raw("times")) if ci.has("times") else defaults.times,
        days=parse_days_spec("checkin.days", ci.raw("days")) if ci.has("days") else defaults.days,
        timezone=(
            parse_timezone("checkin.timezone", ci.raw("timezone"))
            if ci.has("timezone")
            else defaults.timezone
        ),
        quiet_hours=quiet,
        nudge_after=ci.duration("nudge_after", defaults.nudge_after),
        escalate_after=ci.duration("escalate_after", defaults.escalate_after),
        jitter=ci.duration("jitter", defaults.jitter) if ci.raw("jitter") != "0s" else timedelta(0),
        stale_after=ci.duration("stale_after", defaults.stale_after),
        own_time_window=(
            parse_range("checkin.own_time_window", ci.raw("own_time_window"))
            if ci.has("own_time_window")
            else defaults.own_time_window
        ),
        templates=tuple(templates),
    )
    if checkin.escalate_after <= checkin.nudge_after:
        raise ConfigError(
            "checkin.escalate_after",
            "a duration longer than checkin.nudge_after",
            ci.raw("escalate_after"),
        )

    es = _table(data, "escalation")
    edefaults = EscalationSettings()
    working_days = edefaults.working_days
    if es.has("working_days"):
        spec = parse_days_spec("escalation.working_days", es.raw("working_days"))
        if spec.startswith("every"):
            raise ConfigError("escalation.working_days", "'daily', 'weekdays' or 'mon,tue,...'")
        rule = schedule.parse_days(spec)
        working_days = tuple(d for d in range(7) if rule.allows(_MONDAY + timedelta(days=d)))
    escalation = EscalationSettings(
        ack_p1=es.duration("ack_p1", edefaults.ack_p1),
        ack_p2=es.duration("ack_p2", edefaults.ack_p2),
        ack_p3=es.duration("ack_p3", edefaults.ack_p3),
        working_hours=(
            parse_range("escalation.working_hours", es.raw("working_hours"))
            if es.has("working_hours")
            else edefaults.working_hours
        ),
        working_days=working_days,
        timezone=(
            parse_timezone("escalation.timezone", es.raw("timezone"))
            if es.has("timezone")
            else edefaults.timezone
        ),
    )

    inv = _table(data, "invites")
    invites = InviteSettings(expire_after=inv.duration("expire_after", timedelta(days=7)))

    sg = _table(data, "signals")
    signals = SignalsSettings(
        extra_rules=sg.path("extra_rules"),
        disabled_rules=sg.str_list("disabled_rules"),
        crisis_lines=sg.path("crisis_lines"),
    )

    ht = _table(data, "http")
    http = HttpSettings(listen=_listen("http.listen", ht.str_("listen", "")))

    org = _table(data, "organisation")
    log = _table(data, "logging")
    settings = Settings(
        telegram=telegram,
        database=database,
        scheduler=scheduler,
        delivery=delivery,
        checkin=checkin,
        escalation=escalation,
        invites=invites,
        retention=RetentionSettings(
            message_text=_table(data, "retention").duration("message_text", timedelta(days=365))
        ),
        signals=signals,
        http=http,
        organisation_name=org.str_("name", "tsunagari"),
        default_language=org.str_("default_language", "ja", choices=("ja", "en")),
        log_level=log.str_("level", "INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    )
    for section in (tg, db, sch, dl, ci, es, inv, sg, ht, org, log):
        if extra := section.unknown():
            raise ConfigError(extra[0], "a documented key (see config.example.toml)")
    return settings


def load_settings(path: Path | None, env: Mapping[str, str]) -> Settings:
    """Read the TOML file (if any) and apply the environment's secrets.

    A missing file is fine when the environment supplies the token: operators running
    in containers often configure only through the two secret variables.
    """
    data: dict[str, Any] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            if not env.get("TSUNAGARI_TELEGRAM_TOKEN"):
                raise ConfigError(
                    "--config", f"an existing TOML file (not found: {path})"
                ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("--config", f"valid TOML ({exc})") from None
    return settings_from_mapping(data, env)
