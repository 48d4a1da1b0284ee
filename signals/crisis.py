"""Crisis lines shown with a critical reply, loaded from a validated TOML file."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from signals.rules import SignalsConfigError

__all__ = ["CrisisLine", "load_crisis_lines", "parse_crisis_lines"]


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

    @property
    def tel_uri(self) -> str:
        return "tel:" + self.tel.replace("#", "%23")


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
_ALL_KEYS = frozenset({"key", "tel", "last_verified", "emergency", *_TEXT_KEYS})
_KEY_RE = re.compile(r"^[a-z0-9_]+$")
_TEL_RE = re.compile(r"^\+?[0-9#]{2,20}$")


def _parse_line(raw: Mapping[str, Any], index: int, source: str) -> CrisisLine:
    where = f"{source}: line #{index + 1}"
    if isinstance(raw.get("key"), str):
        where += f" (key {raw['key']!r})"

    def fail(key: str, expected: str) -> SignalsConfigError:
        got = raw.get(key, "<missing>")
        return SignalsConfigError(f"{where}: key {key!r}: expected {expected}, got {got!r}")

    unknown = sorted(set(raw) - _ALL_KEYS)
    if unknown:
        raise SignalsConfigError(
            f"{where}: unknown key {unknown[0]!r}; expected only {', '.join(sorted(_ALL_KEYS))}"
        )
    key = raw.get("key")
    if not isinstance(key, str) or not _KEY_RE.match(key):
        raise fail("key", "a lower-case id such as 'yorisoi' (a-z, 0-9, _)")
    texts: dict[str, str] = {}
    for name in _TEXT_KEYS:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise fail(name, "a non-empty string")
        texts[name] = value.strip()
    tel = raw.get("tel")
    if not isinstance(tel, str) or not _TEL_RE.match(tel):
        raise fail("tel", "digits, '#' or a leading '+' for a tel: link, e.g. '0120279338'")
    digits_shown = re.sub(r"[^0-9#+]", "", texts["number"])
    if digits_shown != tel:
        raise fail("tel", f"the digits of number {texts['number']!r} ({digits_shown!r})")
    verified = raw.get("last_verified")
    if isinstance(verified, str):
        try:
            verified = dt.date.fromisoformat(verified)
        except ValueError:
            raise fail("last_verified", "a date such as 2026-11-23") from None
    if isinstance(verified, dt.datetime) or not isinstance(verified, dt.date):
        raise fail("last_verified", "a date such as 2026-11-23")
    emergency = raw.get("emergency")
    if not isinstance(emergency, bool):
        raise fail("emergency", "true or false")
    return CrisisLine(
        key=key,
        tel=tel,
        last_verified=verified,
        emergency=emergency,
        **texts,
    )


def parse_crisis_lines(data: Mapping[str, Any], source: str) -> list[CrisisLine]:
    unknown = sorted(set(data) - {"line"})
    if unknown:
        raise SignalsConfigError(
            f"{source}: unknown top-level key {unknown[0]!r}; expected [[line]] tables only"
        )
    raw_lines = data.get("line")
    if not isinstance(raw_lines, list) or not raw_lines:
        raise SignalsConfigError(f"{source}: key 'line': expected one or more [[line]] tables")
    lines: list[CrisisLine] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_lines):
        if not isinstance(raw, dict):
            raise SignalsConfigError(f"{source}: line #{index + 1}: expected a [[line]] table")
        line = _parse_line(raw, index, source)
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
