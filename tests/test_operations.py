"""Operating the bot from the command line: bad settings, .env discovery, eval input errors,
--version and -v, a non-editable install, the last good knowledge, backups, docs.

Every error is checked for its exit code and its one-line message.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.state import StateStore, Vote
from tests.support import KNOWLEDGE_DIR, PROJECT_ROOT
from tests.support.cli import BOT, cli_environment, run_cli, run_cli_async


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single `error:` line of a failed command (and no traceback)."""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def db_env(tmp_path: Path) -> dict[str, str]:
    return {"DATA_DIR": str(tmp_path / "data")}


# ------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("setting", "value", "expected"),
    [
        ("ADMIN_IDS", "abc", "ADMIN_IDS: must be numeric Telegram user ids"),
        ("USER_RATE_LIMIT", "0", "USER_RATE_LIMIT: Input should be greater than or equal to 1"),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL: must be one of DEBUG, INFO, WARNING, ERROR"),
        ("UNANSWERED_RETENTION_DAYS", "0", "UNANSWERED_RETENTION_DAYS: Input should be greater"),
        ("UNANSWERED_LOG", "maybe", "UNANSWERED_LOG: Input should be a valid boolean"),
        ("USER_RATE_WINDOW_SECONDS", "soon", "USER_RATE_WINDOW_SECONDS: Input should be a valid"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_with_exit_2(
    setting: str, value: str, expected: str, db_env: dict[str, str]
) -> None:
    result = run_cli("ask", "나이", env={**db_env, setting: value})
    assert result.returncode == 2
    assert one_error(result).startswith(f"error: {expected}")
    assert result.stdout == ""


def test_several_bad_settings_give_one_line_each(db_env: dict[str, str]) -> None:
    result = run_cli("ask", "나이", env={**db_env, "ADMIN_IDS": "x", "LOG_LEVEL": "loud"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: ADMIN_IDS: ")
    assert lines[1].startswith("LOG_LEVEL: ")
    assert len(lines) == 2 and "Traceback" not in result.stderr


def test_a_secret_is_never_echoed_in_a_settings_error(db_env: dict[str, str]) -> None:
    result = run_cli("ask", "나이", env={**db_env, "TELEGRAM_BOT_TOKEN": "", "ADMIN_IDS": "1,two"})
    assert "two" in result.stderr  # the bad value is shown...
    result = run_cli("run", env={**db_env, "WEBHOOK_SECRET_TOKEN": "bad token!!"}, stdin="")
    assert "bad token!!" not in result.stderr  # ...but not a secret


def test_env_file_option_is_read_and_a_missing_one_is_an_error(
    tmp_path: Path, db_env: dict[str, str]
) -> None:
    env_file = tmp_path / "bot.env"
    env_file.write_text("LOG_LEVEL=chatty\n", encoding="utf-8")
    for args in (
        ("--env-file", str(env_file), "ask", "x"),
        ("ask", "x", "--env-file", str(env_file)),
    ):
        result = run_cli(*args, env=db_env)
        assert result.returncode == 2
        assert one_error(result).startswith("error: LOG_LEVEL: must be one of")
    missing = run_cli("--env-file", str(tmp_path / "nope.env"), "ask", "x", env=db_env)
    assert missing.returncode == 2
    assert one_error(missing) == f"error: --env-file {tmp_path / 'nope.env'}: no such file"


def test_dot_env_beside_knowledge_is_read_when_started_elsewhere(tmp_path: Path) -> None:
    # A copy of the project: bot/ and knowledge/ side by side, .env beside them.
    project = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / "bot", project / "bot", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(KNOWLEDGE_DIR, project / "knowledge")
    database = tmp_path / "from-dotenv.sqlite3"
    (project / ".env").write_text(f"DATABASE_PATH={database}\n", encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("ask", "나이", cwd=elsewhere, pythonpath=project)
    assert result.returncode == 0, result.stderr
    assert "26세" in result.stdout
    assert database.is_file()


# ------------------------------------------------------------------------------ CLI polish


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert re.fullmatch(r"python -m bot (\d+\.\d+\.\d+\S*|unknown)\n", result.stdout)


def test_verbose_is_accepted_after_the_command(db_env: dict[str, str]) -> None:
    result = run_cli("ask", "나이", "-v", env=db_env)
    assert result.returncode == 0, result.stderr
    assert " DEBUG " in result.stderr and "26세" in result.stdout
    quiet = run_cli("ask", "나이", env=db_env)
    assert " DEBUG " not in quiet.stderr


def test_ctrl_c_while_reading_questions_exits_130_without_a_traceback(
    tmp_path: Path, db_env: dict[str, str]
) -> None:
    import signal
    import time

    process = subprocess.Popen(
        [*BOT, "ask", "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env=cli_environment(env=db_env),
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("나이\n")
    process.stdin.flush()
    process.stdout.readline()  # answered: the engine is loaded and waiting for more
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


# ------------------------------------------------------------------------------ eval input


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "{path}: no such file"),
        (
            "ko\t나이\t26\n".encode("cp949"),
            "{path}:1: not UTF-8 text (byte 0xb3); save it as UTF-8",
        ),
        (b"", "{path}: no questions in it; write lines of category<TAB>question<TAB>expected"),
        (b"# only a comment\ncategory\tquestion\texpected\n", "{path}: no questions in it"),
        ("ko\t나이\n".encode(), "{path}:1: expected 3 tab-separated columns"),
    ],
    ids=["missing", "cp949", "empty", "comments-only", "two-columns"],
)
def test_eval_input_errors_are_one_line_with_exit_2(
    tmp_path: Path, db_env: dict[str, str], content: bytes | None, expected: str
) -> None:
    path = tmp_path / "questions.tsv"
    if content is not None:
        path.write_bytes(content)
    result = run_cli("eval", str(path), env=db_env)
    assert result.returncode == 2
    assert one_error(result).startswith("error: " + expected.format(path=path))


def test_eval_says_what_fell_short_of_min_accuracy(tmp_path: Path, db_env: dict[str, str]) -> None:
    path = tmp_path / "q.tsv"
    path.write_text("ko\t연봉 얼마야\t30만~50만 달러\nko\t나이\t틀린 기대값\n", encoding="utf-8")
    result = run_cli("eval", str(path), "--min-accuracy", "75", env=db_env)
    assert result.returncode == 1
    assert "error: accuracy 50.0% (1/2) is below --min-accuracy 75%" in result.stderr
    assert run_cli("eval", str(path), "--min-accuracy", "50", env=db_env).returncode == 0


# ------------------------------------------------------------------------------ installing


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """The package alone, as a non-editable install leaves it: no knowledge/ beside it."""
    site = tmp_path / "site-packages"
    shutil.copytree(
        PROJECT_ROOT / "bot", site / "bot", ignore=shutil.ignore_patterns("__pycache__")
    )
    return site


def test_an_install_without_knowledge_says_how_to_set_the_folders(
    installed: Path, tmp_path: Path
) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = run_cli("ask", "나이", cwd=workdir, pythonpath=installed)
    assert result.returncode == 2
    message = one_error(result)
    assert "KNOWLEDGE_DIR" in message and "DATA_DIR" in message


def test_an_install_works_with_knowledge_dir_and_data_dir(installed: Path, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()
    data = tmp_path / "var" / "article-bot"
    env = {"KNOWLEDGE_DIR": str(KNOWLEDGE_DIR), "DATA_DIR": str(data)}
    result = run_cli("ask", "나이", cwd=workdir, pythonpath=installed, env=env)
    assert result.returncode == 0, result.stderr
    assert "26세" in result.stdout
    assert (data / "knowledge.sqlite3").is_file()
    assert not (workdir / "data").exists()


# ------------------------------------------------------------------------------ last good


@pytest.fixture
def broken_knowledge(tmp_path: Path) -> Path:
    """A copy of knowledge/ whose latest edit broke it (a duplicated key)."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    return knowledge


def break_it(knowledge: Path) -> Path:
    path = knowledge / "entries" / "01-headline.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  topic_en:", "  topic_en: x\n  topic_en:", 1), encoding="utf-8")
    return path


def test_ask_keeps_answering_from_the_last_good_database(
    broken_knowledge: Path, tmp_path: Path
) -> None:
    env = {"KNOWLEDGE_DIR": str(broken_knowledge), "DATA_DIR": str(tmp_path / "data")}
    assert run_cli("build", env=env).returncode == 0
    broken = break_it(broken_knowledge)
    result = run_cli("ask", "나이", env=env)
    assert result.returncode == 0, result.stderr
    assert "26세" in result.stdout
    assert "the last good knowledge database" in result.stderr
    assert f"{broken}:" in result.stderr and "duplicate key 'topic_en'" in result.stderr
    build = run_cli("build", env=env)  # the build itself still fails, with file:line
    assert build.returncode == 2
    assert f"error: {broken}:" in build.stderr and "duplicate key 'topic_en'" in build.stderr
    chat = run_cli("chat", env=env, stdin="나이\n")
    assert chat.returncode == 0 and "26세" in chat.stdout
    assert "last good knowledge database" in chat.stderr


def test_without_a_last_good_database_a_broken_edit_is_an_error(
    broken_knowledge: Path, tmp_path: Path
) -> None:
    broken = break_it(broken_knowledge)
    env = {"KNOWLEDGE_DIR": str(broken_knowledge), "DATA_DIR": str(tmp_path / "data")}
    result = run_cli("ask", "나이", env=env)
    assert result.returncode == 2
    assert f"error: {broken}:" in result.stderr and "Traceback" not in result.stderr


# ------------------------------------------------------------------------------ backup


def test_backup_copies_the_state_database_while_it_is_open(tmp_path: Path) -> None:
    state = tmp_path / "data" / "state.sqlite3"

    async def scenario() -> subprocess.CompletedProcess[str]:
        store = await StateStore.open(state, salt="s")
        try:
            await store.record_vote("salary", 1, "private", Vote.DOWN)  # in the WAL, not copied
            return await run_cli_async(
                "backup", str(tmp_path / "backups"), env={"DATA_DIR": str(tmp_path / "data")}
            )
        finally:
            await store.close()

    (tmp_path / "backups").mkdir()
    result = asyncio.run(scenario())
    assert result.returncode == 0, result.stderr
    [copy] = (tmp_path / "backups").glob("state-*.sqlite3")
    assert f"backed up {state} to {copy}" in result.stdout
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT entry_id, vote FROM feedback").fetchall() == [("salary", -1)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [copy.name]  # no temp files

    again = run_cli("backup", str(copy), env={"DATA_DIR": str(tmp_path / "data")})
    assert again.returncode == 2
    assert one_error(again) == f"error: {copy} already exists; choose a new name or remove it first"


def test_backup_without_a_state_database_is_an_error(tmp_path: Path) -> None:
    result = run_cli(
        "backup", str(tmp_path / "b.sqlite3"), env={"DATA_DIR": str(tmp_path / "none")}
    )
    assert result.returncode == 2
    assert one_error(result).startswith(f"error: no state database at {tmp_path / 'none'}")


# ------------------------------------------------------------------------------ docs

_REPO_PATH_RE = re.compile(r"(?<![\w./-])((?:bot|tests|docs|knowledge|bench|\.ci)/[\w./-]*\w)")


def documents() -> list[Path]:
    return [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("document", documents(), ids=lambda p: p.name)
def test_docs_name_only_files_in_the_repository(document: Path) -> None:
    text = document.read_text(encoding="utf-8")
    assert "../shared" not in text
    missing = sorted({p for p in _REPO_PATH_RE.findall(text) if not (PROJECT_ROOT / p).exists()})
    assert missing == []


def test_benchmarks_doc_opens_without_an_internal_reference() -> None:
    opening = (PROJECT_ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")[:400]
    assert not re.search(r"\bissue\b|#\d", opening, re.IGNORECASE)


def test_deploy_doc_covers_the_operators_questions() -> None:
    text = (PROJECT_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for needed in (
        "[Service]",
        "WorkingDirectory=",
        "EnvironmentFile=",
        "Restart=",
        "User=",
        "reverse_proxy",  # Caddy
        "proxy_pass",  # nginx
        "python -m bot backup",
        "DATA_DIR",
        "KNOWLEDGE_DIR",
        "## Upgrading",
    ):
        assert needed in text, needed
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/deploy.md" in readme
    assert "UNANSWERED_RETENTION_DAYS" in readme and "UNANSWERED_LOG" in readme
