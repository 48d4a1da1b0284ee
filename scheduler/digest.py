"""The weekly digest: on Monday at the start of working hours, each coordinator gets the
week's statistics. A marker row per ISO week makes it exactly once, across restarts and
instances. A coordinator registered during the week gets the next week's, not a summary of
days before they (or the organisation) began."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from infra.holidays import working_hours
from infra.settings import Settings
from storage.audit import MarkerRepository
from storage.outbox import OutboxRepository, Purpose, new_message
from storage.staff import StaffRepository
from usecases.services import Services
from usecases.stats import DIGEST_WINDOW, stats_text

log = logging.getLogger(__name__)


def digest_marker(settings: Settings, now: datetime) -> str | None:
    """The marker key of this week's digest if it may go now, else None.

    It goes on the first working day of the week from the start of working hours (a Monday
    holiday, a closed day or downtime moves it to the next working day, not to next week).
    """
    esc = settings.escalation
    local = now.astimezone(ZoneInfo(esc.timezone))
    if not working_hours(esc).is_working_day(local.date()) or local.time() < esc.working_hours[0]:
        return None
    year, week, _ = local.isocalendar()
    return f"weekly_digest:{year}-W{week:02d}"


def week_began(settings: Settings, now: datetime) -> datetime:
    """Midnight at the start of `now`'s ISO week (Monday), in the organisation's zone."""
    zone = ZoneInfo(settings.escalation.timezone)
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone)


async def digest_step(svc: Services, now: datetime) -> bool:
    key = digest_marker(svc.settings, now)
    if key is None:
        return False
    try:
        async with svc.db.transaction() as session:
            if not await MarkerRepository(session).take(key, now):
                return False
            coordinators = await StaffRepository(session).coordinators(
                registered_before=week_began(svc.settings, now)
            )
            for staff in coordinators:
                text = (
                    svc.text(staff.language, "digest.header")
                    + "\n"
                    + await stats_text(svc, session, staff.language, now, DIGEST_WINDOW)
                )
                OutboxRepository(session).add(
                    new_message(
                        chat_id=staff.telegram_id, text=text, now=now, purpose=Purpose.NOTIFY
                    )
                )
    except IntegrityError:
        return False  # another instance sent it
    log.info("weekly digest %s queued for %s coordinators", key, len(coordinators))
    return True
