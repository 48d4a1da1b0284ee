"""The compiled spec validators and entity parsing, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from standin.formatting import EntityParseError, visible_length
from standin.validation import SpecViolation, load_spec

SPEC = load_spec()


def validate(method: str, **params: Any) -> dict[str, Any]:
    spec = SPEC.method(method)
    assert spec is not None
    return spec.validate(params, from_form=True)


def test_spec_version_and_case_insensitive_lookup() -> None:
    assert SPEC.version
    assert SPEC.method("SENDMESSAGE") is SPEC.method("sendMessage")
    assert SPEC.method("noSuchMethod") is None


def test_form_values_are_coerced_by_declared_type() -> None:
    params = validate(
        "sendMessage",
        chat_id="-1001234",
        text="42",
        disable_notification="true",
        reply_markup='{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
    )
    assert params["chat_id"] == -1001234
    assert params["text"] == "42"
    assert params["disable_notification"] is True
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    assert validate("sendMessage", chat_id="@channel", text="x")["chat_id"] == "@channel"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"chat_id": 1, "text": "x", "entities": "[1]"}, "entities[0] must be MessageEntity"),
        (
            {"chat_id": 1, "text": "x", "entities": '[{"type": "bold", "offset": 0}]'},
            "entities[0]: missing required field 'length'",
        ),
        (
            {"chat_id": 1, "text": "x", "reply_markup": '{"inline_keyboard": [[{"text": "a"}]]}'},
            "needs exactly one action field",
        ),
        (
            {"chat_id": 1, "text": "x", "reply_markup": '{"keyboard": [[{"txt": "a"}]]}'},
            "reply_markup.keyboard[0][0]: unknown field 'txt' for KeyboardButton",
        ),
        ({"chat_id": 1.5, "text": "x"}, "chat_id must be Integer or String"),
    ],
)
def test_nested_violations_name_the_path(params: dict[str, Any], message: str) -> None:
    with pytest.raises(SpecViolation) as caught:
        validate("sendMessage", **params)
    assert message in caught.value.what


def test_subtype_unions_dispatch_on_their_tag() -> None:
    for scope in ({"type": "default"}, {"type": "chat_member", "chat_id": 1, "user_id": 2}):
        SPEC.check_type("BotCommandScope", scope)
    with pytest.raises(SpecViolation, match="missing required field 'user_id'"):
        SPEC.check_type("BotCommandScope", {"type": "chat_member", "chat_id": 1})
    SPEC.check_type("ChatMember", {"status": "kicked", "user": _user(), "until_date": 0})
    SPEC.check_type("MaybeInaccessibleMessage", {"chat": _chat(), "message_id": 1, "date": 0})


def test_standin_updates_are_valid_spec_objects() -> None:
    update = {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": _chat(), "from": _user(), "text": "hi"},
    }
    SPEC.check_type("Update", update)


def _user() -> dict[str, Any]:
    return {"id": 1, "is_bot": False, "first_name": "A"}


def _chat() -> dict[str, Any]:
    return {"id": 1, "type": "private", "first_name": "A"}


@pytest.mark.parametrize(
    ("text", "mode", "length"),
    [
        ("  hi  ", None, 2),
        ("<b>hi</b> &lt;3", "HTML", 5),
        ('<a href="https://example.com">link</a>', "HTML", 4),
        ("*bold* \\. _it_ `code.` [link](https://e.com/a.b)", "MarkdownV2", 20),
        ("__u__ ||s|| ~x~\n>quote", "MarkdownV2", 11),
    ],
)
def test_visible_length(text: str, mode: str | None, length: int) -> None:
    assert visible_length(text, mode) == length


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("<b>open", "HTML"),
        ("<blink>x</blink>", "HTML"),
        ("a < b", "HTML"),
        ("</b>", "HTML"),
        ("<b><i>x</b></i>", "HTML"),
        ("1.5", "MarkdownV2"),
        ("*open", "MarkdownV2"),
        ("`open", "MarkdownV2"),
        ("ends with \\", "MarkdownV2"),
    ],
)
def test_unparseable_markup(text: str, mode: str) -> None:
    with pytest.raises(EntityParseError):
        visible_length(text, mode)
