"""Reading what a person wrote: the classifier, with the conversation around the message.

A message is read with the person's last few messages of the past hour and the mood they
tapped on a check-in in that hour (a 😢 tap followed by もう無理 is one signal). Context only
ever raises a label. A classifier failure counts as concern: never ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from signals import Severity
from signals.classifier import MOOD_MARKER
from signals.crisis import Situation
from signals.crisis_choice import situations_from_concepts
from signals.invisible import visible_text
from storage.checkins import CheckinRepository
from storage.inbound import PersonMessageRepository
from usecases.services import Services

__all__ = ["CONTEXT_MESSAGES", "CONTEXT_WINDOW", "NOTHING", "Reading", "conversation", "read"]

log = logging.getLogger(__name__)

CONTEXT_WINDOW = timedelta(hours=1)
CONTEXT_MESSAGES = 5


@dataclass(frozen=True, slots=True)
class Reading:
    severity: Severity  # as stored with the message
    rules: str  # the rules that fired, comma-separated
    situations: frozenset[Situation]  # what the crisis reply picks lines by


NOTHING = Reading(Severity.NONE, "", frozenset())


async def conversation(session: AsyncSession, person_id: int, now: datetime) -> list[str]:
    """The person's recent words and tapped mood of the past hour, oldest first."""
    since = now - CONTEXT_WINDOW
    texts = await PersonMessageRepository(session).recent_texts(
        person_id, since, limit=CONTEXT_MESSAGES
    )
    context = [visible_text(t) for t in texts]
    mood = await CheckinRepository(session).last_mood_since(person_id, since)
    if mood is not None:
        context.append(f"{MOOD_MARKER}{mood}")
    return context


def read(svc: Services, text: str, context: Sequence[str] = ()) -> Reading:
    """The label of `text` in its conversation; a classifier failure is concern."""
    try:
        result = svc.classifier.classify(visible_text(text), context=context)
    except Exception:
        # Log the failure, never the text.
        log.exception("classification failed; treating the message as concern")
        return Reading(Severity.CONCERN, "classifier_error", frozenset())
    return Reading(
        result.severity,
        ",".join(result.rules),
        situations_from_concepts(result.concepts),
    )
