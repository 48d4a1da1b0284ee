"""The `tsunagari` command line: the contract operators and scripts rely on.

Errors are one clear line on stderr and a non-zero exit. `--json` prints an array of
objects with the documented field names; times are ISO 8601 with an offset.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from cli.output import emit, table_value
from domain.errors import ConfigError, TsunagariError
from domain.people import StaffRole
from domain.reachability import Reachability
from infra.clock import SystemClock
from infra.logs import setup_logging
from infra.settings import Settings, load_settings
from storage.db import Database
from storage.failures import describe_database_failure, sqlite_path_problem
from storage.migrate import upgrade_schema

if TYPE_CHECKING:
    from usecases.timeline import PersonShown

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


class DatabaseProblem(TsunagariError):
    """The configured database cannot be used; the message says why."""


PEOPLE_COLUMNS = (
    "id",
    "telegram_id",
    "display_name",
    "worker",
    "status",
    "last_reply_at",
    "next_checkin_at",
)
TIE_COLUMNS = ("id", "resource_id", "resource", "state", "since", "ended_at")


def _iso(value: Any) -> str:
    """JSON's times: ISO 8601 with the offset."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _person_show_record(shown: PersonShown) -> dict[str, Any]:
    """`people show`'s object: the `people list` fields, `ties` and `timeline`."""
    p = shown.person
    return {
        "id": p.id,
        "telegram_id": p.telegram_id,
        "display_name": p.display_name,
        "worker": shown.worker_telegram_id,
        "status": str(p.status),
        "last_reply_at": (p.last_reply_at),
        "next_checkin_at": (p.next_checkin_at),
        "language": p.language,
        "cadence": str(p.cadence_level),
        "ties": [
            {
                "id": tie.id,
                "resource_id": resource.id,
                "resource": resource.name,
                "kind": resource.kind.value,
                "state": tie.state.value,
                "since": (tie.since),
                "ended_at": (tie.ended_at),
                "proposed_at": (tie.proposed_at),
            }
            for tie, resource in shown.ties
        ],
        "timeline": [
            {"at": (e.at), "kind": e.kind.value, **e.fields} for e in shown.timeline
        ],
    }


class Cli:
    def __init__(self, args: argparse.Namespace, env: Mapping[str, str], out: TextIO) -> None:
        self.args = args
        self.env = env
        self.out = out
        # The settings once read, and whether the command reached for the database: a
        # failure then names what failed (storage.failures), never the URL's password.
        self.loaded: Settings | None = None
        self.touches_database = False

    def looked_for(self) -> tuple[Path, str | None]:
        """The configuration file this command reads, and what named it (None: nothing did,
        it is the default ./config.toml)."""
        given = getattr(self.args, "config", None)
        if given:
            return Path(given), "--config"
        if self.env.get("TSUNAGARI_CONFIG"):
            return Path(self.env["TSUNAGARI_CONFIG"]), "TSUNAGARI_CONFIG"
        return Path("config.toml"), None

    def config_path(self) -> Path | None:
        path, named_by = self.looked_for()
        if named_by is not None or path.exists():
            return path
        return None

    def settings(self) -> Settings:
        self.loaded = load_settings(self.config_path(), self.env)
        return self.loaded

    def require_configuration(self) -> None:
        """Commands that touch the database never guess which one: without a configuration
        file (or TSUNAGARI_DATABASE_URL) they would create ./tsunagari.db wherever they run."""
        self.touches_database = True
        path, named_by = self.looked_for()
        if path.is_file() or self.env.get("TSUNAGARI_DATABASE_URL"):
            return
        raise TsunagariError(
            f"no configuration file: looked for {path.absolute()} ({named_by or 'the default'}); "
            "pass --config PATH or set TSUNAGARI_CONFIG (or TSUNAGARI_DATABASE_URL)"
        )

    def emit(self, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
        """Rows as JSON (--json) or a table with times in the organisation's time zone."""
        zone = ZoneInfo((self.loaded or Settings()).checkin.timezone)
        emit(rows, columns, bool(getattr(self.args, "json", False)), self.out, zone)

    def require_database(self, settings: Settings) -> None:
        """The configuration names a database, and a SQLite file's place can hold it."""
        self.require_configuration()
        problem = sqlite_path_problem(settings.database.url)
        if problem is not None:
            raise DatabaseProblem(problem)

    async def database(self, settings: Settings) -> Database:
        self.require_database(settings)
        db = Database(settings.database.url)
        try:
            await upgrade_schema(db)
        except BaseException:
            # Close the driver's connection thread before the event loop goes away.
            await db.dispose()
            raise
        return db

    # --- commands ----------------------------------------------------------------------

    async def run(self) -> int:
        from telegram.error import TelegramError

        from bot.runtime import Role, Runtime
        from infra.transport import describe_start_failure

        settings = self.settings()
        self.require_database(settings)
        settings.require_token()
        setup_logging(settings.log_level)
        try:
            await Runtime(settings, role=Role(self.args.role)).run_until_signalled()
        except TelegramError as exc:
            # One line, never a traceback: PTB's message for a rejected token quotes it.
            raise TsunagariError(describe_start_failure(exc, settings)) from None
        return EXIT_OK

    async def db_upgrade(self) -> int:
        settings = self.settings()
        self.require_database(settings)
        db = Database(settings.database.url)
        try:
            revision = await upgrade_schema(db)
        finally:
            await db.dispose()
        self.out.write(f"schema at revision {revision}\n")
        return EXIT_OK

    async def demo(self) -> int:
        from cli.demo import run_demo

        return await run_demo(self.out, fast=not getattr(self.args, "slow", False))

    async def staff_add(self) -> int:
        from storage.audit import AuditRepository
        from storage.staff import StaffRepository

        name = self.args.name.strip()
        if not name:
            raise TsunagariError("--name must not be empty")
        settings = self.settings()
        db = await self.database(settings)
        try:
            now = SystemClock().now()
            async with db.transaction() as session:
                staff = await StaffRepository(session).add(
                    telegram_id=self.args.telegram_id,
                    name=name[:200],
                    role=StaffRole(self.args.role),
                    now=now,
                    language=settings.default_language,
                )
                AuditRepository(session).record(
                    action="staff.added",
                    actor="cli",
                    now=now,
                    detail={"staff_id": staff.id, "role": staff.role},
                )
            self.out.write(
                f"staff {staff.id} registered: telegram id {staff.telegram_id}, {staff.role}\n"
            )
        finally:
            await db.dispose()
        self.out.write(await self._how_staff_open_the_bot(settings) + "\n")
        return EXIT_OK

    async def _how_staff_open_the_bot(self, settings: Settings) -> str:
        """Telegram lets a bot write only to someone who wrote to it first: say how the new
        staff member opens it (the username comes from getMe, as for `invite create`)."""
        from telegram import Bot
        from telegram.error import TelegramError

        where = "open the bot in Telegram and send /start"
        if settings.telegram.token:
            try:
                async with Bot(settings.telegram.token, base_url=settings.telegram.base_url) as bot:
                    where = f"open https://t.me/{bot.username} and send /start"
            except TelegramError:
                pass  # the generic instruction still tells them what to do
        return f"before the bot can notify them, they must {where}"

    async def staff_deactivate(self) -> int:
        from storage.audit import AuditRepository
        from storage.staff import StaffRepository
        from usecases.staffing import responsibilities

        db = await self.database(self.settings())
        try:
            now = SystemClock().now()
            async with db.transaction() as session:
                member = await StaffRepository(session).by_telegram_id(self.args.telegram_id)
                if member is None:
                    raise TsunagariError(
                        f"no active staff member with telegram id {self.args.telegram_id}"
                    )
                caseload = await responsibilities(session, member)
                if caseload:
                    raise TsunagariError(
                        f"staff {member.id} still has {caseload} people or escalations; "
                        "hand them over first (/assign, /reassign)"
                    )
                member.active = False
                AuditRepository(session).record(
                    action="staff.deactivated",
                    actor="cli",
                    now=now,
                    detail={"staff_id": member.id},
                )
        finally:
            await db.dispose()
        self.out.write(f"staff {member.id} deactivated\n")
        return EXIT_OK

    async def staff_list(self) -> int:
        from storage.staff import StaffRepository

        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                rows = [
                    {
                        "id": s.id,
                        "telegram_id": s.telegram_id,
                        "name": s.name,
                        "role": str(s.role),
                        "active": s.active,
                        # Unknown (never written to, never wrote) counts as not reachable.
                        "reachable": s.reachability is Reachability.REACHABLE,
                        "last_seen_at": s.last_seen_at,
                        "reachability": str(s.reachability),
                        "reachability_at": s.reachability_at,
                        "unreachable_cause": (
                            str(s.unreachable_cause) if s.unreachable_cause else None
                        ),
                    }
                    for s in await StaffRepository(session).all()
                ]
        finally:
            await db.dispose()
        self.emit(
            rows,
            ("id", "telegram_id", "name", "role", "reachable", "last_seen_at"),
        )
        return EXIT_OK

    async def invite_create(self) -> int:
        from telegram import Bot
        from telegram.error import TelegramError

        from infra.transport import build_request
        from storage.audit import AuditRepository
        from storage.invites import InviteRepository, deep_link
        from storage.staff import StaffRepository

        settings = self.settings()
        token = settings.require_token()
        db = await self.database(settings)
        try:
            async with db.transaction() as session:
                worker = await StaffRepository(session).by_telegram_id(self.args.worker_telegram_id)
            if worker is None:
                raise TsunagariError(
                    f"no active staff member with telegram id {self.args.worker_telegram_id}; "
                    "add one with `tsunagari staff add`"
                )
            try:
                async with Bot(
                    token,
                    base_url=settings.telegram.base_url,
                    request=build_request(settings),
                    get_updates_request=build_request(settings, for_updates=True),
                ) as bot:
                    username = bot.username
            except TelegramError as exc:
                raise TsunagariError(
                    f"could not reach the Bot API at telegram.base_url ({type(exc).__name__}); "
                    "the link needs the bot's username"
                ) from None
            now = SystemClock().now()
            async with db.transaction() as session:
                invite, secret = await InviteRepository(session).create(
                    worker_id=worker.id,
                    created_by=None,
                    now=now,
                    ttl=settings.invites.expire_after,
                )
                AuditRepository(session).record(
                    action="invite.created",
                    actor="cli",
                    now=now,
                    detail={"invite_id": invite.id, "worker_id": worker.id},
                )
        finally:
            await db.dispose()
        self.out.write(deep_link(username, secret) + "\n")
        return EXIT_OK

    async def people_list(self) -> int:
        from storage.people import PersonRepository

        db = await self.database(self.settings())
        try:
            async with db.read_session() as session:
                result = await PersonRepository(session).listing()
                rows = [
                    {
                        "id": p.id,
                        "telegram_id": p.telegram_id,
                        "display_name": p.display_name,
                        "worker": worker_tg,
                        "status": str(p.status),
                        "last_reply_at": p.last_reply_at,
                        "next_checkin_at": p.next_checkin_at,
                        "language": p.language,
                        "cadence": p.cadence_level,
                    }
                    for p, worker_tg in result
                ]
        finally:
            await db.dispose()
        self.emit(
            rows,
            (
                "id",
                "telegram_id",
                "display_name",
                "worker",
                "status",
                "last_reply_at",
                "next_checkin_at",
            ),
        )
        return EXIT_OK

    async def people_show(self) -> int:
        from domain.errors import NotFoundError
        from usecases.timeline import show_person

        reference = self.args.ref.strip()
        if not (reference.isascii() and reference.isdigit()) or not 0 < int(reference) < 2**63:
            raise TsunagariError(f"a person is named by their id or Telegram id, not {reference!r}")
        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                try:
                    shown = await show_person(session, int(reference), SystemClock().now())
                except NotFoundError:
                    raise TsunagariError(f"no person with id or telegram id {reference}") from None
                record = _person_show_record(shown)
        finally:
            await db.dispose()
        if self.args.json:
            self.out.write(json.dumps(record, ensure_ascii=False, indent=2, default=_iso) + "\n")
            return EXIT_OK
        zone = ZoneInfo((self.loaded or Settings()).checkin.timezone)
        for name in PEOPLE_COLUMNS:
            self.out.write(f"{name}: {table_value(record[name], zone)}\n")
        self.out.write("\nties:\n")
        emit(record["ties"], TIE_COLUMNS, False, self.out, zone)
        self.out.write("\ntimeline:\n")
        for event in record["timeline"]:
            extra = " ".join(f"{k}={v}" for k, v in event.items() if k not in ("at", "kind"))
            at = table_value(event["at"], zone)
            self.out.write(f"{at}  {event['kind']}  {extra}".rstrip() + "\n")
        return EXIT_OK

    async def resources_add(self) -> int:
        from domain.ties import parse_resource_row
        from usecases.resources import add_resource

        options = ("name", "kind", "area", "contact", "hours", "url")
        row = {f: getattr(self.args, f) for f in options}
        try:
            fields = parse_resource_row(row)
        except ValueError as exc:
            raise TsunagariError(str(exc)) from None
        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                resource = await add_resource(session, fields, SystemClock().now(), actor="cli")
                resource_id = resource.id
        finally:
            await db.dispose()
        self.out.write(f"resource {resource_id} added\n")
        return EXIT_OK

    async def resources_import(self) -> int:
        from usecases.resources import import_resources, read_resources_csv

        try:
            text = await asyncio.to_thread(Path(self.args.file).read_text, encoding="utf-8")
        except UnicodeDecodeError:
            raise TsunagariError(f"{self.args.file} is not UTF-8 text") from None
        rows = read_resources_csv(text)  # every bad line named, before the database opens
        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                added = await import_resources(session, rows, SystemClock().now())
                count = len(added)
        finally:
            await db.dispose()
        self.out.write(f"{count} resources imported\n")
        return EXIT_OK

    async def resources_list(self) -> int:
        from storage.resources import ResourceRepository

        db = await self.database(self.settings())
        try:
            async with db.read_session() as session:
                rows = [
                    {
                        "id": r.id,
                        "name": r.name,
                        "kind": r.kind.value,
                        "area": r.area,
                        "contact": r.contact,
                        "active": r.active,
                        "hours": r.hours,
                        "url": r.url,
                        "notes": r.notes,
                    }
                    for r in await ResourceRepository(session).all()
                ]
        finally:
            await db.dispose()
        self.emit(rows, ("id", "name", "kind", "area", "contact", "active"))
        return EXIT_OK

    async def escalations_list(self) -> int:
        from storage.escalations import EscalationRepository, episode_reasons

        db = await self.database(self.settings())
        try:
            async with db.read_session() as session:
                found = await EscalationRepository(session).listing(include_closed=self.args.all)
                reasons = await episode_reasons(session, [e.id for e, _, _ in found])
                rows = [
                    {
                        "id": e.id,
                        "person_id": e.person_id,
                        # An episode about someone not enrolled names their Telegram id.
                        "person_telegram_id": person_tg or e.stranger_telegram_id,
                        "reason": e.reason,
                        "reasons": [r.value for r in reasons.get(e.id, [e.reason])],
                        "priority": e.priority,
                        "state": e.state,
                        "created_at": e.created_at,
                        "acknowledged_by": ack_tg,
                        "level": e.level,
                        "resolved_at": e.resolved_at,
                        "outcome": e.outcome,
                    }
                    for e, person_tg, ack_tg in found
                ]
        finally:
            await db.dispose()
        self.emit(
            rows,
            (
                "id",
                "person_id",
                "person_telegram_id",
                "reason",
                "priority",
                "state",
                "created_at",
                "acknowledged_by",
            ),
        )
        return EXIT_OK

    async def audit_list(self) -> int:
        from storage.audit import AuditRepository

        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                rows = [
                    {
                        "id": a.id,
                        "at": a.at,
                        "actor": a.actor,
                        "actor_staff_id": a.actor_staff_id,
                        "action": a.action,
                        "person_id": a.person_id,
                        "detail": json.loads(a.detail) if a.detail else None,
                    }
                    for a in await AuditRepository(session).recent(limit=self.args.limit)
                ]
        finally:
            await db.dispose()
        self.emit(
            rows,
            ("id", "at", "actor", "actor_staff_id", "action", "person_id"),
        )
        return EXIT_OK

    async def crisis_lines(self) -> int:
        from signals.crisis import Situation
        from usecases.crisis_lines_report import COLUMNS, crisis_lines_report

        settings = self.settings()
        moment, rows = crisis_lines_report(
            settings,
            at=self.args.at,
            now=SystemClock().now(),
            language=self.args.language or settings.default_language,
            situations={Situation(s) for s in self.args.situation or ()},
        )
        if not self.args.json:
            when = table_value(moment, moment.tzinfo or UTC)
            self.out.write(f"the crisis reply at {when} would show:\n")
        self.emit(rows, COLUMNS)
        return EXIT_OK

    async def updates_set_aside(self) -> int:
        from storage.inbound import InboundRepository, update_kind

        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                rows = [
                    {
                        "update_id": u.update_id,
                        "kind": update_kind(u.payload),
                        "received_at": u.received_at,
                        "set_aside_at": u.set_aside_at,
                        "attempts": u.attempts,
                        "error": u.error,
                    }
                    for u in await InboundRepository(session).set_aside()
                ]
        finally:
            await db.dispose()
        self.emit(
            rows,
            ("update_id", "kind", "received_at", "set_aside_at", "attempts", "error"),
        )
        return EXIT_OK

    async def updates_retry(self) -> int:
        from storage.inbound import InboundRepository

        db = await self.database(self.settings())
        try:
            async with db.transaction() as session:
                retried = await InboundRepository(session).retry(self.args.update_id)
        finally:
            await db.dispose()
        if not retried:
            raise TsunagariError(f"no set-aside update {self.args.update_id} with its payload")
        self.out.write(f"update {self.args.update_id} will be handled again\n")
        return EXIT_OK

    async def signals_classify(self) -> int:
        from signals import Classifier, run_classify

        classifier: Classifier | None = None
        rules = getattr(self.args, "rules", None)
        if rules:
            classifier = Classifier.from_files(extra_rules=Path(rules))
        return run_classify(sys.stdin, self.out, explain=self.args.explain, classifier=classifier)

    async def signals_eval(self) -> int:
        from signals import Classifier, SignalsConfigError, run_eval
        from signals.evaluate import Metric

        # The organisation's rules as the bot would load them: --rules, else the config's
        # signals.extra_rules and disabled_rules, else the packaged rules.
        try:
            rules = getattr(self.args, "rules", None)
            if rules:
                classifier: Classifier | None = Classifier.from_files(extra_rules=Path(rules))
            else:
                cfg = self.settings().signals
                classifier = None
                if cfg.extra_rules is not None or cfg.disabled_rules:
                    classifier = Classifier.from_files(cfg.extra_rules, cfg.disabled_rules)
        except (ConfigError, SignalsConfigError, OSError) as exc:
            # Exit 1 means "below a threshold" to scripts; a setup problem must not look like it.
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            sys.stderr.write(f"tsunagari: error: {detail}\n")
            return EXIT_USAGE
        options = {
            Metric.CRITICAL_CAUGHT: self.args.min_critical,
            Metric.CONCERN_ESCALATED: self.args.min_concern,
            Metric.FALSE_CRITICAL: self.args.max_false_critical,
            Metric.FALSE_CONCERN: self.args.max_false_concern,
            Metric.CRITICAL_NONE: self.args.max_critical_none,
        }
        return run_eval(
            Path(self.args.file),
            self.out,
            sys.stderr,
            thresholds={m: v for m, v in options.items() if v is not None},
            by_category=self.args.by_category,
            misses=self.args.misses,
            as_json=self.args.json,
            classifier=classifier,
        )


def _rate(value: str) -> float:
    """A threshold: a fraction (0.97) or a percentage (97%)."""
    text = value.strip()
    try:
        rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        rate = -1.0
    if not 0.0 <= rate <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a rate such as 0.97 or 97%, got {value!r}")
    return rate


Handler = Callable[["Cli"], Coroutine[Any, Any, int]]


def _add(
    common: argparse.ArgumentParser, parent: Any, name: str, handler: Handler, help_: str
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = parent.add_parser(name, parents=[common], help=help_)
    p.set_defaults(handler=handler)
    return p


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="configuration file (default ./config.toml, or $TSUNAGARI_CONFIG)",
    )
    parser = argparse.ArgumentParser(
        prog="tsunagari",
        parents=[common],
        description="A Telegram check-in bot for accompaniment-type support (伴走型支援).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = _add(
        common, sub, "run", Cli.run, "run the bot (long polling, or webhook when configured)"
    )
    run.add_argument(
        "--role",
        choices=["all", "worker"],
        default="all",
        help="all: receive updates, run the steps and deliver (default); worker: run the "
        "steps and deliver beside an instance that receives (several instances need "
        "PostgreSQL)",
    )
    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, metavar="SUBCOMMAND"
    )
    _add(common, db, "upgrade", Cli.db_upgrade, "create or migrate the schema")
    demo = _add(common, sub, "demo", Cli.demo, "run the demo against the local Bot API stand-in")
    demo.add_argument("--slow", action="store_true", help="pause between scenes, for reading")

    _records_commands(sub, common)
    _crisis_and_updates_commands(sub, common)
    _signals_commands(sub, common)
    return parser


def _records_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Staff, invites, people, escalations and the audit log."""
    staff = sub.add_parser("staff", help="staff members").add_subparsers(
        dest="staff_command", required=True, metavar="SUBCOMMAND"
    )
    staff_add = _add(common, staff, "add", Cli.staff_add, "register a worker or coordinator")
    staff_add.add_argument("--telegram-id", type=int, required=True)
    staff_add.add_argument("--role", choices=[r.value for r in StaffRole], required=True)
    staff_add.add_argument("--name", required=True)
    staff_off = _add(common, staff, "deactivate", Cli.staff_deactivate, "deactivate a staff member")
    staff_off.add_argument("--telegram-id", type=int, required=True)
    staff_list = _add(common, staff, "list", Cli.staff_list, "list staff")
    staff_list.add_argument("--json", action="store_true")

    invite = sub.add_parser("invite", help="enrolment invites").add_subparsers(
        dest="invite_command", required=True, metavar="SUBCOMMAND"
    )
    invite_create = _add(
        common, invite, "create", Cli.invite_create, "print a one-time enrolment link"
    )
    invite_create.add_argument("--worker-telegram-id", type=int, required=True)

    people = sub.add_parser("people", help="people receiving support").add_subparsers(
        dest="people_command", required=True, metavar="SUBCOMMAND"
    )
    people_list = _add(common, people, "list", Cli.people_list, "list people")
    people_list.add_argument("--json", action="store_true")

    people_show = _add(
        common, people, "show", Cli.people_show, "one person: record, ties and timeline (audited)"
    )
    people_show.add_argument("ref", metavar="REF", help="the person's id or Telegram id")
    people_show.add_argument("--json", action="store_true")
    _resources_commands(sub, common)

    esc = sub.add_parser("escalations", help="the escalation queue").add_subparsers(
        dest="esc_command", required=True, metavar="SUBCOMMAND"
    )
    esc_list = _add(common, esc, "list", Cli.escalations_list, "list open escalations")
    esc_list.add_argument("--all", action="store_true", help="include closed ones")
    esc_list.add_argument("--json", action="store_true")

    audit = sub.add_parser("audit", help="the audit log").add_subparsers(
        dest="audit_command", required=True, metavar="SUBCOMMAND"
    )
    audit_list = _add(common, audit, "list", Cli.audit_list, "list audit entries, newest first")
    audit_list.add_argument("--json", action="store_true")
    audit_list.add_argument("--limit", type=int, default=1000)


def _resources_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    from domain.ties import ResourceKind

    resources = sub.add_parser("resources", help="community resources").add_subparsers(
        dest="resources_command", required=True, metavar="SUBCOMMAND"
    )
    add = _add(common, resources, "add", Cli.resources_add, "add a community resource")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, choices=[k.value for k in ResourceKind])
    for option in ("--area", "--contact", "--hours", "--url"):
        add.add_argument(option)
    imported = _add(
        common, resources, "import", Cli.resources_import, "add resources from a CSV file"
    )
    imported.add_argument(
        "file", metavar="FILE.csv", help="header: name,kind[,area,contact,hours,url,notes,active]"
    )
    listed = _add(common, resources, "list", Cli.resources_list, "list community resources")
    listed.add_argument("--json", action="store_true")


def _crisis_and_updates_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    crisis = _add(
        common,
        sub,
        "crisis-lines",
        Cli.crisis_lines,
        "the crisis lines the reply would show at a time",
    )
    crisis.add_argument(
        "--at",
        metavar="TIME",
        help="'YYYY-MM-DD HH:MM' in the organisation's time zone (default: now)",
    )
    crisis.add_argument(
        "--situation",
        action="append",
        choices=["violence", "child", "sexual_violence"],
        help="what the message was about (may be repeated)",
    )
    crisis.add_argument("--language", choices=["ja", "en"], help="the person's language")
    crisis.add_argument("--json", action="store_true")

    updates = sub.add_parser("updates", help="incoming Telegram updates").add_subparsers(
        dest="updates_command", required=True, metavar="SUBCOMMAND"
    )
    set_aside = _add(
        common, updates, "set-aside", Cli.updates_set_aside, "list updates set aside after failing"
    )
    set_aside.add_argument("--json", action="store_true")
    retry = _add(common, updates, "retry", Cli.updates_retry, "handle a set-aside update again")
    retry.add_argument("update_id", type=int, metavar="ID")


def _signals_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    signals = sub.add_parser("signals", help="distress signals").add_subparsers(
        dest="signals_command", required=True, metavar="SUBCOMMAND"
    )
    classify = _add(
        common,
        signals,
        "classify",
        Cli.signals_classify,
        "classify one message a line from stdin as JSON lines",
    )
    classify.add_argument("--explain", action="store_true", help="a readable account instead")
    classify.add_argument("--rules", metavar="PATH", help="an extra rules file")
    evaluate = _add(
        common,
        signals,
        "eval",
        Cli.signals_eval,
        "score the classifier on labelled messages (label, also-accepted, text[, category])",
    )
    evaluate.add_argument("file", metavar="FILE.tsv", help="the labelled messages")
    evaluate.add_argument("--by-category", action="store_true", help="figures per category")
    evaluate.add_argument("--misses", action="store_true", help="list every wrong answer")
    evaluate.add_argument("--json", action="store_true", help="one JSON object, for scripts")
    evaluate.add_argument("--rules", metavar="PATH", help="an extra rules file")
    for flag, what in (
        ("--min-critical", "lowest share of critical answered critical (or accepted)"),
        ("--min-concern", "lowest share of concern answered concern or critical"),
        ("--max-false-critical", "highest share of everyday talk answered critical"),
        ("--max-false-concern", "highest share of everyday talk answered concern"),
        ("--max-critical-none", "highest share of critical answered none"),
    ):
        evaluate.add_argument(flag, type=_rate, metavar="X", help=f"{what}; exit 1 if not met")


def _failure_line(cli: Cli, exc: DBAPIError | OSError) -> str:
    """What failed, in one line: the database named precisely when the command used it."""
    if cli.touches_database and cli.loaded is not None:
        described = describe_database_failure(exc, cli.loaded.database.url)
        if described is not None:
            return f"database error: {described}"
    if isinstance(exc, DBAPIError):
        return f"database error: {type(exc.orig or exc).__name__}; check database.url"
    return f"error: {exc.strerror or exc}"


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cli = Cli(args, os.environ if env is None else env, sys.stdout)
    try:
        result: int = asyncio.run(args.handler(cli))
        return result
    except ConfigError as exc:
        # One line per bad key, each saying what to fix.
        for line in str(exc).splitlines():
            sys.stderr.write(f"tsunagari: configuration error: {line}\n")
    except DatabaseProblem as exc:
        sys.stderr.write(f"tsunagari: database error: {exc}\n")
    except TsunagariError as exc:
        sys.stderr.write(f"tsunagari: error: {exc}\n")
    except (DBAPIError, OSError) as exc:
        sys.stderr.write(f"tsunagari: {_failure_line(cli, exc)}\n")
    except KeyboardInterrupt:
        return 130
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
