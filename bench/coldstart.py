"""Cold start: process start to the first answer (`ask`) and to ready (`run`)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import statistics
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import PYTHON, bench_env, proc_status

if TYPE_CHECKING:  # imported where used: the stand-in needs aiohttp
    from tests.support.standin import BotApiStandIn

QUESTION = "김태훈 연봉 얼마야?"
READY_RE = re.compile(r"\bready\b", re.IGNORECASE)
TOKEN = "123:abc"


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def interpreter_start(runs: int) -> dict[str, Any]:
    """`python -c pass` and `python -c 'import bot.cli'`: the floor under any cold start."""
    result: dict[str, Any] = {}
    for label, code in (("python_s", "pass"), ("import_bot_cli_s", "import bot.cli")):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([PYTHON, "-c", code], check=True, env=bench_env())
            times.append(time.perf_counter() - start)
        result[label] = _median(times)
    return result


def cold_ask(db_path: Path, knowledge_dir: Path, runs: int) -> dict[str, Any]:
    """Median wall time from spawning `python -m bot ask --json Q` to its JSON line."""
    env = bench_env(DATABASE_PATH=db_path, KNOWLEDGE_DIR=knowledge_dir)
    first: list[float] = []
    exits: list[float] = []
    answered = None
    for run in range(runs + 1):  # run 0 warms the file cache and is not counted
        start = time.perf_counter()
        proc = subprocess.Popen(
            [PYTHON, "-m", "bot", "ask", "--json", QUESTION],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        answer_at = time.perf_counter()
        _, err = proc.communicate(timeout=60)
        done_at = time.perf_counter()
        if proc.returncode != 0 or not line.startswith("{"):
            raise RuntimeError(f"python -m bot ask failed (exit {proc.returncode}): {err[-2000:]}")
        answered = '"answered": true' in line
        if run:
            first.append(answer_at - start)
            exits.append(done_at - start)
    return {
        "question": QUESTION,
        "runs": runs,
        "first_answer_s": _median(first),
        "first_answer_min_s": min(first),
        "first_answer_max_s": max(first),
        "exit_s": _median(exits),
        "answered": answered,
    }


def importtime(db_path: Path, knowledge_dir: Path, limit: int = 12) -> list[dict[str, Any]]:
    """Own import time of a cold `ask` per package (per module for bot.*), slowest first."""
    env = bench_env(DATABASE_PATH=db_path, KNOWLEDGE_DIR=knowledge_dir)
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "bot", "ask", "--json", QUESTION],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    own_by_package: dict[str, int] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, _, name = line.split(":", 1)[1].split("|", 2)
        module = name.strip()
        package = module if module.startswith("bot.") else module.split(".")[0]
        own_by_package[package] = own_by_package.get(package, 0) + int(own)
    rows: list[dict[str, Any]] = [
        {"package": p, "own_ms": us / 1000} for p, us in own_by_package.items()
    ]
    rows.sort(key=lambda r: r["own_ms"], reverse=True)
    return rows[:limit]


def bot_process_env(
    api: BotApiStandIn, db_path: Path, knowledge_dir: Path, state_db: Path, **extra: str | Path
) -> dict[str, str]:
    """The environment of a bot process polling `api` (INFO: it logs its ready line)."""
    return bench_env(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=api.base_url,
        DATABASE_PATH=db_path,
        KNOWLEDGE_DIR=knowledge_dir,
        STATE_DATABASE_PATH=state_db,
        FEEDBACK_SALT="bench-salt",
        LOG_LEVEL="INFO",
        **extra,
    )


async def _drain(stream: asyncio.StreamReader, lines: list[str], ready: asyncio.Event) -> None:
    while True:
        raw = await stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace")
        lines.append(line)
        if READY_RE.search(line) and not ready.is_set():
            ready.set()


async def start_bot_process(
    api: BotApiStandIn, env: dict[str, str], args: list[str], *, timeout: float = 60.0
) -> tuple[asyncio.subprocess.Process, dict[str, Any], list[str], asyncio.Task[None]]:
    """Spawn a bot process polling `api`; wait for its ready line and first getUpdates.

    Returns the process, the timings (seconds from spawn), its stderr lines so far (the
    list keeps filling) and the task draining stderr.
    """
    api.clear()
    ready = asyncio.Event()
    lines: list[str] = []
    start = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stderr is not None
    drain = asyncio.create_task(_drain(proc.stderr, lines, ready))
    timings: dict[str, Any] = {}

    async def ready_line() -> None:
        await ready.wait()
        timings["ready_line_s"] = time.perf_counter() - start

    async def first_poll() -> None:
        await api.wait_for("getUpdates", finished=False, timeout=timeout)
        timings["first_get_updates_s"] = time.perf_counter() - start

    waiters = [asyncio.create_task(ready_line()), asyncio.create_task(first_poll())]
    exited = asyncio.create_task(proc.wait())
    watched: list[asyncio.Future[Any]] = [asyncio.gather(*waiters), exited]
    done, _ = await asyncio.wait(watched, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    if exited in done or not all(w.done() and not w.cancelled() for w in waiters):
        for w in waiters:
            w.cancel()
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        await drain
        raise RuntimeError("the bot did not become ready:\n" + "".join(lines[-40:]))
    exited.cancel()
    timings["rss_ready_kb"] = proc_status(proc.pid).get("VmRSS")
    return proc, timings, lines, drain


async def stop_bot_process(
    proc: asyncio.subprocess.Process, drain: asyncio.Task[None], *, timeout: float = 15.0
) -> tuple[int | None, float]:
    """SIGTERM the bot and wait for it; returns (exit code, seconds to exit)."""
    start = time.perf_counter()
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        proc.kill()
        code = await proc.wait()
    await drain
    return code, time.perf_counter() - start


async def bot_ready(
    db_path: Path, knowledge_dir: Path, state_dir: Path, runs: int
) -> dict[str, Any]:
    """Median time from spawning `python -m bot run` to ready, against the stand-in."""
    from tests.support.standin import BotApiStandIn

    ready_line: list[float] = []
    first_poll: list[float] = []
    rss: list[int] = []
    stops: list[float] = []
    codes: list[int | None] = []
    async with BotApiStandIn() as api:
        env = bot_process_env(api, db_path, knowledge_dir, state_dir / "state.sqlite3")
        for run in range(runs + 1):  # run 0 warms the file cache and creates the state DB
            proc, timings, _, drain = await start_bot_process(
                api, env, [PYTHON, "-m", "bot", "run"]
            )
            code, stop_s = await stop_bot_process(proc, drain)
            if run:
                ready_line.append(timings["ready_line_s"])
                first_poll.append(timings["first_get_updates_s"])
                if timings.get("rss_ready_kb"):
                    rss.append(timings["rss_ready_kb"])
                stops.append(stop_s)
                codes.append(code)
    return {
        "runs": runs,
        "ready_line_s": _median(ready_line),
        "first_get_updates_s": _median(first_poll),
        "ready_s": _median([max(a, b) for a, b in zip(ready_line, first_poll, strict=True)]),
        "ready_max_s": max(max(a, b) for a, b in zip(ready_line, first_poll, strict=True)),
        "rss_ready_kb": int(statistics.median(rss)) if rss else None,
        "sigterm_exit_s": _median(stops),
        "exit_codes": sorted(set(codes), key=str),
    }
