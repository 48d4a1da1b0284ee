"""HTTP control API under ``/_control/``: a thin curl-friendly layer over the Python API.

Routes (JSON in, JSON out)::

    POST   /_control/users/{id}/text      {"text": "...", "first_name": "..."}
    POST   /_control/users/{id}/command   {"command": "start", "args": "TOKEN"}
    POST   /_control/users/{id}/press     {"message_id": 3, "index": 0} or {"data": "mood:1"}
    POST   /_control/users/{id}/block     /unblock
    GET    /_control/chats/{id}/messages  ?after=<message id>&timeout=<seconds> to wait
    GET    /_control/violations | /_control/stats | /_control/updates
    GET    /_control/updates/timings      ?since=<update id>: queued_at, handed_at
    POST   /_control/faults               {"method": "sendMessage", "kind": "retry_after", ...}
    DELETE /_control/faults

Only meant for local use: it is served on the same (loopback) port as the fake Bot API.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from standin.server import BotApiStandIn
    from standin.users import SimulatedUser


class _Control:
    """The control routes' handlers, over one stand-in."""

    def __init__(self, standin: BotApiStandIn) -> None:
        self.standin = standin

    async def body(self, request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(text="body must be JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(text="body must be a JSON object")
        return data

    def user_for(self, request: web.Request, data: dict[str, Any]) -> SimulatedUser:
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="user id must be an integer") from None
        return self.standin.user(
            user_id,
            data.get("first_name", "User"),
            username=data.get("username"),
            language_code=data.get("language_code"),
        )

    async def text(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        if not isinstance(data.get("text"), str):
            raise web.HTTPBadRequest(text="'text' is required")
        user = self.user_for(request, data)
        update_id = await user.send_text(data["text"])
        # The message id lets a caller wait for what the bot sent after it (?after=).
        return web.json_response({"update_id": update_id, "message_id": user.last_message_id()})

    async def command(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        if not isinstance(data.get("command"), str):
            raise web.HTTPBadRequest(text="'command' is required")
        user = self.user_for(request, data)
        update_id = await user.send_command(data["command"], data.get("args"))
        return web.json_response({"update_id": update_id})

    async def press(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        user = self.user_for(request, data)
        try:
            query_id = await user.press(
                int(data["message_id"]), data.get("index"), data=data.get("data")
            )
        except (KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response(
            {"callback_query_id": query_id, "update_id": self.standin.last_update_id}
        )

    async def block(self, request: web.Request) -> web.Response:
        user = self.user_for(request, await self.body(request))
        update_id = await user.block()
        return web.json_response({"update_id": update_id})

    async def unblock(self, request: web.Request) -> web.Response:
        user = self.user_for(request, await self.body(request))
        update_id = await user.unblock()
        return web.json_response({"update_id": update_id})

    async def messages(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.match_info["chat_id"])
        except ValueError:
            raise web.HTTPBadRequest(text="chat id must be an integer") from None
        if "after" in request.query:
            return await _messages_after(request, self.standin, chat_id)
        return web.json_response([m.to_dict() for m in self.standin.messages_to(chat_id)])

    async def violations(self, request: web.Request) -> web.Response:
        return web.json_response([asdict(v) for v in self.standin.violations])

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.standin.stats.to_dict())

    async def updates(self, request: web.Request) -> web.Response:
        return web.json_response(self.standin.pending_updates)

    async def add_fault(self, request: web.Request) -> web.Response:
        data = await self.body(request)
        try:
            self.standin.faults.add(**data)
        except (TypeError, ValueError) as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({"faults": len(self.standin.faults.rules)})

    async def clear_faults(self, request: web.Request) -> web.Response:
        self.standin.faults.clear()
        return web.json_response({"faults": 0})


def add_control_routes(app: web.Application, standin: BotApiStandIn) -> None:
    control = _Control(standin)
    app.router.add_post("/_control/users/{user_id}/text", control.text)
    app.router.add_post("/_control/users/{user_id}/command", control.command)
    app.router.add_post("/_control/users/{user_id}/press", control.press)
    app.router.add_post("/_control/users/{user_id}/block", control.block)
    app.router.add_post("/_control/users/{user_id}/unblock", control.unblock)
    app.router.add_get("/_control/chats/{chat_id}/messages", control.messages)
    app.router.add_get("/_control/violations", control.violations)
    app.router.add_get("/_control/stats", control.stats)
    app.router.add_get("/_control/updates", control.updates)
    app.router.add_post("/_control/faults", control.add_fault)
    app.router.add_delete("/_control/faults", control.clear_faults)
    _add_timing_routes(app, standin)


def _number(request: web.Request, name: str, default: str) -> float:
    try:
        return float(request.query.get(name, default))
    except ValueError:
        raise web.HTTPBadRequest(text=f"'{name}' must be a number") from None


async def _messages_after(
    request: web.Request, standin: BotApiStandIn, chat_id: int
) -> web.Response:
    """``?after=<message id>&timeout=<seconds>``: what the bot sent since, waiting for it."""
    after = int(_number(request, "after", "0"))
    timeout = min(max(_number(request, "timeout", "0"), 0.0), 60.0)
    found = await standin.messages_after(chat_id, after, timeout)
    return web.json_response([m.to_dict() for m in found])


def _add_timing_routes(app: web.Application, standin: BotApiStandIn) -> None:
    async def update_timings(request: web.Request) -> web.Response:
        since = int(_number(request, "since", "0"))
        return web.json_response([t.to_dict() for t in standin.update_timings(since)])

    app.router.add_get("/_control/updates/timings", update_timings)
