"""Telegram handlers: thin functions that parse, call the domain and storage, and reply."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import (
    caseload,
    common,
    coordination,
    crisis,
    enrolment,
    focus,
    handover,
    person,
    queue,
    staff,
    ties,
)
from handlers.errors import on_error
from usecases.buttons import ButtonKind, pattern

COMMANDS = {
    "start": enrolment.start_command,
    "help": common.help_command,
    "language": common.language_command,
    "invite": staff.invite_command,
    "checkin_now": staff.checkin_now_command,
    "pause": person.pause_command,
    "resume": person.resume_command,
    "time": person.time_command,
    "talk": person.talk,
    "stop": person.stop_command,
    "mydata": person.mydata_command,
    "forget": person.forget_command,
    "queue": queue.queue_command,
    "people": caseload.people_command,
    "person": caseload.person_command,
    "note": queue.note_command,
    "relay": queue.relay_command,
    "reassign": queue.reassign_command,
    "resolve": queue.resolve_command,
    "assign": coordination.assign_command,
    "schedule": coordination.schedule_command,
    "stats": coordination.stats_command,
    "staff_invite": coordination.staff_invite_command,
    "deactivate": coordination.deactivate_command,
    "focus": focus.focus_command,
    "resources": ties.resources_command,
    "resource": ties.resource_command,
    "connect": ties.connect_command,
    "ties": ties.ties_command,
    "web": staff.web_command,
}

# Routed by kind only: each handler parses its data strictly (usecases/buttons.py), so a
# forged or stale press reaches the handler that answers it kindly and changes nothing.
CALLBACKS = {
    ButtonKind.CONSENT: enrolment.consent_callback,
    ButtonKind.LANGUAGE: common.language_callback,
    ButtonKind.MOOD: person.mood_callback,
    ButtonKind.TALK: person.talk,
    ButtonKind.FORGET: person.forget_callback,
    ButtonKind.ACK: staff.ack_callback,
    ButtonKind.QUEUE_PAGE: queue.queue_page_callback,
    ButtonKind.ESCALATION: queue.escalation_details_callback,
    ButtonKind.RESOLVE_MENU: queue.resolve_menu_callback,
    ButtonKind.RESOLVE: queue.resolve_callback,
    ButtonKind.CRISIS_LINES: crisis.all_lines_callback,
    ButtonKind.PAUSE_REASON: person.pause_reason_callback,
    ButtonKind.REVIEW: focus.review_callback,
    ButtonKind.HANDOVER: handover.handover_callback,

    ButtonKind.TIE: ties.tie_callback,
    ButtonKind.TIE_END: ties.tie_end_callback,
    ButtonKind.TIE_CHECK: ties.tie_check_callback,
}


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    for name, callback in COMMANDS.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    for kind, callback in CALLBACKS.items():
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern(kind)))
    app.add_handler(ChatMemberHandler(person.chat_member_update, ChatMemberHandler.MY_CHAT_MEMBER))
    # Plain messages from people (text, stickers, photos, voice); commands we don't know
    # and strangers fall to the last handlers of the group.
    app.add_handler(MessageHandler(private & ~filters.COMMAND, person.person_message))
    app.add_handler(MessageHandler(filters.ALL, common.stranger_or_unknown))
    app.add_handler(CallbackQueryHandler(common.stranger_or_unknown))
    app.add_error_handler(on_error)
