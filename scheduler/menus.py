"""Command menus per role and language (setMyCommands with per-chat scopes).

The person's menu is the default scope; each staff member's chat gets the menu of their
role. Which menu was pushed is stored on the staff row, so a restart or a role change
syncs exactly what differs.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, NetworkError

from domain.people import Role
from storage.staff import StaffRepository
from usecases.services import Services

log = logging.getLogger(__name__)

_WORKER_MENU = (
    "help",
    "queue",
    "people",
    "person",
    "invite",
    "checkin_now",
    "focus",
    "note",
    "relay",
    "reassign",
    "resolve",
    "resources",
    "connect",
    "ties",
    "web",
)
MENUS: dict[Role, tuple[str, ...]] = {
    Role.PERSON: (
        "help",
        "pause",
        "resume",
        "time",
        "talk",
        "mydata",
        "forget",
        "stop",
        "language",
    ),
    Role.WORKER: (*_WORKER_MENU, "language"),
    Role.COORDINATOR: (
        *_WORKER_MENU,
        "assign",
        "schedule",
        "stats",
        "staff_invite",
        "deactivate",
        "resource",
        "language",
    ),
}
NO_MENU = "none"


def commands(svc: Services, role: Role, language: str) -> list[BotCommand]:
    return [BotCommand(name, svc.text(language, f"menu.{name}")) for name in MENUS[role]]


async def set_default_menus(svc: Services, bot: Bot) -> None:
    """Japanese first: the unscoped menu is Japanese, English for `en` clients."""
    scope = BotCommandScopeDefault()
    await bot.set_my_commands(commands(svc, Role.PERSON, "ja"), scope=scope)
    await bot.set_my_commands(commands(svc, Role.PERSON, "en"), scope=scope, language_code="en")


async def sync_staff_menus(svc: Services, bot: Bot) -> bool:
    """Push each staff member's menu if it differs from what was pushed; True if any."""
    async with svc.db.transaction() as session:
        members = [
            (s.id, s.telegram_id, s.role, s.language, s.active)
            for s in await StaffRepository(session).needing_menu_sync()
        ]
    for staff_id, telegram_id, role, language, active in members:
        scope = BotCommandScopeChat(telegram_id)
        try:
            if active:
                await bot.set_my_commands(commands(svc, Role(role), language), scope=scope)
            else:
                await bot.delete_my_commands(scope=scope)
        except BadRequest:
            # Usually "chat not found": the staff member has not opened the bot yet.
            log.info("menu for staff %s not set yet (chat unavailable)", staff_id)
            continue
        except NetworkError:
            return bool(members)
        async with svc.db.transaction() as session:
            await StaffRepository(session).set_menu_role(staff_id, role if active else NO_MENU)
    return bool(members)
