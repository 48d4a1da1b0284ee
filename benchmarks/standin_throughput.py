"""Throughput of the Bot API stand-in: validated sendMessage requests per second.

Runs the stand-in in a child process (``python -m standin``) so that client and server each
get a core, then fires form-encoded sendMessage requests (the way python-telegram-bot sends
them, inline keyboard included) from a pool of concurrent aiohttp clients. Also times the
precompiled validator on its own to show it is not the bottleneck.

    .venv/bin/python benchmarks/standin_throughput.py --requests 20000 --concurrency 64
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

import aiohttp

from standin.validation import load_spec

TOKEN = "123456:BENCH"
MARKUP = json.dumps(
    {
        "inline_keyboard": [
            [{"text": "😊", "callback_data": "mood:1"}, {"text": "😐", "callback_data": "mood:2"}],
            [{"text": "😞", "callback_data": "mood:3"}],
        ]
    }
)


def bench_validator(n: int) -> float:
    method = load_spec().method("sendMessage")
    assert method is not None
    params = {"chat_id": "1001", "text": "How are you today?", "reply_markup": MARKUP}
    started = time.perf_counter()
    for _ in range(n):
        method.validate(params, from_form=True)
    return n / (time.perf_counter() - started)


async def bench_http(port: int, total: int, concurrency: int, chats: int) -> float:
    url = f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage"
    counter = iter(range(total))
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        for i in counter:
            form = {
                "chat_id": str(1000 + i % chats),
                "text": f"check-in {i}",
                "reply_markup": MARKUP,
            }
            async with session.post(url, data=form) as response:
                await response.read()
                failures += response.status != 200

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{failures} requests failed")
    return total / elapsed


async def wait_until_up(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(f"http://127.0.0.1:{port}/_control/stats"):
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise SystemExit("stand-in did not start")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--port", type=int, default=18081)
    args = parser.parse_args()

    print(f"validator alone: {bench_validator(50_000):,.0f} sendMessage validations/s")
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before any timing
        [
            sys.executable,
            "-m",
            "standin",
            "--port",
            str(args.port),
            "--token",
            TOKEN,
            "--no-record",
            "--lenient-chats",
            "--max-messages-per-chat",
            "50",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        await wait_until_up(args.port)
        rate = await bench_http(args.port, args.requests, args.concurrency, args.chats)
        print(f"HTTP: {rate:,.0f} validated sendMessage requests/s ({args.requests:,} requests)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
