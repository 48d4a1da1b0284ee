"""The project's exception hierarchy, in one place so callers can catch by meaning."""

from __future__ import annotations


class TsunagariError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(TsunagariError):
    """A configuration value is missing or malformed; the message names the key and the form."""

    def __init__(self, key: str, expected: str, got: object = None) -> None:
        self.key = key
        self.expected = expected
        detail = "" if got is None else f" (got {got!r})"
        super().__init__(f"config key '{key}': expected {expected}{detail}")


class NotFoundError(TsunagariError):
    """A person, staff member, invite or escalation named by the caller does not exist."""


class NotAllowedError(TsunagariError):
    """The caller's role does not permit the action."""


class InviteError(TsunagariError):
    """An enrolment invite cannot be used; `reason` says why in a catalog-key-friendly word."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invite unusable: {reason}")


class DeliveryError(TsunagariError):
    """Sending to Telegram failed.

    `permanent` separates what retrying cannot fix (the person blocked the bot, the chat
    does not exist, the request itself is invalid) from what it can (flood control,
    network trouble, Telegram's 5xx).
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        retry_after: float | None = None,
        blocked: bool = False,
    ) -> None:
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.blocked = blocked
        super().__init__(reason)
