"""Characters that carry no meaning for a reader, removed before a text is classified.

A NUL, a zero-width space or a soft hyphen inside 死にたい hides the phrase from the rules
while a person reading the chat sees it whole; lone surrogates arrive from broken clients.
Removing them (control, format and surrogate characters; newlines and tabs stay) lets the
classifier see what the person meant. Storage replaces them separately (storage.base).
"""

from __future__ import annotations

import unicodedata

__all__ = ["visible_text"]

_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})
_KEPT = frozenset("\n\t")


def visible_text(text: str) -> str:
    """`text` without control, format (zero-width) and surrogate characters."""
    if text.isprintable():
        return text
    return "".join(ch for ch in text if ch in _KEPT or unicodedata.category(ch) not in _INVISIBLE)
