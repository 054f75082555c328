"""Data-file faults exit 2 with one line of advice and no traceback (issue 13, #7).

A supervisor restarts on exit 1 and loops forever on a fault that only a person can fix, so
every one of these is exit code 2. Read-only folders are real: the tests run as root, who
ignores permissions, so the folder is bind-mounted read-only in a private mount namespace
(`unshare -m`), which is seen by the bot's process only.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.standin import BotApiStandIn
from tests.test_data_safety import bot_env, small_knowledge

PROJECT_ROOT = Path(__file__).resolve().parent.parent
READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'


def _can_mount_read_only() -> bool:
    try:
        probe = subprocess.run(
            ["unshare", "-m", "sh", "-c", READ_ONLY, "sh", "/tmp", "true"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


needs_read_only_mount = pytest.mark.skipif(
    not _can_mount_read_only(), reason="needs `unshare -m` and bind mounts (root)"
)


async def run(
    env: dict[str, str], cwd: Path, *args: str, read_only: Path | None = None
) -> tuple[int, str]:
    """`python -m bot ARGS` (in a read-only view of `read_only`); (exit code, stderr)."""
    command = [sys.executable, "-m", "bot", *args]
    if read_only is not None:
        command = ["unshare", "-m", "sh", "-c", READ_ONLY, "sh", str(read_only), *command]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def assert_exit_2_with_advice(code: int, stderr: str, *advice: str) -> str:
    last = stderr.strip().splitlines()[-1]
    assert code == 2, stderr[-3000:]
    assert "Traceback" not in stderr and "Event loop is closed" not in stderr, stderr[-3000:]
    assert last.startswith("error: "), stderr[-3000:]
    for words in advice:
        assert words in last, last
    return last


def state_env(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path, state: Path
) -> dict[str, str]:
    env = bot_env(
        api, tmp_path, DATABASE_PATH=str(knowledge_db), KNOWLEDGE_DIR=str(tmp_path / "none")
    )
    env["STATE_DATABASE_PATH"] = str(state)
    return env


@pytest.mark.parametrize("damage", ["random-bytes", "truncated-header"])
async def test_a_damaged_state_db_exits_2(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path, damage: str
) -> None:
    state = tmp_path / "state.sqlite3"
    if damage == "random-bytes":
        state.write_bytes(os.urandom(8192))
    else:
        shutil.copy(knowledge_db, state)  # a real SQLite file, cut inside its 100-byte header
        with state.open("r+b") as f:
            f.truncate(60)
    code, stderr = await run(state_env(api, tmp_path, knowledge_db, state), tmp_path, "run")
    assert_exit_2_with_advice(code, stderr, str(state), "STATE_DATABASE_PATH")


@needs_read_only_mount
@pytest.mark.parametrize("exists", [True, False], ids=["existing", "new"])
async def test_a_state_db_on_a_read_only_filesystem_exits_2(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path, exists: bool
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    state = folder / "state.sqlite3"
    if exists:
        import sqlite3

        with sqlite3.connect(state) as db:
            db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER)")
    env = state_env(api, tmp_path, knowledge_db, state)
    code, stderr = await run(env, tmp_path, "run", read_only=folder)
    assert_exit_2_with_advice(code, stderr, str(state), "writable")


@needs_read_only_mount
@pytest.mark.parametrize("damage", ["missing", "stale"])
async def test_a_knowledge_db_to_rebuild_in_a_read_only_folder_exits_2(
    api: BotApiStandIn, tmp_path: Path, damage: str
) -> None:
    knowledge = small_knowledge(tmp_path / "kn", "MARK")
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "k.sqlite3"
    if damage == "stale":
        path.write_bytes(b"an old or broken build" * 100)
    env = bot_env(api, tmp_path, DATABASE_PATH=str(path), KNOWLEDGE_DIR=str(knowledge))
    code, stderr = await run(env, tmp_path, "run", read_only=folder)
    assert_exit_2_with_advice(code, stderr, str(path), "DATABASE_PATH")


@needs_read_only_mount
async def test_build_in_a_read_only_folder_exits_2(api: BotApiStandIn, tmp_path: Path) -> None:
    knowledge = small_knowledge(tmp_path / "kn", "MARK")
    folder = tmp_path / "ro"
    folder.mkdir()
    env = bot_env(
        api, tmp_path, DATABASE_PATH=str(folder / "k.sqlite3"), KNOWLEDGE_DIR=str(knowledge)
    )
    code, stderr = await run(env, tmp_path, "build", read_only=folder)
    assert_exit_2_with_advice(code, stderr, "DATABASE_PATH", "writable")


@pytest.mark.parametrize("command", ["run", "build"])
async def test_one_file_for_both_databases_is_refused(
    api: BotApiStandIn, tmp_path: Path, command: str
) -> None:
    knowledge = small_knowledge(tmp_path / "kn", "MARK")
    same = tmp_path / "one.sqlite3"
    env = bot_env(api, tmp_path, DATABASE_PATH=str(same), KNOWLEDGE_DIR=str(knowledge))
    env["STATE_DATABASE_PATH"] = str(tmp_path / "." / "one.sqlite3")  # the same file, spelled apart
    code, stderr = await run(env, tmp_path, command)
    assert_exit_2_with_advice(code, stderr, "STATE_DATABASE_PATH", "DATABASE_PATH")
    assert not same.exists()
