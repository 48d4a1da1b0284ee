"""Imports every aggregate so `Base.metadata` is complete (Alembic and tests use it)."""

from storage.audit import AuditEntry, Marker
from storage.base import Base
from storage.checkins import Checkin
from storage.escalations import (
    Escalation,
    EscalationNote,
    EscalationNotification,
    EscalationReasonEntry,
)
from storage.focus import FocusPeriod
from storage.inbound import InboundUpdate, PersonMessage
from storage.invites import Invite
from storage.outbox import OutboxMessage
from storage.people import CadenceChange, Person
from storage.reachability import EscalationWait
from storage.resources import Resource
from storage.staff import Staff
from storage.ties import Tie
from storage.web_sessions import WebLoginLink, WebSession

__all__ = [
    "AuditEntry",
    "Base",
    "CadenceChange",
    "Checkin",
    "Escalation",
    "EscalationNote",
    "EscalationNotification",
    "EscalationReasonEntry",
    "EscalationWait",
    "FocusPeriod",
    "InboundUpdate",
    "Invite",
    "Marker",
    "OutboxMessage",
    "Person",
    "PersonMessage",
    "Resource",
    "Staff",
    "Tie",
    "WebLoginLink",
    "WebSession",
]
