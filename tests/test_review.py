"""Unanswered questions, reviewed: logged from Telegram without ids, purged after the
retention period, grouped by `python -m bot review`, shown in /stats; and the bot's start-up
with broken knowledge or a refused token, unreachable API or busy port."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot import review
from bot.answering.engine import Engine
from bot.state import StateStore, UnansweredQuestion, UnansweredRow
from tests.support import KNOWLEDGE_DIR
from tests.support import updates as u
from tests.support.cli import run_cli_async
from tests.support.harness import TOKEN, make_settings, quoted_text, running_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import SALARY_QUESTION, SALARY_QUOTE, ask, person

ADMIN = person(501, "Admin", "en")
ASKER = u.user(987_650_001_234, "Uniquefirstname", last_name="Uniquelast", username="uniq_handle")
MARRIED = "김태훈 결혼했어?"
MARRIED_AGAIN = "김태훈 결혼 했어요?"
WEATHER = "오늘 서울 날씨 어때?"


# ------------------------------------------------------------------------------ end to end


async def test_declined_questions_from_telegram_appear_in_review_json_with_counts(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, admin_ids=str(ADMIN["id"]))
    async with running_bot(api, settings, engine):
        for text in (MARRIED, MARRIED, "@article_qa_bot 김태훈 결혼했어", WEATHER, MARRIED_AGAIN):
            reply = await ask(api, text, ASKER)
            assert "기사에는" in reply.result["text"]
        answered = await ask(api, SALARY_QUESTION, ASKER)
        assert SALARY_QUOTE in quoted_text(answered)
        stats = (await ask(api, "/stats", ADMIN)).result["text"]
    assert "Top unanswered questions" in stats
    assert f"{MARRIED} (" in stats and "×)" in stats

    result = await run_cli_async(
        "review", "--json", env={"STATE_DATABASE_PATH": str(settings.state_database_path)}
    )
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"question", "count", "nearest", "score", "action", "suggestion"} <= set(objects[0])
    counts = [o["count"] for o in objects]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    married = objects[0]
    # The same question with or without the @mention and "?" is one row; a near wording joins it.
    assert married["question"] == MARRIED and married["count"] == 4
    assert MARRIED_AGAIN in married["variants"]
    weather = next(o for o in objects if o["question"] == WEATHER)
    assert weather["count"] == 1
    assert weather["action"] == "off-topic" and weather["score"] < review.RELATED_SCORE
    questions = {o["question"] for o in objects} | {v for o in objects for v in o["variants"]}
    assert SALARY_QUESTION not in questions  # answered with confidence: not logged

    result = await run_cli_async(
        "review", env={"STATE_DATABASE_PATH": str(settings.state_database_path)}
    )
    assert result.returncode == 0
    text = result.stdout
    assert f"4×  {MARRIED}" in text and "also: " + MARRIED_AGAIN in text
    assert "→ off-topic" in text or "→ add it as a question of entry" in text

    # Nothing that identifies the asker in any stored file (database, WAL, journal).
    forbidden = [str(ASKER["id"]).encode(), b"Uniquefirstname", b"Uniquelast", b"uniq_handle"]
    forbidden += [ASKER["id"].to_bytes(n, "big") for n in (6, 8)]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        for needle in forbidden:
            assert needle not in content, f"{needle!r} in {path.name}"
    with sqlite3.connect(settings.state_database_path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(unanswered)")]
    assert columns == [
        "normalised", "question", "count", "first_seen", "last_seen", "nearest", "score",
        "declined",
    ]  # fmt: skip


async def test_unanswered_log_can_be_turned_off(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, unanswered_log=False)
    async with running_bot(api, settings, engine):
        await ask(api, MARRIED, ASKER)
    store = await StateStore.open(settings.state_database_path, salt="x")
    try:
        assert await store.unanswered() == []
    finally:
        await store.close()


async def test_stats_lists_votes_per_entry(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, admin_ids=str(ADMIN["id"]))
    async with running_bot(api, settings, engine):
        store = await StateStore.open(settings.state_database_path, salt="x")
        try:
            from bot.state import Vote

            await store.record_vote("salary", 1, "private", Vote.DOWN)
            await store.record_vote("salary", 2, "private", Vote.DOWN)
            await store.record_vote("age", 1, "private", Vote.UP)
        finally:
            await store.close()
        stats = (await ask(api, "/stats", ADMIN)).result["text"]
    assert "Votes per entry" in stats
    assert stats.index("salary: 👍 0 · 👎 2") < stats.index("age: 👍 1 · 👎 0")


# ------------------------------------------------------------------------------ retention


async def test_retention_purges_rows_last_seen_before_it(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = await StateStore.open(path, salt="s")
    try:
        for text in ("old question", "new question"):
            store.log_unanswered(UnansweredQuestion(text, text, None, 0.0, True))
        await store.flush_counts()
        with sqlite3.connect(path) as db:
            db.execute(
                "UPDATE unanswered SET first_seen = ?, last_seen = ? WHERE question = ?",
                ("2020-01-01T00:00:00+00:00", "2020-01-02T00:00:00+00:00", "old question"),
            )
        assert await store.purge_unanswered(timedelta(days=30)) == 1
        assert [r.question for r in await store.unanswered()] == ["new question"]
        assert await store.purge_unanswered(None) == 1  # the log turned off: forget all
        assert await store.unanswered() == []
    finally:
        await store.close()


async def test_review_applies_the_retention_setting(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = await StateStore.open(path, salt="s")
    store.log_unanswered(UnansweredQuestion("오래된 질문", "오래된 질문", None, 0.0, True))
    await store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE unanswered SET last_seen = '2000-01-01T00:00:00+00:00'")
    env = {"STATE_DATABASE_PATH": str(path), "UNANSWERED_RETENTION_DAYS": "30"}
    result = await run_cli_async("review", "--json", env=env)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM unanswered").fetchone() == (0,)


async def test_repeats_are_counted_with_first_and_last_seen(tmp_path: Path) -> None:
    store = await StateStore.open(tmp_path / "s.sqlite3", salt="s")
    try:
        question = UnansweredQuestion("결혼?", "결혼", "age", 12.0, True)
        store.log_unanswered(question)
        await store.flush_counts()
        store.log_unanswered(question)
        store.log_unanswered(question)
        [row] = await store.unanswered()  # pending ones are written first
    finally:
        await store.close()
    assert (row.count, row.nearest, row.score, row.declined) == (3, "age", 12.0, True)
    assert row.first_seen <= row.last_seen


# ------------------------------------------------------------------------------ grouping


def test_unanswered_records_declines_and_low_confidence_only(engine: Engine) -> None:
    declined = engine.ask(MARRIED)
    record = review.unanswered(engine, MARRIED, declined)
    assert record is not None and record.declined and record.normalised
    confident = engine.ask(SALARY_QUESTION)
    assert review.unanswered(engine, SALARY_QUESTION, confident) is None
    low = engine.answer_entry("age")
    low = type(low)(**{**{f: getattr(low, f) for f in low.__slots__}, "score": engine.threshold})
    record = review.unanswered(engine, "나이?", low)
    assert record is not None and not record.declined and record.nearest == "age"


def test_group_merges_similar_questions_and_suggests_an_action() -> None:
    def row(text: str, count: int, nearest: str | None, score: float) -> UnansweredRow:
        key = review.normalised(text)
        return UnansweredRow(text, key, count, "2026-01-01", "2026-01-02", nearest, score, True)

    groups = review.group(
        [
            row("김태훈 결혼했어?", 3, None, 9.0),
            row("김태훈 결혼 했어?", 2, None, 9.0),
            row("연봉은 얼마 받아", 1, "salary", 48.0),
        ]
    )
    assert [(g.question, g.count) for g in groups] == [
        ("김태훈 결혼했어?", 5),
        ("연봉은 얼마 받아", 1),
    ]
    assert groups[0].action is review.Action.OFF_TOPIC and groups[0].nearest is None
    assert groups[1].action is review.Action.ADD_QUESTION
    assert groups[1].suggestion() == "add it as a question of entry salary"


# ------------------------------------------------------------------------------ start-up


def copy_knowledge(tmp_path: Path) -> Path:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)
    return knowledge


async def test_run_keeps_serving_the_last_good_database_after_a_broken_edit(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    knowledge = copy_knowledge(tmp_path)
    database = tmp_path / "k.sqlite3"
    shutil.copy(knowledge_db, database)
    (knowledge / "entries" / "99-new.yaml").write_text("- id: x\n  colour: red\n", "utf-8")
    settings = make_settings(api, tmp_path, knowledge_dir=knowledge, database_path=database)
    caplog.set_level(logging.WARNING)
    async with running_bot(api, settings):  # no engine given: post_init opens the database
        reply = await ask(api, SALARY_QUESTION, ASKER)
    assert SALARY_QUOTE in quoted_text(reply)
    warning = next(r for r in caplog.records if "last good knowledge database" in r.getMessage())
    assert warning.levelno == logging.WARNING
    assert "99-new.yaml:2: unknown field 'colour'" in warning.getMessage()


def _listening_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def _bot_env(base_url: str, tmp_path: Path, knowledge_db: Path) -> dict[str, str]:
    shutil.copy(knowledge_db, tmp_path / "k.sqlite3")
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "DATABASE_PATH": str(tmp_path / "k.sqlite3"),
        "STATE_DATABASE_PATH": str(tmp_path / "state.sqlite3"),
    }


async def test_a_refused_token_is_one_error_line_without_traceback(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path
) -> None:
    api.inject_fault("getMe", status=401, times=None)
    result = await run_cli_async("run", env=_bot_env(api.base_url, tmp_path, knowledge_db))
    assert result.returncode == 2
    err = result.stderr
    assert err.strip().splitlines()[-1] == (
        "error: Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather"
    )
    assert "Traceback" not in err and TOKEN not in err and TOKEN.split(":")[1] not in err


async def test_an_unreachable_api_names_the_url_without_traceback(
    tmp_path: Path, knowledge_db: Path
) -> None:
    with _listening_socket() as sock:
        port = sock.getsockname()[1]
    env = _bot_env(f"http://127.0.0.1:{port}/bot", tmp_path, knowledge_db)
    result = await run_cli_async("run", env=env)
    assert result.returncode == 1
    err = result.stderr
    last = err.strip().splitlines()[-1]
    assert last.startswith(
        f"error: cannot talk to the Telegram Bot API at http://127.0.0.1:{port}/bot"
    )
    assert "Traceback" not in err and TOKEN.split(":")[1] not in err


async def test_a_webhook_port_in_use_is_one_error_line_with_exit_2(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path
) -> None:
    with _listening_socket() as busy:
        port = busy.getsockname()[1]
        result = await run_cli_async(
            "run", "--webhook-url", "https://bot.example.org/hook", "--port", str(port),
            env={**_bot_env(api.base_url, tmp_path, knowledge_db), "WEBHOOK_SECRET_TOKEN": "s"},
        )  # fmt: skip
    assert result.returncode == 2
    err = result.stderr
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: cannot listen on 127.0.0.1:{port} for the webhook")
    assert "Traceback" not in err
