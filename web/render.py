"""Rendering the web view's pages: Jinja2 templates shipped in the package, autoescaped,
every response with the same strict security headers.

No inline script or style anywhere: the Content-Security-Policy allows only this site's
own stylesheet and script, forms that post back to it, and framing only by Telegram's web
client (where the Mini App runs) and the site itself.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from storage.people import Person
from usecases.services import Services
from usecases.words import person_label

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "SECURITY_HEADERS",
    "Renderer",
    "static_file",
]

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self' https://web.telegram.org",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Sign-in links carry their token in the path: never pass it on as a Referer.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}


class Renderer:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.env = Environment(
            loader=PackageLoader("web", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def page(
        self, template: str, language: str, *, status: int = 200, **context: Any
    ) -> web.Response:
        def t(key: str, /, **params: object) -> str:
            return self.svc.text(language, f"web.{key}", **params)

        def word(key: str, /) -> str:
            """A word the chat uses too (states, outcomes), from its own catalog entry."""
            return self.svc.text(language, key)

        def label(person: Person) -> str:
            """A person as staff read them: 田中さん（ID 1）, or ID 1の方 once erased."""
            return person_label(self.svc.catalog, language, person.display_name, person.id)

        context.setdefault("current", None)  # which page the navigation marks as current
        body = self.env.get_template(template).render(
            lang=language, t=t, word=word, label=label, staff=context.pop("staff", None), **context
        )
        response = web.Response(text=body, status=status, content_type="text/html")
        response.headers.update(SECURITY_HEADERS)
        return response


def static_file(name: str) -> web.Response:
    """One of the package's static files (a fixed list: no path from the request)."""
    suffix = name[name.rfind(".") :]
    body = resources.files("web").joinpath("static", name).read_bytes()
    response = web.Response(body=body, content_type=_STATIC_TYPES[suffix], charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
