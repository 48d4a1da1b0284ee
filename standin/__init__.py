"""Local stand-in for the Telegram Bot API, validating every request against the spec.

Typical use in a test::

    standin = BotApiStandIn(token="123:ABC")
    await standin.start()
    bot = telegram.Bot("123:ABC", base_url=standin.base_url)
    user = standin.user(1001, first_name="Aiko")
    await user.send_command("start")
    reply = await standin.wait_for_message(1001)
    ...
    await standin.stop()
    assert standin.violations == []
"""

from standin.faults import Fault, FaultInjector, FloodLimiter
from standin.models import (
    CallbackAnswer,
    RecordedRequest,
    SentMessage,
    SentPhoto,
    StandInStats,
    TextEdit,
    UpdateTiming,
    Violation,
)
from standin.server import ApiError, BotApiStandIn
from standin.users import SimulatedUser
from standin.validation import ApiSpec, SpecViolation, load_spec

__all__ = [
    "ApiError",
    "ApiSpec",
    "BotApiStandIn",
    "CallbackAnswer",
    "Fault",
    "FaultInjector",
    "FloodLimiter",
    "RecordedRequest",
    "SentMessage",
    "SentPhoto",
    "SimulatedUser",
    "SpecViolation",
    "StandInStats",
    "TextEdit",
    "UpdateTiming",
    "Violation",
    "load_spec",
]
