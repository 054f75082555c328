"""The hardened webhook (issue 13, #2 and #3): bounded in time, connections and memory.

In-process tests drive `serve_webhook` (the bot's own server, bot/telegram/webhook.py) with
raw HTTP; the abuse tests run `python -m bot run --webhook-url …` as a subprocess with the
systemd default of 1024 open files and measure its log and its peak memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import resource
import signal
import socket
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.telegram.app import build_application, serve_webhook, webhook_options
from bot.telegram.shutdown import BoundedStop
from tests.support import updates as u
from tests.support.harness import make_settings, serving_env, start_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import SALARY_QUESTION, SALARY_QUOTE, person, to_chat

SECRET = "webhook-Secret_123"
HOOK_URL = "https://bot.example.org/tg-hook"
ASKER = person(80)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def post(
    port: int,
    body: bytes,
    *,
    secret: str | None = SECRET,
    content_type: str = "application/json",
    path: str = "/tg-hook",
    length: int | None = None,
    timeout: float = 5.0,
) -> int:
    """POST `body` with a raw socket; the status code (0 if the server closed without one)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [
            f"POST {path} HTTP/1.1",
            "Host: 127.0.0.1",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body) if length is None else length}",
        ]
        if secret is not None:
            head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
        with contextlib.suppress(ConnectionError):
            writer.write(body)
            await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        return int(line.split()[1]) if line else 0
    except ConnectionError:
        return 0
    finally:
        writer.transport.abort()


def update_body(update: u.JSON) -> bytes:
    return json.dumps(update, ensure_ascii=False).encode()


@pytest.fixture
async def webhook(api: BotApiStandIn, tmp_path: Path, engine: Engine) -> AsyncIterator[int]:
    """The bot serving its webhook in this process; yields the port."""
    settings = make_settings(api, tmp_path, webhook_secret_token=SECRET)
    port = free_port()
    options = webhook_options(settings, webhook_url=HOOK_URL, listen="127.0.0.1", port=port)
    stop = BoundedStop()
    application = build_application(settings, engine, stop=stop)
    task = asyncio.create_task(serve_webhook(application, stop, **options, handle_signals=False))
    await api.wait_for("setWebhook")
    for _ in range(100):
        with contextlib.suppress(OSError):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        await asyncio.sleep(0.05)
    try:
        yield port
    finally:
        stop.request()
        await asyncio.wait_for(task, timeout=15)


async def test_the_webhook_answers_a_valid_update_and_refuses_the_rest_before_the_body(
    webhook: int, api: BotApiStandIn
) -> None:
    update = u.message_update(SALARY_QUESTION, from_user=ASKER)
    update["update_id"] = 930_000_001
    api.register_message(update["message"])
    body = update_body(update)
    assert await post(webhook, body, secret=None) == 403
    assert await post(webhook, body, secret="wrong") == 403
    assert await post(webhook, body, content_type="text/plain") == 415
    assert await post(webhook, body, path="/elsewhere") == 404
    # 1 MB at most, refused on the header alone: no body is sent at all.
    assert await post(webhook, b"", length=60_000_000) == 413
    assert api.calls_to("sendMessage") == []
    assert await post(webhook, body) == 200
    assert await post(webhook, body) == 200  # Telegram re-sent it: answered once
    [reply] = await api.wait_for("sendMessage", to_chat(ASKER["id"]))
    assert SALARY_QUOTE in reply.params["text"]
    await asyncio.sleep(0.3)
    assert len([c for c in api.calls_to("sendMessage") if to_chat(ASKER["id"])(c)]) == 1
    [registered] = api.calls_to("setWebhook")
    assert registered.params["secret_token"] == SECRET


async def test_an_unreadable_update_is_skipped_without_its_data(
    webhook: int,
    api: BotApiStandIn,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG)
    broken = {"update_id": 930_000_002, "message": {"text": "PRIVATE-TEXT", "chat": "?"}}
    assert await post(webhook, update_body(broken)) == 200  # skipped, not retried forever
    assert not any("PRIVATE-TEXT" in r.getMessage() for r in caplog.records)
    assert any("skipped update 930000002" in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------------------ subprocess


def low_open_files_limit() -> None:
    """In the bot's process only: the systemd default of 1024 open files."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


@pytest.fixture
async def webhook_process(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int, Path]]:
    port = free_port()
    log_path = tmp_path / "bot.log"
    env = serving_env(api, tmp_path, knowledge_db, WEBHOOK_SECRET_TOKEN=SECRET)
    with log_path.open("wb") as log_file:
        process = await start_bot(
            env,
            tmp_path,
            *("run", "--webhook-url", HOOK_URL, "--listen", "127.0.0.1", "--port", str(port)),
            stdout=log_file,
            stderr=log_file,
            preexec_fn=low_open_files_limit,
        )
    try:
        await api.wait_for("setWebhook", timeout=30)
        for _ in range(200):  # until it accepts connections
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.transport.abort()
                break
            await asyncio.sleep(0.05)
        yield process, port, log_path
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def raise_own_open_files_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"this test needs {needed} open files; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


HALF_OPEN = 1_100


async def test_1100_half_open_connections_leave_a_valid_update_answered_and_the_log_small(
    api: BotApiStandIn,
    webhook_process: tuple[asyncio.subprocess.Process, int, Path],
) -> None:
    process, port, log_path = webhook_process
    raise_own_open_files_limit(HALF_OPEN + 200)
    size_before = log_path.stat().st_size
    half_open: list[socket.socket] = []
    started = time.monotonic()
    try:
        for n in range(HALF_OPEN):  # half a header each, then silence
            sock = socket.socket()
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", port))
            half_open.append(sock)
            if n % 100 == 99:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        for sock in half_open:
            with contextlib.suppress(OSError):
                sock.send(b"POST /tg-hook HTTP/1.1\r\nHost: x\r\nContent-")
        await asyncio.sleep(1.0)
        update = u.message_update(SALARY_QUESTION, from_user=ASKER)
        api.register_message(update["message"])
        update["update_id"] = 930_000_100
        answered_at = None
        for _ in range(20):  # Telegram retries a failed delivery; so does this client
            if await post(port, update_body(update)) == 200:
                answered_at = time.monotonic() - started
                break
            await asyncio.sleep(0.5)
        assert answered_at is not None, "the valid update was never accepted"
        await api.wait_for("sendMessage", to_chat(ASKER["id"]), timeout=10)
        await asyncio.sleep(max(0.0, 12 - (time.monotonic() - started)))  # past the timeout
    finally:
        for sock in half_open:
            sock.close()
    grown = log_path.stat().st_size - size_before
    text = log_path.read_text(errors="replace")
    assert process.returncode is None  # still running
    assert "Too many open files" not in text and "Traceback" not in text, text[-3000:]
    assert grown < 20_000, text[-3000:]
    print(f"valid update accepted after {answered_at:.2f} s; log grew {grown} bytes")


async def test_ten_60_mb_bodies_without_the_secret_keep_memory_bounded(
    webhook_process: tuple[asyncio.subprocess.Process, int, Path],
) -> None:
    process, port, _ = webhook_process
    before = peak_rss_mb(process.pid)
    chunk = b"x" * (1 << 20)

    async def send_60_mb() -> None:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(
                b"POST /tg-hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 62914560\r\n\r\n"
            )
            for _ in range(60):
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass  # refused after the headers: what should happen
        finally:
            writer.transport.abort()

    await asyncio.wait_for(asyncio.gather(*(send_60_mb() for _ in range(10))), timeout=60)
    after = peak_rss_mb(process.pid)
    print(f"peak RSS {before:.0f} MB before, {after:.0f} MB after ten 60 MB bodies")
    assert after - before < 20, (before, after)


def test_a_repeated_event_is_logged_once_per_interval_with_a_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bot.telegram.webhook import ThrottledLog

    now = [0.0]
    throttled = ThrottledLog(logging.getLogger("t"), 60.0, clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="t"):
        for _ in range(1000):
            throttled.log(logging.WARNING, "too many open connections")
        now[0] = 61.0
        throttled.log(logging.WARNING, "too many open connections")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "webhook: too many open connections",
        "webhook: too many open connections (999 more since the last report)",
    ]


async def test_slow_clients_are_cut_off_and_the_oldest_waiting_is_evicted_for_a_new_one() -> None:
    from bot.telegram.webhook import WebhookLimits, WebhookServer

    delivered: list[object] = []

    async def deliver(update: object) -> None:
        delivered.append(update)

    limits = WebhookLimits(max_connections=3, header_seconds=0.5, body_seconds=0.5)
    server = WebhookServer(path="/tg-hook", secret=SECRET, deliver=deliver, limits=limits)
    await server.start("127.0.0.1", 0)
    try:
        slow = []
        for _ in range(3):  # fill every connection with half a header
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(b"POST /tg-hook HTTP/1.1\r\nHost: x\r\n")
            slow.append((reader, writer))
        await asyncio.sleep(0.1)
        assert server.open_connections() == 3
        # A whole request still gets in: it evicts the oldest connection still sending.
        assert await post(server.port, b'{"update_id": 1}') == 200
        assert delivered == [{"update_id": 1}]
        assert await asyncio.wait_for(slow[0][0].read(), 1) == b""  # evicted
        # The others are closed once their time for the headers is up.
        started = time.monotonic()
        for reader, _ in slow[1:]:
            await asyncio.wait_for(reader.read(), 2)
        assert time.monotonic() - started < 1.0
        assert server.open_connections() == 0
    finally:
        for _, writer in slow:
            writer.transport.abort()
        await server.stop()
