"""Crisis lines shown with a critical reply, loaded from a validated TOML file.

Each line carries its hours as data (`signals.crisis_hours`), who it is for (`audience`),
the languages it answers in (with their own hours when they differ), its source and the
date it was last checked. `signals.crisis_choice` picks what a reply shows.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from signals.crisis_hours import HoursError, Schedule, parse_schedule
from signals.rules import SignalsConfigError

__all__ = [
    "DEFAULT_TIMEZONE",
    "Channel",
    "CrisisLine",
    "LanguageGroup",
    "Situation",
    "load_crisis_lines",
    "parse_crisis_lines",
]

# The hours in the packaged file are Japan time; an organisation's file may name another zone.
DEFAULT_TIMEZONE = "Asia/Tokyo"


class Situation(StrEnum):
    """Who a line is for, and the situations a crisis reply picks lines by."""

    GENERAL = "general"
    VIOLENCE = "violence"
    CHILD = "child"
    SEXUAL_VIOLENCE = "sexual_violence"
    YOUTH = "youth"


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class LanguageGroup:
    """Languages a line answers in; `schedule` None means the line's own hours."""

    codes: frozenset[str]
    channel: Channel = Channel.PHONE
    schedule: Schedule | None = None
    hours_ja: str = ""
    hours_en: str = ""

    def hours(self, language: str) -> str:
        return self.hours_ja if language == "ja" else self.hours_en


JAPANESE_BY_PHONE = (LanguageGroup(frozenset({"ja"})),)


@dataclass(frozen=True, slots=True)
class CrisisLine:
    key: str
    name_ja: str
    name_en: str
    number: str  # as dialled and shown
    tel: str  # digits, "#" or "+", for a tel: link
    hours_ja: str
    hours_en: str
    purpose_ja: str
    purpose_en: str
    source: str
    last_verified: dt.date
    emergency: bool
    schedule: Schedule = field(default_factory=lambda: Schedule(open=(), varies=True))
    audience: frozenset[Situation] = frozenset({Situation.GENERAL})
    languages: tuple[LanguageGroup, ...] = JAPANESE_BY_PHONE
    url: str = ""
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))

    @property
    def tel_uri(self) -> str:
        return "tel:" + self.tel.replace("#", "%23")

    def name(self, language: str) -> str:
        return self.name_ja if language == "ja" else self.name_en

    def hours(self, language: str) -> str:
        return self.hours_ja if language == "ja" else self.hours_en

    def purpose(self, language: str) -> str:
        return self.purpose_ja if language == "ja" else self.purpose_en

    def local(self, now: dt.datetime) -> dt.datetime:
        """`now` as wall-clock time where the line is (naive), which its hours are written in."""
        return now.astimezone(self.zone).replace(tzinfo=None)

    def is_open(self, now: dt.datetime) -> bool:
        return self.schedule.is_open(self.local(now))

    def closes_at(self, now: dt.datetime) -> dt.datetime | None:
        """When the current opening ends (aware); None when closed or open round the clock."""
        end = self.schedule.closes_at(self.local(now))
        return None if end is None else end.replace(tzinfo=self.zone)

    @property
    def always_open(self) -> bool:
        return self.schedule.always_open

    @property
    def hours_vary(self) -> bool:
        return self.schedule.varies

    def group_for(self, language: str) -> LanguageGroup | None:
        for group in self.languages:
            if language in group.codes:
                return group
        return None

    def answers_in(self, language: str, now: dt.datetime) -> bool:
        """Someone answers in `language` now (by any channel), as far as the data says."""
        group = self.group_for(language)
        if group is None:
            return False
        schedule = group.schedule or self.schedule
        return schedule.is_open(self.local(now))


_TEXT_KEYS = (
    "name_ja",
    "name_en",
    "number",
    "hours_ja",
    "hours_en",
    "purpose_ja",
    "purpose_en",
    "source",
)
_OPTIONAL_KEYS = frozenset({"closed", "languages", "url"})
_ALL_KEYS = frozenset(
    {"key", "tel", "last_verified", "emergency", "open", "audience", *_TEXT_KEYS, *_OPTIONAL_KEYS}
)
_GROUP_KEYS = frozenset({"codes", "via", "open", "closed", "hours_ja", "hours_en"})
_KEY_RE = re.compile(r"^[a-z0-9_]+$")
_TEL_RE = re.compile(r"^\+?[0-9#]{2,20}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
_URL_RE = re.compile(r"^https?://\S+$")


class _Where:
    """Names the place of an error: the file, the line and the key."""

    def __init__(self, raw: Mapping[str, Any], index: int, source: str) -> None:
        self.raw = raw
        self.where = f"{source}: line #{index + 1}"
        if isinstance(raw.get("key"), str):
            self.where += f" (key {raw['key']!r})"

    def fail(self, key: str, expected: str, got: object = None) -> SignalsConfigError:
        if got is None:
            got = self.raw.get(key, "<missing>")
        return SignalsConfigError(f"{self.where}: key {key!r}: expected {expected}, got {got!r}")


def _schedule(at: _Where, raw: Mapping[str, Any], prefix: str) -> Schedule:
    """The hours of a line (prefix "") or of a language group; errors name the exact key."""
    open_ = raw.get("open", "<missing>")
    try:
        schedule = parse_schedule(open_)
    except HoursError as exc:
        raise SignalsConfigError(f"{at.where}: key {prefix + 'open'!r}: expected {exc}") from None
    if raw.get("closed") is None:
        return schedule
    try:
        return parse_schedule(open_, raw["closed"])
    except HoursError as exc:
        raise SignalsConfigError(f"{at.where}: key {prefix + 'closed'!r}: expected {exc}") from None


def _audience(at: _Where) -> frozenset[Situation]:
    raw = at.raw.get("audience")
    allowed = ", ".join(s.value for s in Situation)
    if not isinstance(raw, list) or not raw:
        raise at.fail("audience", f"a non-empty list of: {allowed}")
    try:
        return frozenset(Situation(value) for value in raw)
    except ValueError:
        raise at.fail("audience", f"values from: {allowed}") from None


def _language_group(at: _Where, raw: object, n: int) -> LanguageGroup:
    key = f"languages[{n}]"
    if not isinstance(raw, dict):
        raise at.fail(key, "a [[line.languages]] table", raw)
    unknown = sorted(set(raw) - _GROUP_KEYS)
    if unknown:
        raise SignalsConfigError(
            f"{at.where}: unknown key '{key}.{unknown[0]}'; expected only "
            f"{', '.join(sorted(_GROUP_KEYS))}"
        )
    codes = raw.get("codes")
    if (
        not isinstance(codes, list)
        or not codes
        or not all(isinstance(c, str) and _LANGUAGE_RE.match(c) for c in codes)
    ):
        raise at.fail(f"{key}.codes", 'a list of language codes such as ["en", "zh"]', codes)
    via = raw.get("via", Channel.PHONE.value)
    if via not in {c.value for c in Channel}:
        raise at.fail(f"{key}.via", "phone, chat or email", via)
    schedule = _schedule(at, raw, f"{key}.") if "open" in raw else None
    if "closed" in raw and schedule is None:
        raise at.fail(f"{key}.open", "windows for 'closed' to apply to", "<missing>")
    texts = {name: raw.get(name, "") for name in ("hours_ja", "hours_en")}
    differs = schedule is not None or via != Channel.PHONE.value
    for name, value in texts.items():
        if not isinstance(value, str) or (differs and not value.strip()):
            expected = "the hours in words when they differ from the line's"
            raise at.fail(f"{key}.{name}", expected, value)
    return LanguageGroup(
        codes=frozenset(codes),
        channel=Channel(via),
        schedule=schedule,
        hours_ja=texts["hours_ja"].strip(),
        hours_en=texts["hours_en"].strip(),
    )


def _languages(at: _Where) -> tuple[LanguageGroup, ...]:
    raw = at.raw.get("languages")
    if raw is None:
        return JAPANESE_BY_PHONE
    if not isinstance(raw, list) or not raw:
        raise at.fail("languages", "one or more [[line.languages]] tables")
    return tuple(_language_group(at, group, n) for n, group in enumerate(raw))


def _texts(at: _Where) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in _TEXT_KEYS:
        value = at.raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise at.fail(name, "a non-empty string")
        texts[name] = value.strip()
    return texts


def _verified(at: _Where) -> dt.date:
    verified = at.raw.get("last_verified")
    if isinstance(verified, str):
        try:
            verified = dt.date.fromisoformat(verified)
        except ValueError:
            raise at.fail("last_verified", "a date such as 2026-11-23") from None
    if isinstance(verified, dt.datetime) or not isinstance(verified, dt.date):
        raise at.fail("last_verified", "a date such as 2026-11-23")
    return verified


def _parse_line(raw: Mapping[str, Any], index: int, source: str, zone: ZoneInfo) -> CrisisLine:
    at = _Where(raw, index, source)
    unknown = sorted(set(raw) - _ALL_KEYS)
    if unknown:
        raise SignalsConfigError(
            f"{at.where}: unknown key {unknown[0]!r}; expected only {', '.join(sorted(_ALL_KEYS))}"
        )
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise at.fail("key", "a lower-case id such as 'yorisoi' (a-z, 0-9, _)")
    texts = _texts(at)
    tel = raw.get("tel")
    if not isinstance(tel, str) or not _TEL_RE.match(tel):
        raise at.fail("tel", "digits, '#' or a leading '+' for a tel: link, e.g. '0120279338'")
    digits_shown = re.sub(r"[^0-9#+]", "", texts["number"])
    if digits_shown != tel:
        raise at.fail("tel", f"the digits of number {texts['number']!r} ({digits_shown!r})")
    emergency = raw.get("emergency")
    if not isinstance(emergency, bool):
        raise at.fail("emergency", "true or false")
    url = raw.get("url", "")
    if not isinstance(url, str) or (url and not _URL_RE.match(url)):
        raise at.fail("url", "a web address starting with https://")
    return CrisisLine(
        key=key,
        tel=tel,
        last_verified=_verified(at),
        emergency=emergency,
        schedule=_schedule(at, raw, ""),
        audience=_audience(at),
        languages=_languages(at),
        url=url,
        zone=zone,
        **texts,
    )


def _zone(data: Mapping[str, Any], source: str) -> ZoneInfo:
    name = data.get("timezone", DEFAULT_TIMEZONE)
    try:
        if not isinstance(name, str):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise SignalsConfigError(
            f"{source}: key 'timezone': expected an IANA time zone such as 'Asia/Tokyo', "
            f"got {name!r}"
        ) from None


def parse_crisis_lines(data: Mapping[str, Any], source: str) -> list[CrisisLine]:
    unknown = sorted(set(data) - {"line", "timezone"})
    if unknown:
        raise SignalsConfigError(
            f"{source}: unknown top-level key {unknown[0]!r}; expected 'timezone' and [[line]] "
            "tables only"
        )
    zone = _zone(data, source)
    raw_lines = data.get("line")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise SignalsConfigError(f"{source}: key 'line': expected one or more [[line]] tables")
    lines: list[CrisisLine] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            raise SignalsConfigError(f"{source}: line #{index + 1}: expected a [[line]] table")
        line = _parse_line(raw, index, source, zone)
        if line.key in seen:
            raise SignalsConfigError(
                f"{source}: line #{index + 1}: key 'key': duplicate {line.key!r}; expected "
                "unique keys"
            )
        seen.add(line.key)
        lines.append(line)
    # Emergency numbers are always shown first, whatever order a file uses.
    return sorted(lines, key=lambda ln: not ln.emergency)


def load_crisis_lines(override: Path | None = None) -> list[CrisisLine]:
    """The packaged Japanese crisis lines, or an organisation's file that replaces them."""
    if override is None:
        text = resources.files("signals").joinpath("crisis_lines.toml").read_text("utf-8")
        source = "signals/crisis_lines.toml"
    else:
        source = str(override)
        try:
            text = Path(override).read_bytes().decode("utf-8")
        except OSError as exc:
            raise SignalsConfigError(f"{source}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise SignalsConfigError(f"{source}: expected UTF-8 encoded TOML") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SignalsConfigError(f"{source}: invalid TOML: {exc}") from None
    return parse_crisis_lines(data, source)
