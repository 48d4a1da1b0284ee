"""Bot API spec loading and precompiled request validators.

The published spec (``spec/api.json``, shipped inside the package) lists every method and type
with its fields and their types. Instead of interpreting that JSON on every request, each type
and method is compiled once into a tree of small closures; validating a request is then a walk
over plain Python callables with no dictionary lookups into the spec itself. Recursive types
(``Message`` contains ``Message``) are handled by resolving object references through a
registry at call time, so compilation never recurses.

Wire formats: python-telegram-bot sends form data in which scalars are plain strings and
complex values (``reply_markup``, ``entities``, ``scope``...) are JSON-encoded strings. Every
top-level string value therefore first goes through a per-field *coercer* that turns it into
the value the declared types call for (``"42"`` for an Integer, ``"true"`` for a Boolean, JSON
text for an object). Telegram applies the same leniency to top-level values of JSON bodies, so
the server coerces those too; nested values inside objects must be correctly typed.

Beyond types, a few limits that real Telegram enforces and that bots commonly trip over are
checked as well (message text length, ``callback_data`` bytes, callback answer length,
bot command syntax); see ``_FIELD_LIMITS`` and ``_METHOD_LIMITS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from standin.formatting import EntityParseError, visible_length

Check = Callable[[Any, str], None]
Coerce = Callable[[Any], Any]


class SpecViolation(Exception):
    """A request that real Telegram would reject (or that the spec does not allow)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class UploadedFile:
    """Marker for a multipart file part; only ``InputFile`` accepts it.

    Keeps the SHA-256 of the bytes that arrived (not the bytes), so tests can check an
    upload end to end without the stand-in holding files in memory.
    """

    __slots__ = ("content_type", "filename", "sha256", "size")

    def __init__(
        self,
        filename: str | None,
        content_type: str | None,
        size: int,
        sha256: str | None = None,
    ) -> None:
        self.filename = filename
        self.content_type = content_type
        self.size = size
        self.sha256 = sha256


_PRIMITIVES = ("Integer", "String", "Boolean", "Float")
_INT_RE = re.compile(r"-?\d{1,20}")
_DISCRIMINATOR_RE = re.compile(r"(?:must be|always) [“\"]?([a-z_0-9]+)[”\"]?")
# Exactly one of these must be present on an inline keyboard button besides the label/styling
# fields; Telegram answers "can't parse inline keyboard button" otherwise.
_BUTTON_STYLING = frozenset({"text", "icon_custom_emoji_id", "style"})


def _type_name(value: Any) -> str:
    # Never include the value itself: violations are logged and may contain user text.
    if isinstance(value, UploadedFile):
        return "file upload"
    if isinstance(value, str):
        return f"String of length {len(value)}"
    return type(value).__name__


def _check_integer(value: Any, path: str) -> None:
    if type(value) is not int:
        raise SpecViolation(f"{path} must be Integer, got {_type_name(value)}")


def _check_float(value: Any, path: str) -> None:
    if type(value) not in (int, float):
        raise SpecViolation(f"{path} must be Float, got {_type_name(value)}")


def _check_string(value: Any, path: str) -> None:
    if type(value) is not str:
        raise SpecViolation(f"{path} must be String, got {_type_name(value)}")


def _check_boolean(value: Any, path: str) -> None:
    if type(value) is not bool:
        raise SpecViolation(f"{path} must be Boolean, got {_type_name(value)}")


def _check_input_file(value: Any, path: str) -> None:
    if not isinstance(value, UploadedFile):
        raise SpecViolation(f"{path} must be a multipart file upload, got {_type_name(value)}")


def _check_free_object(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise SpecViolation(f"{path} must be an object, got {_type_name(value)}")


# ---------------------------------------------------------------------------------------------
# Extra limits real Telegram enforces.


def _limit_callback_data(value: Any, path: str) -> None:
    size = len(value.encode("utf-8"))
    if not 1 <= size <= 64:
        raise SpecViolation(f"{path} must be 1-64 bytes in UTF-8, got {size} bytes")


def _limit_command(value: Any, path: str) -> None:
    if not re.fullmatch(r"[a-z0-9_]{1,32}", value):
        raise SpecViolation(f"{path} must be 1-32 characters of a-z, 0-9 and underscores")


def _limit_command_description(value: Any, path: str) -> None:
    if not 1 <= len(value) <= 256:
        raise SpecViolation(f"{path} must be 1-256 characters, got {len(value)}")


def _limit_button_text(value: Any, path: str) -> None:
    if not value:
        raise SpecViolation(f"{path} must not be empty")


_FIELD_LIMITS: dict[tuple[str, str], Check] = {
    ("InlineKeyboardButton", "callback_data"): _limit_callback_data,
    ("InlineKeyboardButton", "text"): _limit_button_text,
    ("BotCommand", "command"): _limit_command,
    ("BotCommand", "description"): _limit_command_description,
}


def _text_limit(field: str, low: int, high: int) -> Callable[[dict[str, Any]], None]:
    def check(params: dict[str, Any]) -> None:
        value = params.get(field)
        if value is None:
            return
        try:
            length = visible_length(value, params.get("parse_mode"))
        except EntityParseError as exc:
            raise SpecViolation(f"{field}: can't parse entities: {exc}") from None
        if not low <= length <= high:
            raise SpecViolation(
                f"{field} must be {low}-{high} characters after entity parsing and "
                f"stripping, got {length}"
            )

    return check


def _answer_text_limit(params: dict[str, Any]) -> None:
    text = params.get("text")
    if text is not None and len(text) > 200:
        raise SpecViolation(f"text must be 0-200 characters, got {len(text)}")


_METHOD_LIMITS: dict[str, list[Callable[[dict[str, Any]], None]]] = {
    "sendMessage": [_text_limit("text", 1, 4096)],
    "editMessageText": [_text_limit("text", 1, 4096)],
    "answerCallbackQuery": [_answer_text_limit],
}


# ---------------------------------------------------------------------------------------------
# Compilation.


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    required: bool
    types: tuple[str, ...]
    check: Check
    coerce: Coerce


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    required: tuple[str, ...]
    limits: tuple[Callable[[dict[str, Any]], None], ...]

    def validate(self, raw: Mapping[str, Any], *, from_form: bool) -> dict[str, Any]:
        """Return the typed parameters or raise :class:`SpecViolation`.

        ``from_form`` coerces top-level strings to their declared types first (see module doc).
        """
        params: dict[str, Any] = {}
        fields = self.fields
        for key, value in raw.items():
            spec = fields.get(key)
            if spec is None:
                raise SpecViolation(f"unknown parameter '{key}' for {self.name}")
            if from_form:
                value = spec.coerce(value)
            spec.check(value, key)
            params[key] = value
        for key in self.required:
            if key not in params:
                raise SpecViolation(f"missing required parameter '{key}' for {self.name}")
        for limit in self.limits:
            limit(params)
        return params


class ApiSpec:
    """All methods and types of one Bot API version, compiled to validators."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.version: str = str(document.get("version", "unknown"))
        self._types: Mapping[str, Any] = document["types"]
        self._checks: dict[str, Check] = {}
        for name in self._types:
            self._checks[name] = self._compile_type(name)
        self.methods: dict[str, MethodSpec] = {
            name: self._compile_method(name, method) for name, method in document["methods"].items()
        }
        # Telegram treats method names case-insensitively.
        self._by_lower: dict[str, MethodSpec] = {k.lower(): v for k, v in self.methods.items()}

    def method(self, name: str) -> MethodSpec | None:
        return self._by_lower.get(name.lower())

    def check_type(self, type_expr: str, value: Any, path: str = "value") -> None:
        """Validate ``value`` against a type expression like ``Array of BotCommand``."""
        self._compile_expr(type_expr)(value, path)

    # -- compilation helpers --------------------------------------------------------------

    def _compile_method(self, name: str, method: Mapping[str, Any]) -> MethodSpec:
        fields: dict[str, FieldSpec] = {}
        for field in method.get("fields", []):
            types = tuple(field["types"])
            fields[field["name"]] = FieldSpec(
                name=field["name"],
                required=bool(field["required"]),
                types=types,
                check=self._compile_union(types, None),
                coerce=_compile_coercer(types),
            )
        required = tuple(f.name for f in fields.values() if f.required)
        return MethodSpec(name, fields, required, tuple(_METHOD_LIMITS.get(name, ())))

    def _compile_expr(self, expr: str) -> Check:
        if expr.startswith("Array of "):
            inner = self._compile_expr(expr[len("Array of ") :])

            def check_array(value: Any, path: str) -> None:
                if type(value) is not list:
                    raise SpecViolation(f"{path} must be an Array, got {_type_name(value)}")
                for index, item in enumerate(value):
                    inner(item, f"{path}[{index}]")

            return check_array
        if expr == "Integer":
            return _check_integer
        if expr == "String":
            return _check_string
        if expr == "Boolean":
            return _check_boolean
        if expr == "Float":
            return _check_float
        if expr == "InputFile":
            return _check_input_file
        if expr not in self._types:
            raise KeyError(f"spec refers to unknown type {expr!r}")
        checks = self._checks

        # Late binding through the registry keeps recursive types cheap to compile.
        def check_ref(value: Any, path: str) -> None:
            checks[expr](value, path)

        return check_ref

    def _compile_union(self, types: tuple[str, ...], limit: Check | None) -> Check:
        alternatives = [self._compile_expr(t) for t in types]
        named_objects = [
            (frozenset(f["name"] for f in self._types[t].get("fields", ())), a)
            for t, a in zip(types, alternatives, strict=True)
            if t in self._types
        ]
        array_alternatives = [
            a for t, a in zip(types, alternatives, strict=True) if t.startswith("Array of ")
        ]
        expected = " or ".join(types)

        def closest(value: Any) -> Check | None:
            # Report the error of the alternative the value was most likely meant to be, e.g.
            # the InlineKeyboardMarkup for {"inline_keyboard": ...}, instead of "none matched".
            if type(value) is dict and named_objects:
                keys = value.keys()
                return max(named_objects, key=lambda item: len(item[0] & keys))[1]
            if type(value) is list and len(array_alternatives) == 1:
                return array_alternatives[0]
            return None

        if len(alternatives) == 1:
            only = alternatives[0]
            if limit is None:
                return only

            def check_single(value: Any, path: str) -> None:
                only(value, path)
                limit(value, path)

            return check_single

        def check_union(value: Any, path: str) -> None:
            for alternative in alternatives:
                try:
                    alternative(value, path)
                except SpecViolation:
                    continue
                if limit is not None:
                    limit(value, path)
                return
            best = closest(value)
            if best is not None:
                best(value, path)
            raise SpecViolation(f"{path} must be {expected}, got {_type_name(value)}")

        return check_union

    def _compile_type(self, name: str) -> Check:
        spec = self._types[name]
        if "subtypes" in spec:
            return self._compile_subtype_union(name, spec["subtypes"])
        if "fields" not in spec:
            return _check_input_file if name == "InputFile" else _check_free_object
        fields: dict[str, Check] = {}
        for field in spec["fields"]:
            fields[field["name"]] = self._compile_union(
                tuple(field["types"]), _FIELD_LIMITS.get((name, field["name"]))
            )
        required = tuple(f["name"] for f in spec["fields"] if f["required"])
        is_button = name == "InlineKeyboardButton"

        def check_object(value: Any, path: str) -> None:
            if type(value) is not dict:
                raise SpecViolation(f"{path} must be {name}, got {_type_name(value)}")
            for key, item in value.items():
                check = fields.get(key)
                if check is None:
                    raise SpecViolation(f"{path}: unknown field '{key}' for {name}")
                check(item, f"{path}.{key}")
            for key in required:
                if key not in value:
                    raise SpecViolation(f"{path}: missing required field '{key}' of {name}")
            if is_button:
                actions = [k for k in value if k not in _BUTTON_STYLING]
                if len(actions) != 1:
                    raise SpecViolation(
                        f"{path}: an InlineKeyboardButton needs exactly one action field "
                        f"(callback_data, url, ...), got {len(actions)}"
                    )

        return check_object

    def _compile_subtype_union(self, name: str, subtypes: list[str]) -> Check:
        # Most unions are tagged by a constant field ("type", "status" or "source") whose
        # description reads 'must be chat' / 'always “kicked”'; dispatching on it gives
        # precise errors instead of "matched none of 7 alternatives".
        tag_field: str | None = None
        by_tag: dict[str, list[Check]] = {}
        tagged = True
        for subtype in subtypes:
            fields = self._types.get(subtype, {}).get("fields") or []
            match = _DISCRIMINATOR_RE.search(fields[0]["description"]) if fields else None
            if match is None or (tag_field is not None and fields[0]["name"] != tag_field):
                tagged = False
                break
            tag_field = fields[0]["name"]
            by_tag.setdefault(match.group(1), []).append(self._compile_expr(subtype))
        alternatives = [self._compile_expr(s) for s in subtypes]

        def try_all(candidates: list[Check], value: Any, path: str) -> None:
            first: SpecViolation | None = None
            for candidate in candidates:
                try:
                    candidate(value, path)
                except SpecViolation as exc:
                    first = first or exc
                    continue
                return
            if len(candidates) == 1 and first is not None:
                raise first
            raise SpecViolation(f"{path} matches none of the {name} variants")

        if tagged and tag_field is not None:
            field_name = tag_field

            def check_tagged(value: Any, path: str) -> None:
                if type(value) is not dict:
                    raise SpecViolation(f"{path} must be {name}, got {_type_name(value)}")
                tag = value.get(field_name)
                candidates = by_tag.get(tag) if isinstance(tag, str) else None
                if candidates is None:
                    raise SpecViolation(
                        f"{path}.{field_name} must name a {name} variant "
                        f"({', '.join(sorted(by_tag))})"
                    )
                try_all(candidates, value, path)

            return check_tagged

        def check_untagged(value: Any, path: str) -> None:
            try_all(alternatives, value, path)

        return check_untagged


def _compile_coercer(types: tuple[str, ...]) -> Coerce:
    """Turn a form-data string into the value one of ``types`` calls for."""
    wants_int = "Integer" in types
    wants_float = "Float" in types
    wants_bool = "Boolean" in types
    wants_json = any(t not in _PRIMITIVES and t != "InputFile" for t in types)

    def coerce(value: Any) -> Any:
        if type(value) is not str:
            return value
        if wants_int and _INT_RE.fullmatch(value):
            return int(value)
        if wants_float:
            try:
                return float(value)
            except ValueError:
                pass
        if wants_bool:
            lowered = value.lower()
            if lowered == "true":
                return True
            if lowered == "false":
                return False
        if wants_json and value[:1] in ("{", "["):
            try:
                return json.loads(value)
            except ValueError:
                pass
        # Left as a string: either String is allowed or the type check reports the mismatch.
        return value

    return coerce


@cache
def load_spec() -> ApiSpec:
    """Load and compile the spec that ships with the package (once per process)."""
    try:
        text = resources.files("standin").joinpath("spec/api.json").read_text(encoding="utf-8")
    except (NotADirectoryError, FileNotFoundError):
        # A stale editable install can register the package as a namespace package, which
        # importlib.resources cannot read from; the file sits next to this module either way.
        text = (Path(__file__).parent / "spec" / "api.json").read_text(encoding="utf-8")
    return ApiSpec(json.loads(text))
