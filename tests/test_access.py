"""Secrets and access: the token stays out of logs and errors, .env stays out of git,
/stats answers only ADMIN_IDS, and nothing that identifies a user is stored.

(The webhook's secret-token check is tested in tests/test_telegram_bot.py.)
"""

from __future__ import annotations

import logging
import re
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from bot.answering.engine import Engine
from bot.telegram.app import COMMANDS
from tests.support import PROJECT_ROOT
from tests.support import updates as u
from tests.support.cli import run_cli
from tests.support.harness import TOKEN, buttons, make_settings, running_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import (
    SALARY_QUESTION,
    ask,
    next_person_is_answered,
    person,
    sends_to,
    to_chat,
)

ADMIN = person(1, "Admin", "en")
STRANGER = person(2, "Stranger", "en")
GROUP = u.group_chat(-100333000444)
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
SECRET_NAMES = re.compile(r"TOKEN|SECRET|SALT|PASSWORD|KEY", re.IGNORECASE)


def token_forms(token: str = TOKEN) -> list[str]:
    """The token as it could leak: whole, percent-encoded, and its secret half."""
    return [token, quote(token, safe=""), token.split(":", 1)[1]]


# ------------------------------------------------------------------------------ the token


async def test_the_token_is_in_no_log_line_even_at_debug_and_during_faults(
    api: BotApiStandIn, tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # run_bot quiets httpx to WARNING for the whole process; a test that ran it earlier
    # must not hide the request URLs this test looks at.
    caplog.set_level(logging.DEBUG, logger="httpx")
    api.inject_fault("sendMessage", status=502)  # retried: a WARNING with the error
    api.inject_fault("getUpdates", reset_connection=True)  # PTB logs the polling error
    async with running_bot(api, make_settings(api, tmp_path), engine):
        await ask(api, SALARY_QUESTION, STRANGER)
        await next_person_is_answered(api)
        api.inject_fault("sendMessage", status=400, description="Bad Request: chat not found")
        api.push_update(u.message_update(SALARY_QUESTION, from_user=person(3)))
        await api.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == person(3)["id"])
    assert "/bot[REDACTED]/" in caplog.text  # request URLs were logged, redacted
    assert "error while handling" in caplog.text  # and so was a traceback
    for form in token_forms():
        assert form not in caplog.text


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_api_exits_non_zero_with_advice_and_without_the_token(
    tmp_path: Path,
) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{_closed_port()}/bot",
        "STATE_DATABASE_PATH": str(tmp_path / "state.sqlite3"),
    }
    done = run_cli("--verbose", "run", env=env, cwd=tmp_path)  # DEBUG logging
    assert done.returncode == 1, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]  # tracebacks above are DEBUG log lines
    assert last.startswith("error: cannot talk to the Telegram Bot API")
    assert "TELEGRAM_BASE_URL" in last
    for form in token_forms():
        assert form not in done.stderr and form not in done.stdout


# ------------------------------------------------------------------------------ files


def test_dot_env_is_ignored_by_git() -> None:
    if not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "--quiet", "--no-index", ".env"], cwd=PROJECT_ROOT, check=False
    )
    assert ignored.returncode == 0, ".env must be listed in .gitignore"
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", ".env"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=False,
    )
    assert tracked.returncode != 0, ".env is committed; remove it with git rm --cached .env"


def test_dot_env_example_holds_no_secrets() -> None:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    assert not TOKEN_SHAPE.search(text), "a bot token in .env.example"
    settings = dict(
        line.split("=", 1)
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    secret_keys = [key for key in settings if SECRET_NAMES.search(key)]
    assert {"TELEGRAM_BOT_TOKEN", "FEEDBACK_SALT", "CALLBACK_SECRET"} <= set(secret_keys)
    assert {key: settings[key] for key in secret_keys if settings[key].strip()} == {}


# ------------------------------------------------------------------------------ /stats


async def test_stats_answers_admins_in_private_and_nobody_else(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, admin_ids=str(ADMIN["id"]))
    async with running_bot(api, settings, engine):
        await ask(api, SALARY_QUESTION, STRANGER)  # answered
        declined = await ask(api, "오늘 서울 날씨 어때?", STRANGER)
        assert "기사에는" in declined.result["text"]
        for update in (
            u.message_update("/stats", from_user=STRANGER),
            u.message_update("/stats@article_qa_bot", from_user=STRANGER),
            u.message_update("/stats", chat=GROUP, from_user=STRANGER),
            u.message_update("/stats", chat=GROUP, from_user=ADMIN),  # a group would see it
        ):
            api.push_update(update)
        reply = await ask(api, "/stats", ADMIN)
        assert reply.ok and reply.params["parse_mode"] == "HTML"
        text = reply.result["text"]
        assert "Questions: 2" in text and "Answered: 1" in text and "Declined: 1" in text
        assert "👍 0" in text and "👎 0" in text
        await next_person_is_answered(api)
        # Nothing at all went to the stranger for /stats, nor to the group.
        assert len(sends_to(api, STRANGER["id"])) == 2
        assert sends_to(api, GROUP["id"]) == []


async def test_stats_is_in_no_public_command_menu(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    async with running_bot(api, make_settings(api, tmp_path), engine):
        pass
    assert api.my_commands  # the menus were registered...
    for commands in api.my_commands.values():
        assert "stats" not in {c["command"] for c in commands}  # ...without /stats
    assert all("stats" not in {c.command for c in menu} for menu in COMMANDS.values())


# ------------------------------------------------------------------------------ privacy


async def test_no_user_name_or_raw_id_is_stored_anywhere(
    api: BotApiStandIn, tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    uid = 987_654_321_987
    user = u.user(uid, "Zyxwvutsrq", last_name="Qponmlkj", username="zz_unique_handle")
    settings = make_settings(api, tmp_path, admin_ids=str(uid))
    async with running_bot(api, settings, engine):
        reply = await ask(api, SALARY_QUESTION, user)
        await ask(api, "오늘 날씨?", user)
        api.push_update(
            u.callback_query_update(
                buttons(reply)[0][1], from_user=user, message=u.bot_message_from_call(reply)
            )
        )
        await api.wait_for("answerCallbackQuery", lambda c: c.ok)
        mention = u.message_update("@article_qa_bot 몇 살이야?", chat=GROUP, from_user=user)
        api.push_update(mention)
        await api.wait_for("sendMessage", to_chat(GROUP["id"]))
        api.push_update(u.inline_query_update("연봉", from_user=user))
        await api.wait_for("answerInlineQuery")
        stats = await ask(api, "/stats", user)
        assert "👍 1" in stats.result["text"]  # the vote was stored
    forbidden = [
        str(uid).encode(),
        uid.to_bytes(6, "big"),  # how SQLite stores an integer of this size
        uid.to_bytes(8, "big"),
        b"Zyxwvutsrq",
        b"Qponmlkj",
        b"zz_unique_handle",
    ]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("state.sqlite3") for p in files)
    for path in files:
        content = path.read_bytes()
        for needle in forbidden:
            assert needle not in content, f"{needle!r} found in {path.name}"
    for needle in (str(uid), "Zyxwvutsrq", "zz_unique_handle"):
        assert needle not in caplog.text
