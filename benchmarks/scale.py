"""Scale of the check-in engine: 1,000,000 people in SQLite, most of them not due.

Measures, against the Bot API stand-in (a child process):
* start-up: building the `Runtime` and `start()` (schema check through Alembic, getMe,
  menus, loops, the tick job) until it returns ready; goal < 3 s;
* an idle tick: `Runtime.tick()` (resume, dispatch, nudge, silence, menus) and each step
  alone when nothing is due, median and p99 over `--ticks` ticks; goal < 20 ms;
* resident memory of the bot process after start-up and the ticks (VmRSS / VmHWM);
  goal < 250 MiB;
* the query plans of the idle tick's queries (each must search an index, not scan a table).

The database is built by a child process (so its memory does not count), and the bot is
measured in a fresh interpreter. For comparison, `--jobqueue-comparison N` times the common
pattern of one python-telegram-bot JobQueue job per person (another child process).

    .venv/bin/python benchmarks/scale.py                       # 1,000,000 people
    .venv/bin/python benchmarks/scale.py --people 200000 --jobqueue-comparison 0
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("PTB_TIMEDELTA", "1")

from _common import (
    free_port,
    machine_line,
    rss_mib,
    standin_process,
    wait_until_up,
)

IMPORT_STARTED = time.perf_counter()
from sqlalchemy import select, text  # noqa: E402

from bot.runtime import Runtime  # noqa: E402
from domain.people import PersonStatus  # noqa: E402
from scheduler.dispatch import dispatch_due  # noqa: E402
from scheduler.pauses import resume_step  # noqa: E402
from scheduler.silence import nudge_step, silence_escalation_step  # noqa: E402
from standin.sandbox import SANDBOX_TOKEN, sandbox_settings  # noqa: E402
from storage.checkins import Checkin, CheckinState  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade_schema  # noqa: E402
from storage.outbox import OutboxMessage, OutboxState  # noqa: E402
from storage.people import Person  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - IMPORT_STARTED


def _sqlite_time(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text for an aware UTC instant."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build_database(path: str, people: int) -> None:
    """Schema through Alembic, then people and a check-in history in bulk with sqlite3.

    Nobody is due: next check-ins spread over the coming 24 hours, 10% have a nudge and a
    silence clock running (due later), 1% are paused until next week.
    """
    db = Database(f"sqlite+aiosqlite:///{path}")
    asyncio.run(upgrade_schema(db))
    asyncio.run(db.dispose())
    now = datetime.now(UTC)
    created = _sqlite_time(now - timedelta(days=60))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(
        "INSERT INTO staff (telegram_id, name, role, language, active, created_at)"
        " VALUES (900000001, 'Bench Worker', 'worker', 'ja', 1, ?)",
        (created,),
    )
    worker_id = conn.execute("SELECT id FROM staff").fetchone()[0]
    chunk = 50_000
    for start in range(0, people, chunk):
        person_rows = []
        checkin_rows = []
        for i in range(start, min(people, start + chunk)):
            person_id = i + 1
            next_at = now + timedelta(minutes=5, seconds=(i * 7919) % 86_400)
            last = next_at - timedelta(days=1)
            clocks = i % 10 == 0
            paused = i % 100 == 1
            person_rows.append((
                person_id, 7_000_000_000 + i, 7_000_000_000 + i, "ja" if i % 4 else "en",
                PersonStatus.PAUSED.value if paused else PersonStatus.ACTIVE.value,
                worker_id, created, created, _sqlite_time(next_at), _sqlite_time(last),
                _sqlite_time(last) if clocks else None,
                _sqlite_time(last + timedelta(days=2)) if clocks else None,
                _sqlite_time(now + timedelta(days=7)) if paused else None,
                "10:00", "daily", "Asia/Tokyo", "22:00-07:00", 6 * 3600, 2 * 86_400,
                "base", "closest", "loose",
            ))
            checkin_rows.append((
                person_id, person_id, "scheduled",
                CheckinState.SENT.value if clocks else CheckinState.REPLIED.value,
                _sqlite_time(last), _sqlite_time(last), _sqlite_time(last),
                _sqlite_time(now + timedelta(hours=5)) if clocks else None,
            ))
        conn.executemany(
            "INSERT INTO people (id, telegram_id, chat_id, language, status, worker_id,"
            " consented_at, created_at, next_checkin_at, last_checkin_at, silent_since,"
            " silence_due_at, paused_until, checkin_times, checkin_days, timezone,"
            " quiet_hours, nudge_after_s, escalate_after_s, cadence_level,"
            " cadence_tightest, cadence_loosest)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            person_rows,
        )
        conn.executemany(
            "INSERT INTO checkins (id, person_id, kind, state, due_at, created_at, sent_at,"
            " nudge_due_at) VALUES (?,?,?,?,?,?,?,?)",
            checkin_rows,
        )
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


async def explain(db: Database, now: datetime) -> list[tuple[str, str]]:
    """EXPLAIN QUERY PLAN of the idle tick's queries, as the steps build them."""
    queries = {
        "dispatch": select(Person)
        .where(Person.status == PersonStatus.ACTIVE, Person.next_checkin_at <= now)
        .order_by(Person.next_checkin_at).limit(500),
        "nudge": select(Checkin, Person).join(Person, Person.id == Checkin.person_id)
        .where(Checkin.nudge_due_at <= now, Checkin.state == CheckinState.SENT)
        .order_by(Checkin.nudge_due_at).limit(200),
        "silence": select(Person).where(Person.silence_due_at <= now)
        .order_by(Person.silence_due_at).limit(200),
        "resume": select(Person)
        .where(Person.status == PersonStatus.PAUSED, Person.paused_until <= now).limit(200),
        "outbox claim (pending)": select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.priority, OutboxMessage.id).limit(200),
        "outbox claim (expired)": select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.lease_until < now)
        .order_by(OutboxMessage.priority, OutboxMessage.id).limit(200),
    }
    plans = []
    async with db.engine.connect() as conn:
        for name, query in queries.items():
            compiled = query.compile(dialect=db.engine.dialect)
            rows = await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + str(compiled),
                tuple(compiled.construct_params()[k] if not isinstance(
                    compiled.construct_params()[k], datetime) else _sqlite_time(
                    compiled.construct_params()[k]) for k in compiled.positiontup or ()),
            )
            plans.append((name, "; ".join(str(r[-1]) for r in rows)))
    return plans


def _stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1e3:6.2f} ms, p99 {p99 * 1e3:6.2f} ms"


READ_AFTER_TICKS = (
    "ありがとう、元気です",
    "もう消えたい",
    "sorry, busy week. I'm ok",
    "I can't do this anymore",
    "ガスが止まった",
)


async def measure_bot(path: str, base_url: str, ticks: int) -> dict[str, Any]:
    """In a fresh interpreter: start-up, idle ticks, memory."""
    settings = sandbox_settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        base_url=f"{base_url}/bot",
        extra={"scheduler": {"tick": "1h"}},  # ticks are driven by hand below
    )
    rss_before = rss_mib()[0]
    started = time.perf_counter()
    runtime = Runtime(settings)
    await runtime.start()
    startup = time.perf_counter() - started
    rss_started = rss_mib()
    svc = runtime.svc
    await asyncio.sleep(0.5)  # the tick job's first run (menus) and the loops settle
    await runtime.tick()
    tick_samples: list[float] = []
    step_samples: dict[str, list[float]] = {"resume": [], "dispatch": [], "nudge": [],
                                            "silence": []}
    steps = {"resume": resume_step, "dispatch": dispatch_due, "nudge": nudge_step,
             "silence": silence_escalation_step}
    found_any = False
    for _ in range(ticks):
        t = time.perf_counter()
        found_any = await runtime.tick() or found_any
        tick_samples.append(time.perf_counter() - t)
        for name, step in steps.items():
            t = time.perf_counter()
            found_any = await step(svc, svc.clock.now()) or found_any
            step_samples[name].append(time.perf_counter() - t)
        await asyncio.sleep(0.01)
    plans = await explain(runtime.db, svc.clock.now())
    rss_after = rss_mib()
    # The classifier loads its analyser and model on the first messages that need them:
    # read a few, as the bot would after its first replies, so memory counts them.
    for message in READ_AFTER_TICKS:
        svc.classifier.classify(message)
    rss_classifier = rss_mib()
    async with runtime.db.engine.connect() as conn:
        people = (await conn.execute(text("SELECT count(*) FROM people"))).scalar_one()
    await runtime.stop()
    return {
        "people": people,
        "import_s": IMPORT_SECONDS,
        "startup_s": startup,
        "rss_before_runtime": rss_before,
        "rss_started": rss_started,
        "rss_after_ticks": rss_after,
        "rss_classifier": rss_classifier,
        "tick": tick_samples,
        "steps": step_samples,
        "found_work": found_any,
        "plans": plans,
    }


async def jobqueue_comparison(base_url: str, jobs: int) -> dict[str, float]:
    """One PTB JobQueue job per person (run_daily), the pattern the engine avoids."""
    from datetime import time as dtime
    from zoneinfo import ZoneInfo

    from telegram.ext import ApplicationBuilder, ContextTypes

    async def callback(_context: ContextTypes.DEFAULT_TYPE) -> None:
        return None

    app = ApplicationBuilder().token(SANDBOX_TOKEN).base_url(f"{base_url}/bot").updater(None) \
        .build()
    await app.initialize()
    await app.start()
    assert app.job_queue is not None
    rss0 = rss_mib()[0]
    tz = ZoneInfo("Asia/Tokyo")
    started = time.perf_counter()
    for i in range(jobs):
        at = dtime(9 + (i % 600) // 60, i % 60, tzinfo=tz)
        app.job_queue.run_daily(callback, time=at, data=i, name=f"checkin-{i}")
    elapsed = time.perf_counter() - started
    rss1, hwm = rss_mib()
    await app.stop()
    await app.shutdown()
    return {"jobs": jobs, "seconds": elapsed, "rss_before": rss0, "rss_after": rss1,
            "hwm": hwm}


def run_child(args: list[str]) -> Any:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--ticks", type=int, default=50)
    parser.add_argument("--jobqueue-comparison", type=int, default=100_000, metavar="N",
                        help="jobs for the one-job-per-person comparison (0: skip)")
    parser.add_argument("--database", help="reuse a database built by an earlier run")
    parser.add_argument("--child", choices=("build", "bot", "jobqueue"), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    if args.child == "build":
        started = time.perf_counter()
        build_database(args.database, args.people)
        print(json.dumps({"seconds": time.perf_counter() - started}))
        return
    if args.child == "bot":
        print(json.dumps(asyncio.run(measure_bot(args.database, args.base_url, args.ticks))))
        return
    if args.child == "jobqueue":
        print(json.dumps(asyncio.run(jobqueue_comparison(args.base_url,
                                                         args.jobqueue_comparison))))
        return

    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="tsunagari-scale-") as tmp:
        path = args.database or str(Path(tmp) / "scale.db")
        if not args.database:
            built = run_child(["--child", "build", "--database", path,
                               "--people", str(args.people)])
            size = Path(path).stat().st_size / 2**20
            print(f"built {args.people:,} people (+1 check-in each) in {built['seconds']:.0f} s;"
                  f" database {size:,.0f} MiB")
        port = free_port()
        with standin_process(SANDBOX_TOKEN, port) as base_url:
            asyncio.run(wait_until_up(base_url))
            bot = run_child(["--child", "bot", "--database", path, "--base-url", base_url,
                             "--ticks", str(args.ticks)])
            jq = None
            if args.jobqueue_comparison:
                jq = run_child(["--child", "jobqueue", "--base-url", base_url,
                                "--jobqueue-comparison", str(args.jobqueue_comparison)])

    print(f"people in the database: {bot['people']:,} (idle ticks found work: "
          f"{bot['found_work']})")
    print(f"imports (not in start-up): {bot['import_s']:.2f} s")
    goal = "met" if bot["startup_s"] < 3 else "NOT met"
    print(f"start-up (Runtime() + start(), schema check included): {bot['startup_s']:.2f} s "
          f"(goal < 3 s: {goal})")
    tick_p99 = sorted(bot["tick"])[round(0.99 * (len(bot["tick"]) - 1))]
    goal = "met" if statistics.median(bot["tick"]) < 0.020 and tick_p99 < 0.020 else "NOT met"
    print(f"idle Runtime.tick() over {len(bot['tick'])} ticks: {_stats(bot['tick'])} "
          f"(goal < 20 ms: {goal})")
    for name, samples in bot["steps"].items():
        print(f"  {name:<9} alone: {_stats(samples)}")
    rss = bot["rss_after_ticks"][0]
    rss_read, hwm = bot["rss_classifier"]
    goal = "met" if max(rss_read, hwm) < 250 else "NOT met"
    print(f"memory: VmRSS {bot['rss_before_runtime']:.0f} MiB before Runtime, "
          f"{bot['rss_started'][0]:.0f} MiB after start-up, {rss:.0f} MiB after the ticks, "
          f"{rss_read:.0f} MiB once the classifier has read messages; VmHWM {hwm:.0f} MiB "
          f"(goal < 250 MiB: {goal})")
    print("query plans of the idle tick (SQLite EXPLAIN QUERY PLAN):")
    for name, plan in bot["plans"]:
        print(f"  {name:<12} {plan}")
    if jq is not None:
        grew = jq["rss_after"] - jq["rss_before"]
        print(f"comparison, one JobQueue job per person: {jq['jobs']:,} run_daily jobs in "
              f"{jq['seconds']:.1f} s ({jq['seconds'] / jq['jobs'] * 1e3:.2f} ms each), "
              f"+{grew:.0f} MiB RSS ({grew * 1024 / jq['jobs']:.1f} KiB each), "
              f"VmHWM {jq['hwm']:.0f} MiB — paid at every start")


if __name__ == "__main__":
    main()
