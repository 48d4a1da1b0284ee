"""Rule model and loading of rule files (TOML).

A rule file is a list of `[[rule]]` tables. See `signals/rules.toml` for the documented format.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from signals.analysis import compile_morph
from signals.normalize import fold_pattern
from signals.prefilter import (
    Unit,
    compile_with_literals,
    required_literals,
    split_alternatives,
)

__all__ = [
    "CATEGORY_CONCEPTS",
    "CONTEXT_KINDS",
    "SIGNAL_KINDS",
    "Rule",
    "RuleKind",
    "Severity",
    "SignalsConfigError",
    "load_rule_file",
    "merge_rules",
    "parse_rules",
]


class SignalsConfigError(ValueError):
    """A rule or crisis-line file is malformed; the message names the place and expected form."""


class Severity(StrEnum):
    CRITICAL = "critical"
    CONCERN = "concern"
    NONE = "none"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.NONE: 0, Severity.CONCERN: 1, Severity.CRITICAL: 2}


class RuleKind(StrEnum):
    TRIGGER = "trigger"  # a statement that carries its own severity (消えたい, help me)
    MEANS = "means"  # a method or means (薬, 💊, rope); weighs a lot, rarely decisive alone
    PLAN = "plan"  # quantity, preparation or an act under way (全部飲んだ, bought a rope)
    TIME = "time"  # time words that raise risk when combined (今夜, tonight)
    FAREWELL = "farewell"  # leave-taking (さようなら, thank you for everything)
    BLOCK = "block"  # idiom, hyperbole or media context: overlapped hits are discarded
    DOWNGRADE = "downgrade"  # past or someone else: overlapped hits count at most as concern
    NEGATION = "negation"  # attached negation: the hit next to it is discarded


SIGNAL_KINDS = frozenset(
    {RuleKind.TRIGGER, RuleKind.MEANS, RuleKind.PLAN, RuleKind.TIME, RuleKind.FAREWELL}
)
CONTEXT_KINDS = frozenset({RuleKind.BLOCK, RuleKind.DOWNGRADE, RuleKind.NEGATION})

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){2,}$")
_DEFAULT_WEIGHT = {
    RuleKind.TRIGGER: 0,
    RuleKind.MEANS: 1,
    RuleKind.PLAN: 1,
    RuleKind.TIME: 1,
    RuleKind.FAREWELL: 1,
}
_KNOWN_KEYS = frozenset(
    {
        "id",
        "kind",
        "severity",
        "weight",
        "patterns",
        "morph",
        "cue",
        "concept",
        "description",
        "position",
        "targets",
        "scope",
    }
)

# The taxonomy concept a rule names when its table gives none, from its category (2nd id part).
CATEGORY_CONCEPTS: dict[str, str] = {
    "ideation": "ideation",
    "passive": "passive_wish",
    "burden": "burdensomeness",
    "means": "means",
    "plan": "plan",
    "time": "plan",
    "prepare": "preparation",
    "farewell": "farewell",
    "act": "act_under_way",
    "selfharm": "self_harm",
    "violence": "violence",
    "sexual": "sexual_violence",
    "child": "child_danger",
    "medical": "medical",
    "help": "cry_for_help",
    "mood": "depression",
    "sleep": "depression",
    "exhaustion": "depression",
    "depression": "depression",
    "hopeless": "hopelessness",
    "anxiety": "anxiety",
    "food": "hardship",
    "money": "hardship",
    "housing": "hardship",
    "utilities": "hardship",
    "hardship": "hardship",
    "work": "hardship",
    "debt": "hardship",
    "health": "hardship",
    "isolation": "isolation",
    "loss": "loss",
    "relapse": "relapse",
    "other": "third_person",
    "voices": "voices",
}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: RuleKind
    severity: Severity
    weight: int
    patterns: tuple[str, ...]
    description: str
    position: str  # negation only: "before" or "after" the hit it cancels
    targets: tuple[str, ...]  # context rules: categories (2nd id part) they act on; () = all
    scope: str  # block/downgrade: "match" (the matched text) or "clause" (its whole clause)
    # All patterns as one alternation; compiled on first use (only negation rules need it,
    # and compiling every rule's alternation would slow the bot's start-up).
    body: str
    # Literals of which every match contains one (None: always run the regex).
    keywords: frozenset[str] | None = None
    # Each pattern on its own with its own literals, so a scan runs only the patterns that can
    # match rather than every alternative of a rule whose one literal happens to be present.
    units: tuple[Unit, ...] = ()
    # Patterns over the morphological view (lemma/pos/form tokens), each with its literals.
    morph: tuple[str, ...] = ()
    morph_units: tuple[Unit, ...] = ()
    concept: str = ""
    # Morph rules: a regex over the normalised text without which the rule cannot match, so
    # messages without it skip the analyser (None: every message of the language is analysed).
    cue: re.Pattern[str] | None = None
    # The id's second part, and its language from the first part (ja or en; "" for both):
    # worked out once, as the decision asks for them for every hit and context.
    category: str = field(init=False, default="", compare=False)
    lang: str = field(init=False, default="", compare=False)

    def __post_init__(self) -> None:
        first, category = self.id.split(".")[:2]
        object.__setattr__(self, "category", category)
        object.__setattr__(self, "lang", first if first in ("ja", "en") else "")

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.body)

    def applies_to(self, other: Rule) -> bool:
        return not self.targets or other.category in self.targets


def _where(source: str, index: int, rule_id: str | None) -> str:
    name = f" (id {rule_id!r})" if rule_id else ""
    return f"{source}: rule #{index + 1}{name}"


def _parse_one(raw: Mapping[str, Any], index: int, source: str) -> Rule:
    rid = raw.get("id")
    where = _where(source, index, rid if isinstance(rid, str) else None)

    def fail(key: str, expected: str) -> SignalsConfigError:
        got = raw.get(key, "<missing>")
        return SignalsConfigError(f"{where}: key {key!r}: expected {expected}, got {got!r}")

    unknown = sorted(set(raw) - _KNOWN_KEYS)
    if unknown:
        raise SignalsConfigError(
            f"{where}: unknown key {unknown[0]!r}; expected only {', '.join(sorted(_KNOWN_KEYS))}"
        )
    if not isinstance(rid, str) or not _ID_RE.match(rid):
        raise fail("id", "a dotted lower-case id such as 'ja.ideation.shinitai'")
    try:
        kind = RuleKind(str(raw.get("kind")))
    except ValueError:
        raise fail("kind", "one of " + "|".join(k.value for k in RuleKind)) from None
    if not isinstance(raw.get("patterns", []), list):
        raise fail("patterns", "a list of non-empty regex strings")
    default_sev = "none" if kind in CONTEXT_KINDS else None
    sev_raw = raw.get("severity", default_sev)
    try:
        severity = Severity(sev_raw)
    except ValueError:
        raise fail("severity", "one of critical|concern|none") from None
    weight = raw.get("weight", _DEFAULT_WEIGHT.get(kind, 0))
    if isinstance(weight, bool) or not isinstance(weight, int) or not 0 <= weight <= 10:
        raise fail("weight", "an integer from 0 to 10")
    patterns, morph, morph_units, concept, cue = _patterns_and_morph(raw, rid, kind, where, fail)
    folded, units = _compile_patterns(patterns, where)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise fail("description", "a string")
    position = raw.get("position", "after" if kind is RuleKind.NEGATION else "")
    if kind is RuleKind.NEGATION and position not in ("before", "after"):
        raise fail("position", "'before' or 'after' (negation rules only)")
    if kind is not RuleKind.NEGATION and position:
        raise fail("position", "no position (it applies to negation rules only)")
    targets = raw.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets):
        raise fail("targets", "a list of rule categories such as ['ideation', 'selfharm']")
    scope = raw.get("scope", "match")
    if scope not in ("match", "clause") or (
        "scope" in raw and kind not in (RuleKind.BLOCK, RuleKind.DOWNGRADE)
    ):
        raise fail("scope", "'match' or 'clause' (block and downgrade rules only)")
    if kind is RuleKind.TRIGGER and "weight" not in raw:
        weight = 3 if severity is Severity.CRITICAL else (1 if severity is Severity.CONCERN else 0)
    body = "|".join(f"(?:{p})" for p in folded) if folded else "(?!)"
    if kind is RuleKind.NEGATION and position == "before":
        # A "before" negation must end right where the hit starts (searched up to endpos).
        body = f"(?:{body})\\s*\\Z"
    return Rule(
        id=rid,
        kind=kind,
        severity=severity,
        weight=weight,
        patterns=tuple(patterns),
        description=description,
        position=str(position),
        targets=tuple(targets),
        scope=scope,
        body=body,
        keywords=_union([unit.literals for unit in units]),
        units=tuple(units),
        morph=tuple(morph),
        morph_units=morph_units,
        concept=concept,
        cue=cue,
    )


_Fail = Callable[[str, str], SignalsConfigError]
_Units = list[Unit]


def _patterns_and_morph(
    raw: Mapping[str, Any], rid: str, kind: RuleKind, where: str, fail: _Fail
) -> tuple[list[str], list[str], tuple[Unit, ...], str, re.Pattern[str] | None]:
    """The regex and morph patterns of a rule, its concept and its cue, validated."""
    patterns = raw.get("patterns", [])
    morph = raw.get("morph", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise fail("patterns", "a list of non-empty regex strings")
    if not isinstance(morph, list) or not all(isinstance(p, str) and p.strip() for p in morph):
        raise fail("morph", "a list of non-empty morph patterns such as '死ぬ たい'")
    if not patterns and not morph:
        raise fail("patterns", "a non-empty list of regexes (or a 'morph' list)")
    if morph and kind is RuleKind.NEGATION:
        raise fail("morph", "no morph patterns on a negation rule (use 'patterns')")
    morph_units = _morph_units(morph, where)
    cue_raw = raw.get("cue")
    if cue_raw is not None and (not isinstance(cue_raw, str) or not cue_raw or not morph):
        raise fail("cue", "a regex over the normalised text (morph rules only)")
    try:
        cue = re.compile(fold_pattern(cue_raw)) if cue_raw else None
    except re.error as exc:
        raise SignalsConfigError(
            f"{where}: key 'cue': not a valid regular expression ({exc})"
        ) from None
    concept = raw.get("concept", CATEGORY_CONCEPTS.get(rid.split(".")[1], ""))
    if not isinstance(concept, str):
        raise fail("concept", "a concept id such as 'passive_wish'")
    return patterns, morph, morph_units, concept, cue


def _compile_patterns(patterns: list[str], where: str) -> tuple[list[str], _Units]:
    """Folds and compiles each regex once, with the literals the scanner indexes it by.

    Each top-level alternative becomes its own unit (see split_alternatives), compiled once;
    a pattern that cannot be split that way is compiled whole.
    """
    folded: list[str] = []
    units: _Units = []
    for p in patterns:
        fp = fold_pattern(p)
        try:
            parts = _compile_parts(fp)
        except re.error as exc:
            raise SignalsConfigError(
                f"{where}: key 'patterns': {p!r} is not a valid regular expression ({exc})"
            ) from None
        if any(unit.matcher.groupindex for unit in parts):
            raise SignalsConfigError(
                f"{where}: key 'patterns': {p!r} uses a named group; expected (?:...) groups"
            )
        if any(unit.matcher.match("") is not None for unit in parts):
            raise SignalsConfigError(
                f"{where}: key 'patterns': {p!r} matches the empty string; expected a pattern "
                "that needs at least one character"
            )
        folded.append(fp)
        units.extend(parts)
    return folded, units


def _compile_parts(pattern: str) -> _Units:
    alternatives = split_alternatives(pattern)
    if len(alternatives) > 1:
        try:
            return [compile_with_literals(alternative) for alternative in alternatives]
        except re.error:
            pass  # e.g. a back-reference across alternatives: the whole pattern decides
    return [compile_with_literals(pattern)]


def _morph_units(morph: list[str], where: str) -> tuple[Unit, ...]:
    units: list[Unit] = []
    for p in morph:
        try:
            compiled = compile_morph(p)
            units.append(Unit(re.compile(compiled), required_literals(compiled)))
        except (re.error, ValueError) as exc:
            raise SignalsConfigError(
                f"{where}: key 'morph': {p!r} is not a valid morph pattern ({exc})"
            ) from None
    return tuple(units)


@functools.cache
def _compiled(body: str) -> re.Pattern[str]:
    return re.compile(body)


def _union(literals: list[frozenset[str] | None]) -> frozenset[str] | None:
    found: set[str] = set()
    for req in literals:
        if req is None:
            return None
        found |= req
    return frozenset(found)


def parse_rules(data: Mapping[str, Any], source: str) -> list[Rule]:
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise SignalsConfigError(
            f"{source}: unknown top-level key {unknown[0]!r}; expected [[rule]] tables only"
        )
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise SignalsConfigError(f"{source}: key 'rule': expected one or more [[rule]] tables")
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            raise SignalsConfigError(f"{_where(source, index, None)}: expected a [[rule]] table")
        rule = _parse_one(raw, index, source)
        if rule.id in seen:
            raise SignalsConfigError(
                f"{_where(source, index, rule.id)}: key 'id': duplicate id; expected unique ids"
            )
        seen.add(rule.id)
        rules.append(rule)
    return rules


def load_rule_file(path: Path | str) -> list[Rule]:
    """Reads and validates one rule file; every problem becomes a SignalsConfigError."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SignalsConfigError(f"{p}: cannot read rule file ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SignalsConfigError(f"{p}: expected UTF-8 encoded TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise SignalsConfigError(f"{p}: invalid TOML: {exc}") from None
    return parse_rules(data, str(p))


def merge_rules(base: Iterable[Rule], extra: Iterable[Rule], disabled: Iterable[str]) -> list[Rule]:
    """Extra rules replace base rules with the same id or are appended; then disabled go."""
    merged: dict[str, Rule] = {r.id: r for r in base}
    for r in extra:
        merged[r.id] = r
    gone = set(disabled)
    unknown = sorted(gone - set(merged))
    if unknown:
        raise SignalsConfigError(
            f"disabled rules: unknown id {unknown[0]!r}; expected ids of loaded rules"
        )
    return [r for r in merged.values() if r.id not in gone]
