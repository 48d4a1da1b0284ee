"""Run the stand-in standalone: ``python -m standin --port 8081 --token 123:ABC``.

Point the bot at ``http://HOST:PORT/bot`` and drive users through ``/_control/`` with curl.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from standin.server import BotApiStandIn


async def _serve(args: argparse.Namespace) -> None:
    standin = BotApiStandIn(
        token=args.token,
        bot_username=args.bot_username,
        record_requests=not args.no_record,
        max_messages_per_chat=args.max_messages_per_chat,
        strict_chats=not args.lenient_chats,
        enforce_flood_limits=args.flood_limits,
    )
    await standin.start(host=args.host, port=args.port)
    print(
        f"Bot API stand-in: base_url={standin.base_url} control={standin.url}/_control/",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await standin.stop()
        if standin.violations:
            print(f"{len(standin.violations)} spec violation(s):")
            for violation in standin.violations:
                print(f"  {violation.method}: {violation.description}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="tsunagari_test_bot")
    parser.add_argument("--no-record", action="store_true", help="keep counters only")
    parser.add_argument("--max-messages-per-chat", type=int, default=1000)
    parser.add_argument(
        "--lenient-chats", action="store_true", help="accept sends to unknown chat ids"
    )
    parser.add_argument("--flood-limits", action="store_true", help="emulate 429 flood control")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
