"""The command line: the `ask --json` contract other tools rely on, eval, chat, docs."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import subprocess
import termios
import time
from pathlib import Path

import pytest
from telegram.ext import CommandHandler

from bot.cli import COMMANDS
from bot.config import Settings
from bot.telegram.app import build_application
from tests.support import PROJECT_ROOT
from tests.support.cli import BOT, cli_environment, run_cli
from tests.support.harness import TOKEN
from tests.support.knowledge import knowledge_folder

TEST_COMMAND = (
    'python3 -m venv .venv && .venv/bin/pip install -q -e ".[dev]" && .venv/bin/python -m pytest'
)
JSON_FIELDS = {"question", "answered", "answer", "quote", "score", "id", "lang", "suggestions"}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "data" / "knowledge.sqlite3"


def test_ask_json_reads_stdin_one_object_per_line_in_order(db: Path) -> None:
    questions = ["김태훈 연봉 얼마야?", "오늘 날씨 어때?", "", "How old is he?", "<b>&</b>"]
    result = run_cli("ask", "--json", "-", stdin="\n".join(questions) + "\n", db=db)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    objects = [json.loads(line) for line in lines]
    assert [o["question"] for o in objects] == [q for q in questions if q]
    for obj in objects:
        assert set(obj) == JSON_FIELDS
        assert isinstance(obj["answered"], bool)
        assert 0 <= obj["score"] <= 100
        assert obj["lang"] in ("ko", "en")
        assert isinstance(obj["suggestions"], list) and len(obj["suggestions"]) <= 3
    salary, weather, age, html = objects
    assert salary["answered"] and salary["id"] == "salary" and "30만~50만 달러" in salary["quote"]
    assert not weather["answered"] and weather["id"] is None
    assert weather["answer"] == weather["quote"] == ""
    assert weather["suggestions"]
    assert age["lang"] == "en" and age["answered"] and "26" in age["answer"]
    assert not html["answered"]


def test_ask_json_single_question(db: Path) -> None:
    result = run_cli("ask", "--json", "졸업 언제 했어?", db=db)
    obj = json.loads(result.stdout)
    assert obj["id"] == "graduation-date" and "2015년 8월" in obj["quote"]


def test_ask_plain_prints_answer_and_quote(db: Path) -> None:
    result = run_cli("ask", "몇 살이야?", db=db)
    assert result.returncode == 0
    assert "26세" in result.stdout


def test_missing_database_is_built_automatically(db: Path) -> None:
    assert not db.exists()
    run_cli("ask", "나이", db=db)
    assert db.exists()


def test_eval_reports_categories_and_enforces_min_accuracy(db: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.tsv"
    questions.write_text(
        "# comment\ncategory\tquestion\texpected\n"
        "ko\t연봉 얼마야\t30만~50만 달러\n"
        "neg\t오늘 날씨 어때\t-\n"
        "ko\t나이\t이건 틀린 기대값\n",
        encoding="utf-8",
    )
    passing = run_cli("eval", str(questions), "--min-accuracy", "60", db=db)
    assert passing.returncode == 0, passing.stdout
    assert "overall 2/3" in passing.stdout
    assert "ko" in passing.stdout and "neg" in passing.stdout
    failing = run_cli("eval", str(questions), "--min-accuracy", "90", db=db)
    assert failing.returncode == 1


def test_chat_answers_on_the_console(db: Path) -> None:
    result = run_cli("chat", stdin="연봉 얼마야\n점심 뭐 먹지\n", db=db)
    assert result.returncode == 0
    assert "30만~50만 달러" in result.stdout
    assert "기사에는 그 내용이 없어요" in result.stdout


def test_bare_command_without_token_or_terminal_fails_loudly(db: Path) -> None:
    # A service started without its token must not look like success (exit 0).
    result = run_cli(stdin="나이\n", db=db)
    assert result.returncode == 2
    assert result.stderr.startswith("error: TELEGRAM_BOT_TOKEN is not set and there is no terminal")
    assert "Traceback" not in result.stderr and result.stdout == ""


def _take_terminal() -> None:
    """In the child: a new session whose controlling terminal is stdin, so ^C is SIGINT."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_at_terminal(*args: str, keys: list[bytes], db: Path) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, typing `keys` one at a time after each prompt."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [*BOT, *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        cwd=PROJECT_ROOT,
        env=cli_environment(db=db, env={"TERM": "dumb"}),
        preexec_fn=_take_terminal,
    )
    os.close(terminal)
    output = b""
    pending = list(keys)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the process exited and closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
            if pending and output.endswith(b"> "):
                time.sleep(0.2)  # let readline switch the terminal to its own mode first
                output += b"\n"  # so only the next prompt ends the output with '> '
                os.write(controller, pending.pop(0))
            if not pending and process.poll() is not None:
                break
        return process.wait(timeout=30), output.decode("utf-8", "replace")
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize(("last_key", "name"), [(b"\x03", "Ctrl-C"), (b"\x04", "Ctrl-D")])
def test_console_chat_at_a_terminal_exits_cleanly(db: Path, last_key: bytes, name: str) -> None:
    returncode, output = run_at_terminal(keys=["나이\r".encode(), last_key], db=db)
    assert returncode == 0, f"{name}: {output}"
    assert "No TELEGRAM_BOT_TOKEN" in output  # the bare command, at a terminal: chat
    assert "26세" in output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    assert " INFO " not in output  # the first-run build logs nothing into the chat


def test_console_chat_has_line_editing(db: Path) -> None:
    # "나X", Left, Backspace... with readline, the arrow keys edit instead of typing ^[[D.
    keys = ["나이X\x7f\x1b[D\x1b[C\r".encode(), b"\x04"]
    returncode, output = run_at_terminal("chat", keys=keys, db=db)
    assert returncode == 0, output
    assert "26세" in output and "^[[D" not in output


def test_broken_knowledge_exits_with_file_and_line(db: Path, tmp_path: Path) -> None:
    broken = "- id: x\n  colour: red\n"
    knowledge = knowledge_folder(tmp_path / "knowledge", broken, file_name="x.yaml")
    result = run_cli("build", db=db, env={"KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 2
    assert f"{knowledge / 'entries' / 'x.yaml'}:2: unknown field 'colour'" in result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND in readme
    assert TEST_COMMAND in ci


def test_every_command_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in COMMANDS if f"python -m bot {c}" not in readme]
    assert missing == []


def test_every_telegram_command_is_documented_in_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN)  # type: ignore[call-arg]
    application = build_application(settings)
    handled = {
        command
        for handlers in application.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    assert {"start", "ask", "stats"} <= handled
    missing = sorted(c for c in handled if f"`/{c}" not in readme)
    assert missing == []
