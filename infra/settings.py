"""One typed settings object, built from an injected mapping.

`load_settings` is the only function in the project that looks at the environment, and
only for the secrets PRODUCT.md names. Everything else receives a `Settings`.

Each setting is one line: a dataclass field declared with `setting(default, parser)`. The
loader (`parse_tables`) walks the fields, a field typed as a dataclass being a TOML table,
so the accepted keys, the unknown-key errors and the defaults all follow from that line.
Checks that read two keys or more are listed in `_CHECKS`. Every error names the dotted
key and the expected form, and every bad key of a file is reported at once (one
`ConfigErrors`, one line per key): an operator fixes the file in one pass.

A table-driven loader rather than pydantic-settings: those messages are the operator's
interface, so pydantic would still need a validator per kind of value and a translation
of its error list, while what it adds (.env and secrets sources, JSON schema) goes unused
by one TOML file and three environment variables. No new dependency, no added start-up
time or memory in a process that must stay under 250 MiB with a million people.
"""

# RUF009 guards against a mutable default shared by every instance; `setting()` returns a
# dataclasses.Field (as `field()` does, which the rule knows), so it does not apply here.
# ruff: noqa: RUF009

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import Field, dataclass, field, fields, is_dataclass
from datetime import date, time, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain import schedule
from domain.calendar import Closure, YearlyClosure, format_closure, parse_closure
from domain.durations import format_duration, parse_duration
from domain.errors import ConfigError

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_DATABASE_URL",
    "Check",
    "CheckinSettings",
    "ConfigErrors",
    "DatabaseSettings",
    "DeliverySettings",
    "EscalationSettings",
    "HolidayCalendar",
    "HttpSettings",
    "InviteSettings",
    "Parser",
    "RetentionSettings",
    "SchedulerSettings",
    "Settings",
    "SignalsSettings",
    "TelegramSettings",
    "Template",
    "TiesSettings",
    "Transport",
    "WebSettings",
    "load_settings",
    "parse_days_spec",
    "parse_range",
    "parse_tables",
    "parse_times",
    "parse_timezone",
    "setting",
    "setting_keys",
    "settings_from_mapping",
]

T = TypeVar("T")
R = TypeVar("R")
# Reads one value: the dotted key (for the error) and what the file holds.
Parser = Callable[[str, object], T]
# The keys a check reads, and a function of their parsed values returning the errors.
Check = tuple[tuple[str, ...], Callable[..., list[ConfigError]]]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///tsunagari.db"

_MONDAY = date(2024, 1, 1)
_TOKEN_FORM = (
    "a bot token from BotFather, like '123456:ABC-DEF' "
    "(or the environment variable TSUNAGARI_TELEGRAM_TOKEN)"
)
_PARSE, _KEY, _ENV = "tsunagari.parse", "tsunagari.key", "tsunagari.env"


class ConfigErrors(ConfigError):
    """Every bad key of one configuration, one "config key ..." line each.

    A `ConfigError`, so callers catching that keep working; `key` and `expected` are the
    first problem's, `errors` holds them all.
    """

    def __init__(self, errors: Iterable[ConfigError]) -> None:
        self.errors = tuple(e for error in errors for e in _each(error))
        self.key, self.expected = self.errors[0].key, self.errors[0].expected
        Exception.__init__(self, "\n".join(str(e) for e in self.errors))


def _each(error: ConfigError) -> tuple[ConfigError, ...]:
    return error.errors if isinstance(error, ConfigErrors) else (error,)


def setting(default: T, parse: Parser[T], *, key: str = "", env: str = "") -> T:
    """Declare a setting: its default and its parser, in one dataclass field.

    `key` is the dotted key when it is not `<table>.<field>` (fields of `Settings` itself);
    `env` names an environment variable that, when set, wins over the file (secrets only).
    """
    return field(default=default, metadata={_PARSE: parse, _KEY: key, _ENV: env})


# --- parsers: each checks the type and the form, and names the form on error ----------


def _form(
    expected: str,
    ok: Callable[[Any], object],
    make: Callable[[Any], T],
    shown: Callable[[Any], object] = lambda value: value,
) -> Parser[T]:
    """A parser from a test and a conversion; `shown` is what the error echoes."""

    def parse(key: str, value: object) -> T:
        if not ok(value):
            raise ConfigError(key, expected, shown(value))
        return make(value)

    return parse


def _hidden(value: object) -> None:
    return None


def _text(
    pattern: str = r"(?s).*", expected: str = "a string", *, echo: bool = True
) -> Parser[str]:
    def ok(value: object) -> bool:
        return isinstance(value, str) and re.fullmatch(pattern, value) is not None

    return _form(expected, ok, str, *(() if echo else (_hidden,)))


def _one_of(*choices: str) -> Parser[str]:
    return _form("one of " + ", ".join(map(repr, choices)), lambda v: v in choices, str)


def _integer(minimum: int) -> Parser[int]:
    return _form(f"an integer >= {minimum}", lambda v: type(v) is int and v >= minimum, int)


_boolean = _form("true or false", lambda v: isinstance(v, bool), bool)
_positive_number = _form("a number > 0", lambda v: type(v) in (int, float) and v > 0, float)
_strings: Parser[tuple[str, ...]] = _form(
    "a list of strings",
    lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
    tuple,
)
_path = _form("a file path string", lambda v: isinstance(v, str), lambda v: Path(v) if v else None)
_database_url = _form(
    "'sqlite+aiosqlite:///FILE' or 'postgresql+asyncpg://USER@HOST/DB' "
    "(or the environment variable TSUNAGARI_DATABASE_URL)",
    lambda v: isinstance(v, str) and v.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")),
    str,
    # Only the scheme is echoed: the rest of a database URL may carry a password.
    lambda v: str(v).split("://")[0] + "://...",
)


def _domain_parse(key: str, value: object, expected: str, parse: Callable[[str], T]) -> T:
    if not isinstance(value, str):
        raise ConfigError(key, expected, value)
    try:
        return parse(value)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(key, expected, value) from None


def _duration(*, zero: bool = False) -> Parser[timedelta]:
    def parse(key: str, value: object) -> timedelta:
        parsed = _domain_parse(
            key, value, "a duration such as '90s', '10m', '6h' or '2d'", parse_duration
        )
        if parsed <= timedelta(0) and not zero:
            raise ConfigError(key, "a positive duration", value)
        return parsed

    return parse


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


def _quiet_hours(key: str, value: object) -> tuple[time, time] | None:
    expected = "HH:MM-HH:MM such as '22:00-07:00', or 'none'"
    return _domain_parse(key, value, expected, schedule.parse_quiet_hours)


def parse_days_spec(key: str, value: object) -> str:
    """Validate a days rule and return its canonical spelling."""
    expected = "'daily', 'weekdays', 'mon,wed,fri' or 'every N days'"
    return schedule.format_days(_domain_parse(key, value, expected, schedule.parse_days))


def _weekdays(key: str, value: object) -> tuple[int, ...]:
    rule = schedule.parse_days(parse_days_spec(key, value))
    if rule.kind is schedule.DayKind.EVERY_N:
        # Working days repeat weekly; "every 3 days" would drift across weekends.
        raise ConfigError(key, "'daily', 'weekdays' or 'mon,tue,...'", value)
    return tuple(d for d in range(7) if rule.allows(_MONDAY + timedelta(days=d)))


def parse_timezone(key: str, value: object) -> str:
    expected = "an IANA time zone name such as 'Asia/Tokyo'"
    return _domain_parse(key, value, expected, lambda name: ZoneInfo(name).key)


def _templates(key: str, value: object) -> tuple[Template, ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(key, "tables like [checkin.templates.daily_morning]", value)
    found: list[Template] = []
    errors: list[ConfigError] = []
    for name, spec in value.items():
        at = f"{key}.{name}"
        if not isinstance(spec, Mapping) or "times" not in spec:
            errors.append(ConfigError(at, "a table with 'times' and optionally 'days'", spec))
            continue
        try:
            found.append(_build(Template, {at: spec}, {}, prefix=at, fixed={"name": name}))
        except ConfigError as exc:
            errors.append(exc)
    if errors:
        raise ConfigErrors(errors)
    return tuple(found)


_CLOSED_DAYS_FORM = (
    'a list of closed days such as ["12-29..01-03", "08-13..08-16", "2027-05-06"] '
    "(MM-DD every year, YYYY-MM-DD once, A..B a span including both)"
)


def _closed_days(key: str, value: object) -> tuple[Closure, ...]:
    if not isinstance(value, list):
        raise ConfigError(key, _CLOSED_DAYS_FORM, value)
    found: list[Closure] = []
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(key, _CLOSED_DAYS_FORM, item)
        try:
            found.append(parse_closure(item))
        except ValueError:
            raise ConfigError(key, _CLOSED_DAYS_FORM, item) from None
    return tuple(found)


# --- the settings: one line per key of config.example.toml ----------------------------


class HolidayCalendar(StrEnum):
    """Whose national holidays close the working days (infra/holidays.py)."""

    JAPAN = "jp"
    NONE = "none"


class Transport(StrEnum):
    """The HTTP client under python-telegram-bot (see infra/transport.py)."""

    AIOHTTP = "aiohttp"
    HTTPX = "httpx"


_DURATION = _duration()
# Typed apart: mypy would infer the setting's type from the tuple alone, without None.
_QUIET_HOURS: tuple[time, time] | None = (time(22, 0), time(7, 0))
_ADDRESS = _text(r"|(?:[^:\s]+|\[[0-9a-fA-F:]+\]):\d{1,5}", "HOST:PORT, such as '127.0.0.1:9464'")


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    # Commands that never talk to Telegram (staff, people, signals...) run without a token;
    # the ones that do call `Settings.require_token`. Never echoed: it is a secret.
    token: str = setting(
        "", _text(r"|\d+:[A-Za-z0-9_-]+", _TOKEN_FORM, echo=False), env="TSUNAGARI_TELEGRAM_TOKEN"
    )
    base_url: str = setting(
        DEFAULT_BASE_URL, _text(r"https?://\S+", "an http(s) URL ending in /bot")
    )
    transport: Transport = setting(
        Transport.AIOHTTP,
        _form("one of 'aiohttp', 'httpx'", lambda v: v in tuple(Transport), Transport),
    )
    # An http(s) proxy for every Bot API request; empty: connect directly. Never echoed:
    # a proxy URL may carry a password.
    proxy: str = setting(
        "",
        _text(
            r"|https?://[^\s/]+/?",
            "an http:// or https:// proxy URL without a path, such as "
            "'http://proxy.internal:3128' (or empty for none)",
            echo=False,
        ),
    )
    mode: str = setting("polling", _one_of("polling", "webhook"))
    poll_timeout: int = setting(30, _integer(0))
    webhook_url: str = setting("", _text())
    webhook_secret: str = setting("", _text(echo=False), env="TSUNAGARI_WEBHOOK_SECRET")
    webhook_listen: str = setting("0.0.0.0:8443", _ADDRESS)
    webhook_path: str = setting("/telegram/webhook", _text(r"/\S*", "a path starting with '/'"))
    # An update whose handling fails this many times is set aside so later ones flow.
    max_update_attempts: int = setting(3, _integer(1))


@dataclass(frozen=True, slots=True)
class DatabaseSettings:
    url: str = setting(DEFAULT_DATABASE_URL, _database_url, env="TSUNAGARI_DATABASE_URL")
    echo: bool = setting(False, _boolean)


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    tick: timedelta = setting(timedelta(seconds=5), _DURATION)


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    rate_per_second: float = setting(25.0, _positive_number)
    per_chat_interval: timedelta = setting(timedelta(seconds=1), _DURATION)
    max_attempts: int = setting(8, _integer(1))
    batch_size: int = setting(500, _integer(1))
    concurrency: int = setting(8, _integer(1))
    # A stable name for this process: a restart under the same name takes back the rows
    # it had leased at once instead of waiting for the lease to expire. Empty: a fresh
    # name at every start. Two processes must never share a name.
    instance: str = setting(
        "", _text(r"[A-Za-z0-9_.-]{0,64}", "1-64 characters of A-Z, a-z, 0-9, _ . or -")
    )


@dataclass(frozen=True, slots=True)
class Template:
    """A named schedule shape a coordinator can apply ("daily morning", "weekly")."""

    name: str
    times: tuple[time, ...] = setting((), parse_times)
    days: str = setting("daily", parse_days_spec)


@dataclass(frozen=True, slots=True)
class CheckinSettings:
    times: tuple[time, ...] = setting((time(10, 0),), parse_times)
    days: str = setting("daily", parse_days_spec)
    timezone: str = setting("Asia/Tokyo", parse_timezone)
    quiet_hours: tuple[time, time] | None = setting(_QUIET_HOURS, _quiet_hours)
    nudge_after: timedelta = setting(timedelta(hours=6), _DURATION)
    escalate_after: timedelta = setting(timedelta(days=2), _DURATION)
    # "0s" switches the offset off (tests, and organisations that want exact times).
    jitter: timedelta = setting(timedelta(minutes=10), _duration(zero=True))
    stale_after: timedelta = setting(timedelta(hours=3), _DURATION)
    own_time_window: tuple[time, time] = setting((time(7, 0), time(21, 0)), parse_range)
    templates: tuple[Template, ...] = setting((), _templates)
    # The person's own rhythm (domain/rhythm.py): after this many answered check-ins their
    # usual reply delay sets the nudge and the silence escalation (0: never).
    rhythm_replies: int = setting(5, _integer(0))
    # Denser contact is reviewed (domain/focus.py): a tightened cadence this long after
    # the tightening, the worker asked whether to go on or go back to the base schedule.
    review_after: timedelta = setting(timedelta(days=14), _DURATION)
    rhythm_escalate_min: timedelta = setting(timedelta(hours=12), _DURATION)
    rhythm_escalate_max: timedelta = setting(timedelta(days=3), _DURATION)


@dataclass(frozen=True, slots=True)
class EscalationSettings:
    ack_p1: timedelta = setting(timedelta(minutes=15), _DURATION)
    ack_p2: timedelta = setting(timedelta(hours=4), _DURATION)
    ack_p3: timedelta = setting(timedelta(days=1), _DURATION)
    working_hours: tuple[time, time] = setting((time(9, 0), time(18, 0)), parse_range)
    working_days: tuple[int, ...] = setting((0, 1, 2, 3, 4), _weekdays)
    timezone: str = setting("Asia/Tokyo", parse_timezone)
    # Japan's national holidays (祝日, 振替休日, 国民の休日) are not working days; "none"
    # keeps only working_days and closed_days.
    national_holidays: HolidayCalendar = setting(
        HolidayCalendar.JAPAN,
        _form("one of 'jp', 'none'", lambda v: v in tuple(HolidayCalendar), HolidayCalendar),
    )
    # The organisation's own closed days (year-end, Obon, a founding day).
    closed_days: tuple[Closure, ...] = setting((), _closed_days)


@dataclass(frozen=True, slots=True)
class InviteSettings:
    expire_after: timedelta = setting(timedelta(days=7), _DURATION)


@dataclass(frozen=True, slots=True)
class RetentionSettings:
    """How long what people wrote is kept as text; after that only counts remain."""

    message_text: timedelta = setting(timedelta(days=365), _DURATION)


@dataclass(frozen=True, slots=True)
class TiesSettings:
    """How often the bot gently asks about each active tie to a community resource."""

    check_every: timedelta = setting(timedelta(days=30), _DURATION)


@dataclass(frozen=True, slots=True)
class SignalsSettings:
    extra_rules: Path | None = setting(None, _path)
    disabled_rules: tuple[str, ...] = setting((), _strings)
    crisis_lines: Path | None = setting(None, _path)


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """The small operational listener (/healthz, /metrics); empty `listen` disables it."""

    listen: str = setting("", _ADDRESS)


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The web view for staff (bot/web.py, web/); off while `listen` or `public_url` is empty."""

    listen: str = setting("", _ADDRESS)
    # The address people open: sign-in links are `{public_url}/login/<token>`.
    public_url: str = setting(
        "", _text(r"|https?://[^\s/]+(?:/[^\s]*[^\s/])?", "an http(s) URL without a trailing /")
    )
    session_expire_after: timedelta = setting(timedelta(hours=12), _DURATION)
    # The oldest Mini App `initData` (its auth_date) accepted for signing in.
    init_data_max_age: timedelta = setting(timedelta(hours=1), _DURATION)

    @property
    def enabled(self) -> bool:
        return bool(self.listen and self.public_url)

    @property
    def secure(self) -> bool:
        """Cookies are marked Secure when people reach the view over https."""
        return self.public_url.startswith("https://")


@dataclass(frozen=True, slots=True)
class Settings:
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    checkin: CheckinSettings = field(default_factory=CheckinSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    invites: InviteSettings = field(default_factory=InviteSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    ties: TiesSettings = field(default_factory=TiesSettings)
    signals: SignalsSettings = field(default_factory=SignalsSettings)
    http: HttpSettings = field(default_factory=HttpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    organisation_name: str = setting("tsunagari", _text(), key="organisation.name")
    default_language: str = setting("ja", _one_of("ja", "en"), key="organisation.default_language")
    log_level: str = setting(
        "INFO", _one_of("DEBUG", "INFO", "WARNING", "ERROR"), key="logging.level"
    )

    def require_token(self) -> str:
        if not self.telegram.token:
            raise ConfigError("telegram.token", _TOKEN_FORM)
        return self.telegram.token

    def ack_deadline(self, priority: str) -> timedelta:
        return {
            "P1": self.escalation.ack_p1,
            "P2": self.escalation.ack_p2,
            "P3": self.escalation.ack_p3,
        }[priority]


# --- checks that read more than one key ------------------------------------------------


def _webhook(mode: str, url: str, secret: str) -> list[ConfigError]:
    errors = []
    if mode == "webhook" and not url.startswith(("https://", "http://")):
        errors.append(
            ConfigError("telegram.webhook_url", "the public https:// URL Telegram posts to")
        )
    if mode == "webhook" and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
        errors.append(
            ConfigError(
                "telegram.webhook_secret",
                "16-256 characters of A-Z, a-z, 0-9, _ or - "
                "(or the environment variable TSUNAGARI_WEBHOOK_SECRET)",
            )
        )
    return errors


def _escalate_after_nudge(nudge: timedelta, escalate: timedelta) -> list[ConfigError]:
    if escalate > nudge:
        return []
    longer = "a duration longer than checkin.nudge_after"
    return [ConfigError("checkin.escalate_after", longer, format_duration(escalate))]


def _rhythm_bounds(low: timedelta, high: timedelta) -> list[ConfigError]:
    if high >= low:
        return []
    at_least = "a duration at least checkin.rhythm_escalate_min"
    return [ConfigError("checkin.rhythm_escalate_max", at_least, format_duration(high))]

def _some_working_day(
    weekdays: tuple[int, ...], closures: tuple[Closure, ...]
) -> list[ConfigError]:
    """Yearly closures must leave a working day in the year (dated ones end)."""
    yearly = [c for c in closures if isinstance(c, YearlyClosure)]
    for offset in range(366):
        day = _MONDAY + timedelta(days=offset)  # 2024: a leap year, so 02-29 counts
        if day.weekday() in weekdays and not any(c.covers(day) for c in yearly):
            return []
    shown = [format_closure(c) for c in closures]
    return [ConfigError("escalation.closed_days", "closures that leave some working day", shown)]


_CHECKS: tuple[Check, ...] = (
    (("escalation.working_days", "escalation.closed_days"), _some_working_day),
    (("telegram.mode", "telegram.webhook_url", "telegram.webhook_secret"), _webhook),
    (("checkin.nudge_after", "checkin.escalate_after"), _escalate_after_nudge),
    (("checkin.rhythm_escalate_min", "checkin.rhythm_escalate_max"), _rhythm_bounds),
)


# --- the loader: walks the fields ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Slot:
    key: str  # dotted, as written: "checkin.nudge_after"; the table is all but the last part
    section: str  # the root's field holding the table's dataclass; "" for the root itself
    name: str  # the field's name in its dataclass
    default: Any
    parse: Parser[Any]
    env: str

    @property
    def table(self) -> str:
        return self.key.rpartition(".")[0]

    @property
    def leaf(self) -> str:
        return self.key.rpartition(".")[2]


@cache
def _slots(root: type, prefix: str = "") -> tuple[tuple[_Slot, ...], dict[str, type]]:
    """Every declared setting of `root` and the dataclass of each table-valued field."""
    hints = get_type_hints(root)
    slots: list[_Slot] = []
    tables: dict[str, type] = {}
    for outer in fields(root):
        hint = hints[outer.name]
        if is_dataclass(hint) and isinstance(hint, type):
            tables[outer.name] = hint
            slots += [_slot(f, outer.name, f"{outer.name}.{f.name}") for f in fields(hint)]
        elif _PARSE in outer.metadata or not prefix:
            slots.append(_slot(outer, "", f"{prefix}.{outer.name}" if prefix else ""))
    return tuple(slots), tables


def _slot(f: Field[Any], section: str, default_key: str) -> _Slot:
    key = f.metadata.get(_KEY) or default_key
    if _PARSE not in f.metadata or "." not in key:
        # A programming error, caught by any test that loads settings.
        raise TypeError(f"{f.name}: declare it with setting(default, parser)")
    meta = f.metadata
    return _Slot(key, section, f.name, f.default, meta[_PARSE], meta[_ENV])


def setting_keys(root: type = Settings) -> tuple[str, ...]:
    """Every dotted key the file may hold, in declaration order."""
    return tuple(s.key for s in _slots(root)[0])


def _table_errors(data: Mapping[str, Any], slots: Sequence[_Slot]) -> list[ConfigError]:
    """Unknown tables, tables that are not tables, and unknown keys, each named."""
    known = {s.key for s in slots}
    tables = list(dict.fromkeys(s.table for s in slots))
    documented = "one of the documented tables: " + ", ".join(tables)
    errors = [ConfigError(name, documented) for name in data if name not in tables]
    for name in tables:
        table = data.get(name, {})
        if not isinstance(table, Mapping):
            errors.append(ConfigError(name, f"a table ([{name}])", table))
            continue
        errors += [
            ConfigError(f"{name}.{k}", "a documented key (see config.example.toml)")
            for k in table
            if f"{name}.{k}" not in known
        ]
    return errors


def _values(
    slots: Iterable[_Slot], data: Mapping[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], list[ConfigError]]:
    """Each key's parsed value (its default when absent) and every parse error."""
    values: dict[str, Any] = {}
    errors: list[ConfigError] = []
    for slot in slots:
        table = data.get(slot.table)
        raw = (env.get(slot.env) if slot.env else None) or (
            table.get(slot.leaf) if isinstance(table, Mapping) else None
        )
        try:
            values[slot.key] = slot.default if raw is None else slot.parse(slot.key, raw)
        except ConfigError as exc:
            errors.append(exc)
    return values, errors


def _build(
    root: type[R],
    data: Mapping[str, Any],
    env: Mapping[str, str],
    checks: Iterable[Check] = (),
    *,
    prefix: str = "",
    fixed: Mapping[str, Any] | None = None,
) -> R:
    """`root` from its tables in `data`, or one `ConfigErrors` naming every bad key.

    A check runs only when all its keys parsed, so one typo is not reported twice. With a
    `prefix`, `root` is itself one table (a template) and `fixed` gives the fields that
    are not read from the file (its name).
    """
    slots, tables = _slots(cast(type, root), prefix)
    values, errors = _values(slots, data, env)
    errors = _table_errors(data, slots) + errors
    for keys, check in checks:
        if all(k in values for k in keys):
            errors += check(*(values[k] for k in keys))
    if errors:
        # Table by table in declaration order, so the list reads like the file.
        tables_in_order = dict.fromkeys(s.key.partition(".")[0] for s in slots)
        order = {name: i for i, name in enumerate(tables_in_order)}
        raise ConfigErrors(sorted(errors, key=lambda e: order.get(e.key.partition(".")[0], -1)))
    kwargs: dict[str, dict[str, Any]] = {"": dict(fixed or {}), **{name: {} for name in tables}}
    for slot in slots:
        kwargs[slot.section][slot.name] = values[slot.key]
    top = kwargs.pop("")
    built = {name: tables[name](**table) for name, table in kwargs.items()}
    return cast(R, cast(Callable[..., Any], root)(**top, **built))


def parse_tables(
    root: type[R], data: Mapping[str, Any], env: Mapping[str, str], checks: Iterable[Check] = ()
) -> R:
    """Build `root` (a dataclass of table dataclasses) from parsed TOML; see `_build`."""
    return _build(root, data, env, checks)


def settings_from_mapping(data: Mapping[str, Any], env: Mapping[str, str]) -> Settings:
    """Build and validate `Settings` from parsed TOML plus the secret environment variables."""
    return parse_tables(Settings, data, env, _CHECKS)


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
