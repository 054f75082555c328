"""`python -m bot` as a subprocess, the way a user runs it from the project folder."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support import PROJECT_ROOT

BOT = (sys.executable, "-m", "bot")
# Settings a developer may have exported; a test sets the ones it needs.
_DEVELOPER_SETTINGS = ("TELEGRAM_", "ADMIN_", "LOG_", "USER_RATE", "UNANSWERED_")
# `sh -c READ_ONLY sh FOLDER COMMAND…`, under `unshare -m`: COMMAND sees FOLDER read-only.
READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'


def cli_environment(
    *,
    db: Path | None = None,
    env: dict[str, str] | None = None,
    pythonpath: Path = PROJECT_ROOT,
) -> dict[str, str]:
    """This environment without the bot settings a developer may have exported, with no token,
    PYTHONPATH=`pythonpath`, DATABASE_PATH=`db` (when given) and `env` on top."""
    environment = {
        k: v for k, v in os.environ.items() if not k.upper().startswith(_DEVELOPER_SETTINGS)
    }
    # An empty token overrides any developer's .env, so the console chat is what starts.
    environment.update(TELEGRAM_BOT_TOKEN="", PYTHONPATH=str(pythonpath))
    if db is not None:
        environment["DATABASE_PATH"] = str(db)
    return {**environment, **(env or {})}


def run_cli(
    *args: str,
    stdin: str = "",
    db: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
    pythonpath: Path = PROJECT_ROOT,
    read_only: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` in `cwd`, in `cli_environment(db=db, env=env, pythonpath=…)`;
    with `read_only`, in a private mount namespace where that folder is read-only."""
    command = [*BOT, *args]
    if read_only is not None:
        command = ["unshare", "-m", "sh", "-c", READ_ONLY, "sh", str(read_only), *command]
    return subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=cli_environment(db=db, env=env, pythonpath=pythonpath),
        timeout=120,
        check=False,
    )


async def run_cli_async(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    """`run_cli` in a worker thread: the event loop (and a stand-in it serves) keeps running."""
    return await asyncio.to_thread(run_cli, *args, **options)


def assert_exit_2_with_advice(result: subprocess.CompletedProcess[str], *advice: str) -> str:
    """Exit code 2, no traceback, and a last line `error: …` holding every one of `advice`."""
    stderr = result.stderr
    last = stderr.strip().splitlines()[-1]
    assert result.returncode == 2, stderr[-3000:]
    assert "Traceback" not in stderr and "Event loop is closed" not in stderr, stderr[-3000:]
    assert last.startswith("error: "), stderr[-3000:]
    for words in advice:
        assert words in last, last
    return last
