"""`/focus` and the review prompt end to end (issue 13, item 6): the real runtime against
the stand-in, SQLite and PostgreSQL. A worker starts a focused-support period; on its review
date they are asked, and a button takes the person back to the base schedule."""

from __future__ import annotations

from datetime import timedelta

from domain.cadence import CadenceLevel
from domain.focus import MAX_FOCUS_DAYS, ReviewChoice
from domain.people import StaffRole
from standin.sandbox import Sandbox
from tests.conftest import START
from tests.handlers.checkin_helpers import (
    OTHER_WORKER,
    WORKER,
    advance,
    enrol,
    next_message,
    no_apology,
    person_row,
    staffed,
    text,
    worker_hears,
)
from tests.scheduler import pg_shared

database_url = pg_shared.database_url
_module_postgres = pg_shared._module_postgres
_module_sqlite = pg_shared._module_sqlite


async def test_focus_then_the_review_takes_the_person_back_to_base(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await staffed(sb)
    await enrol(sb)
    person = await person_row(sb)
    await worker.send_command("focus", f"{person.id} 14 家賃の相談")
    started = text(sb, "ja", "focus.started", person_id=person.id, level="@", review="@")
    head = started.split("@")[0]
    await next_message(sb, WORKER, lambda m: (m.text or "").startswith(head))
    assert (await person_row(sb)).cadence_level == CadenceLevel.CLOSE

    await advance(sb, START + timedelta(days=14, hours=1))
    prompt = await next_message(sb, WORKER, lambda m: (m.text or "").startswith("📅"))
    assert prompt.text is not None and "家賃の相談" in prompt.text
    assert [label for label, _ in prompt.buttons] == [
        text(sb, "ja", f"focus.choice_{choice.value}") for choice in ReviewChoice
    ]
    await worker.press(prompt, list(ReviewChoice).index(ReviewChoice.BASE))
    level = text(sb, "ja", "cadence.level.base")
    await worker_hears(sb, "focus.done_base", person_id=person.id, level=level, days=0)
    assert (await person_row(sb)).cadence_level == CadenceLevel.BASE
    no_apology(sb, WORKER)


async def test_bad_focus_commands_get_one_line(sandbox: Sandbox) -> None:
    sb = sandbox
    worker = await staffed(sb)
    await sb.add_staff(OTHER_WORKER, StaffRole.WORKER, "Kato")
    other = sb.user(OTHER_WORKER, "Kato")
    await enrol(sb)
    person = await person_row(sb)
    await worker.send_command("focus")
    await worker_hears(sb, "focus.usage", max=MAX_FOCUS_DAYS)
    await worker.send_command("focus", f"{person.id} 0")
    form = text(sb, "ja", "args.form.days", max=MAX_FOCUS_DAYS)
    await worker_hears(sb, "args.bad", value="0", form=form)
    # Another worker's person is not theirs to see, let alone to focus on.
    await other.send_command("focus", f"{person.id} 7")
    await worker_hears(sb, "staff.unknown_person", chat_id=OTHER_WORKER, ref=str(person.id))
    assert (await person_row(sb)).cadence_level == CadenceLevel.BASE
    no_apology(sb, WORKER, OTHER_WORKER)
