"""One cheap question per tick: which periodic steps have anything to do?

With a million people, most ticks find nothing due. Asking every step to open its own
write transaction costs a few milliseconds each; one read-only query with an indexed
EXISTS per kind of work answers for all of them at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select

from infra.settings import Settings
from scheduler.digest import digest_marker
from scheduler.housekeeping import EVERY as HOUSEKEEPING_EVERY
from scheduler.housekeeping import MARKER as HOUSEKEEPING_MARKER
from storage.audit import Marker
from storage.checkins import nudge_due
from storage.db import Database
from storage.escalations import step_due
from storage.focus import review_due
from storage.people import checkin_due, pause_over, silence_over
from storage.reachability import EscalationWait
from storage.staff import menu_out_of_date
from storage.ties import tie_check_due


async def due_work(db: Database, settings: Settings, now: datetime) -> set[str]:
    """The names of the steps with work due at `now` (see Runtime's step list)."""
    checks = {
        "resume": exists().where(pause_over(now)),
        "dispatch": exists().where(checkin_due(now)),
        "nudge": exists().where(nudge_due(now)),
        "silence": exists().where(silence_over(now)),
        "step_up": exists().where(step_due(now)),
        "responders": exists().where(EscalationWait.escalation_id.is_not(None)),
        "reviews": exists().where(review_due(now)),

        "ties": exists().where(tie_check_due(now)),
        "menus": exists().where(menu_out_of_date()),
        "housekeeping": ~exists().where(
            Marker.key == HOUSEKEEPING_MARKER, Marker.at > now - HOUSEKEEPING_EVERY
        ),
    }
    if (digest_key := digest_marker(settings, now)) is not None:
        checks["digest"] = ~exists().where(Marker.key == digest_key)
    names = list(checks)
    query = select(*(check.label(name) for name, check in checks.items()))
    async with db.reading() as conn:
        row = (await conn.execute(query)).one()
    return {name for name, flag in zip(names, row, strict=True) if flag}
