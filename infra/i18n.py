"""Text catalogs: every user-facing string, in Japanese (first) and English.

Keys are dotted paths into `locales/<lang>.toml`. A test keeps the two catalogs in step:
same keys, same placeholders. Unknown languages fall back to the organisation's default.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

LANGUAGES = ("ja", "en")


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str | list[str]]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            _flatten(path, value, out)
        elif isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            out[path] = value
        else:
            raise ValueError(f"catalog entry {path} must be a string or a list of strings")


@cache
def load_catalog(language: str) -> dict[str, str | list[str]]:
    raw = resources.files("infra.locales").joinpath(f"{language}.toml").read_text("utf-8")
    out: dict[str, str | list[str]] = {}
    _flatten("", tomllib.loads(raw), out)
    return out


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def normalise_language(code: str | None, default: str = "ja") -> str:
    """Map Telegram's `language_code` (e.g. "en-US", "ja") to a catalog we have."""
    if code:
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default if default in LANGUAGES else "ja"


class Catalog:
    def __init__(self, default_language: str = "ja") -> None:
        self.default_language = normalise_language(default_language)

    def _entry(self, language: str, key: str) -> str | list[str]:
        catalog = load_catalog(normalise_language(language, self.default_language))
        try:
            return catalog[key]
        except KeyError:
            raise KeyError(f"missing catalog key {key!r}") from None

    def text(self, language: str, key: str, /, **params: object) -> str:
        entry = self._entry(language, key)
        if isinstance(entry, list):
            raise TypeError(f"catalog key {key!r} is a list of variants; use variant()")
        return entry.format(**params) if params else entry

    def variants(self, language: str, key: str) -> list[str]:
        entry = self._entry(language, key)
        return list(entry) if isinstance(entry, list) else [entry]

    def variant(self, language: str, key: str, pick: int, /, **params: object) -> str:
        """One of several phrasings, chosen by a caller-supplied number (deterministic)."""
        options = self.variants(language, key)
        return options[pick % len(options)].format(**params)
