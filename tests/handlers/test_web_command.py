"""`/web` (issue 14): a staff member's one-time sign-in link, a Mini App button when the
view is served over https, a kind word while the view is off, nothing for anyone else."""

from __future__ import annotations

import re

from domain.people import StaffRole
from infra.clock import ControllableClock
from standin.sandbox import Sandbox
from tests.conftest import running_sandbox
from tests.handlers.checkin_helpers import PERSON, WORKER, enrol, next_message, text

PUBLIC = "https://care.example.org/tsunagari"


async def test_web_while_the_view_is_off(sandbox: Sandbox) -> None:
    sb = sandbox
    await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
    await sb.user(WORKER, "Sato").send_command("web")
    assert (await next_message(sb, WORKER)).text == text(sb, "ja", "web.off")


async def test_web_over_https_sends_a_link_and_a_mini_app_button(
    database_url: str, clock: ControllableClock
) -> None:
    extra = {"web": {"listen": "127.0.0.1:0", "public_url": PUBLIC}}
    async with running_sandbox(database_url, clock, extra) as sb:
        await sb.add_staff(WORKER, StaffRole.WORKER, "Sato")
        await sb.user(WORKER, "Sato").send_command("web")
        answer = await next_message(sb, WORKER)
        link = re.search(re.escape(PUBLIC) + r"/login/([A-Za-z0-9_-]{43,})", answer.text or "")
        assert link is not None
        assert answer.text == text(sb, "ja", "web.link", link=link.group(0))
        assert answer.reply_markup == {
            "inline_keyboard": [
                [{"text": text(sb, "ja", "web.open_button"), "web_app": {"url": PUBLIC + "/app"}}]
            ]
        }
        # A person asking gets the staff-only line, and no link.
        user = await enrol(sb)
        await user.send_command("web")
        assert (await next_message(sb, PERSON)).text == text(sb, "ja", "common.staff_only")
        assert sb.standin.violations == []
