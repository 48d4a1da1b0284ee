"""The web view for staff: server-rendered pages on the bot's own aiohttp listener."""

from web.pages import SESSION_COOKIE, SIGNIN_COOKIE, WebView

__all__ = ["SESSION_COOKIE", "SIGNIN_COOKIE", "WebView"]
