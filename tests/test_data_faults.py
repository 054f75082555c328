"""Data-file faults exit 2 with one line of advice and no traceback (issue 13, #7).

A supervisor restarts on exit 1 and loops forever on a fault that only a person can fix, so
every one of these is exit code 2. Read-only folders are real: the tests run as root, who
ignores permissions, so the folder is bind-mounted read-only in a private mount namespace
(`unshare -m`), which is seen by the bot's process only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import READ_ONLY, assert_exit_2_with_advice, run_cli_async
from tests.support.harness import bot_env, serving_env
from tests.support.knowledge import small_knowledge
from tests.support.standin import BotApiStandIn


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


def read_only_folder(tmp_path: Path) -> Path:
    """The folder to show the bot read-only (`run_cli(read_only=…)`)."""
    folder = tmp_path / "ro"
    folder.mkdir()
    return folder


def knowledge_env(api: BotApiStandIn, tmp_path: Path, database: Path) -> dict[str, str]:
    """A bot with a one-entry knowledge folder to build `database` from."""
    knowledge = small_knowledge(tmp_path / "kn", "MARK")
    return bot_env(api, tmp_path, DATABASE_PATH=str(database), KNOWLEDGE_DIR=str(knowledge))


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
    env = serving_env(api, tmp_path, knowledge_db, STATE_DATABASE_PATH=str(state))
    result = await run_cli_async("run", env=env, cwd=tmp_path)
    assert_exit_2_with_advice(result, str(state), "STATE_DATABASE_PATH")


@needs_read_only_mount
@pytest.mark.parametrize("exists", [True, False], ids=["existing", "new"])
async def test_a_state_db_on_a_read_only_filesystem_exits_2(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path, exists: bool
) -> None:
    folder = read_only_folder(tmp_path)
    state = folder / "state.sqlite3"
    if exists:
        import sqlite3

        with sqlite3.connect(state) as db:
            db.execute("CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER)")
    env = serving_env(api, tmp_path, knowledge_db, STATE_DATABASE_PATH=str(state))
    result = await run_cli_async("run", env=env, cwd=tmp_path, read_only=folder)
    assert_exit_2_with_advice(result, str(state), "writable")


@needs_read_only_mount
@pytest.mark.parametrize("damage", ["missing", "stale"])
async def test_a_knowledge_db_to_rebuild_in_a_read_only_folder_exits_2(
    api: BotApiStandIn, tmp_path: Path, damage: str
) -> None:
    folder = read_only_folder(tmp_path)
    path = folder / "k.sqlite3"
    if damage == "stale":
        path.write_bytes(b"an old or broken build" * 100)
    env = knowledge_env(api, tmp_path, path)
    result = await run_cli_async("run", env=env, cwd=tmp_path, read_only=folder)
    assert_exit_2_with_advice(result, str(path), "DATABASE_PATH")


@needs_read_only_mount
async def test_build_in_a_read_only_folder_exits_2(api: BotApiStandIn, tmp_path: Path) -> None:
    folder = read_only_folder(tmp_path)
    env = knowledge_env(api, tmp_path, folder / "k.sqlite3")
    result = await run_cli_async("build", env=env, cwd=tmp_path, read_only=folder)
    assert_exit_2_with_advice(result, "DATABASE_PATH", "writable")


@pytest.mark.parametrize("command", ["run", "build"])
async def test_one_file_for_both_databases_is_refused(
    api: BotApiStandIn, tmp_path: Path, command: str
) -> None:
    same = tmp_path / "one.sqlite3"
    env = knowledge_env(api, tmp_path, same)
    env["STATE_DATABASE_PATH"] = str(tmp_path / "." / "one.sqlite3")  # the same file, spelled apart
    result = await run_cli_async(command, env=env, cwd=tmp_path)
    assert_exit_2_with_advice(result, "STATE_DATABASE_PATH", "DATABASE_PATH")
    assert not same.exists()
