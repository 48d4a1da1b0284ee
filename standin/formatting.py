"""Entity parsing for ``parse_mode``, reduced to what the stand-in needs.

Telegram limits message text to 1-4096 characters *after* entity parsing, and rejects text
whose markup does not parse ("Bad Request: can't parse entities: ..."). A bot that builds
HTML or MarkdownV2 by string concatenation and forgets to escape user input fails only in
production, so the stand-in reproduces the common failure modes:

* HTML: unsupported tags, unbalanced tags, a bare ``<``.
* MarkdownV2: reserved characters that are not escaped, entities left open.

It is deliberately not a full reimplementation; it errs on the side of accepting text that
real Telegram would accept. Lengths are counted in Python characters, not UTF-16 units.
"""

from __future__ import annotations

import re

_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
        "tg-time",
    }
)
_HTML_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")


class EntityParseError(ValueError):
    """The text's markup would be rejected by Telegram."""


def visible_length(text: str, parse_mode: str | None) -> int:
    """Length of ``text`` as shown to the user: markup removed, surrounding spaces stripped."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return len(_strip_html(text).strip())
    if mode == "markdownv2":
        return len(_strip_markdown_v2(text).strip())
    if mode == "markdown":
        return len(re.sub(r"[*_`\[\]]", "", text).strip())
    return len(text.strip())


def _strip_html(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "<":
            end = text.find(">", i)
            if end < 0:
                raise EntityParseError(f"unclosed start tag at offset {i}")
            tag = text[i + 1 : end].strip()
            if tag.startswith("/"):
                name = tag[1:].strip().lower()
                if not stack:
                    raise EntityParseError(f"unexpected end tag at offset {i}")
                if name and name != stack[-1]:
                    raise EntityParseError(
                        f'can\'t find end tag corresponding to start tag "{stack[-1]}"'
                    )
                stack.pop()
            else:
                name = tag.split(None, 1)[0].lower() if tag else ""
                if name not in _HTML_TAGS:
                    raise EntityParseError(f'unsupported start tag "{name}" at offset {i}')
                stack.append(name)
            i = end + 1
        elif c == "&":
            match = _HTML_ENTITY.match(text, i)
            out.append("&" if match is None else "x")
            i = i + 1 if match is None else match.end()
        else:
            out.append(c)
            i += 1
    if stack:
        raise EntityParseError(f'can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def _strip_markdown_v2(text: str) -> str:
    out: list[str] = []
    open_marks: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                raise EntityParseError("text must not end with an unescaped '\\'")
            out.append(text[i + 1])
            i += 2
            continue
        if c == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = text.find(fence, i + len(fence))
            while end > 0 and text[end - 1] == "\\":
                end = text.find(fence, end + 1)
            if end < 0:
                raise EntityParseError(f"can't find end of code entity at offset {i}")
            out.append(text[i + len(fence) : end])
            i = end + len(fence)
            continue
        if c in "*~" or (c == "_" and not text.startswith("__", i)):
            _toggle(open_marks, c)
            i += 1
            continue
        if text.startswith("__", i) or text.startswith("||", i):
            _toggle(open_marks, text[i : i + 2])
            i += 2
            continue
        if c == "[" or (c == "!" and text.startswith("![", i)):
            open_marks.append("[")
            i += 1 if c == "[" else 2
            continue
        if c == "]" and "[" in open_marks:
            if open_marks[-1] != "[":
                raise EntityParseError(f"entities overlap the link ending at offset {i}")
            open_marks.pop()
            if text.startswith("(", i + 1):
                end = text.find(")", i + 2)
                if end < 0:
                    raise EntityParseError(f"can't find end of the URL at offset {i + 1}")
                i = end + 1
            else:
                i += 1
            continue
        if c == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1
            continue
        if c in _MD2_RESERVED:
            raise EntityParseError(
                f"character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        out.append(c)
        i += 1
    if open_marks:
        raise EntityParseError(f"can't find end of the entity opened by '{open_marks[-1]}'")
    return "".join(out)


def _toggle(open_marks: list[str], mark: str) -> None:
    if mark in open_marks:
        open_marks.remove(mark)
    else:
        open_marks.append(mark)
