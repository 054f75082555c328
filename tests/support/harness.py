"""Run the real bot against the Bot API stand-in (used by the tests, the transcript and bench/).

The Application is driven exactly as ``run_polling`` drives it (initialize, post_init, start,
start_polling; then the reverse), only inside the caller's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.answering.engine import Engine
from bot.config import Settings
from bot.telegram.app import ALLOWED_UPDATES, BotApplication, build_application
from bot.telegram.callbacks import CallbackSigner, derive_secret
from tests.support.cli import BOT, cli_environment
from tests.support.standin import ApiCall, BotApiStandIn

TOKEN = "123456789:AAH-test-token-for-the-stand-in_xyz"


def make_settings(api: BotApiStandIn, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings pointing at the stand-in, with state and knowledge files under `tmp_path`."""
    values: dict[str, Any] = {
        "telegram_bot_token": TOKEN,
        "telegram_base_url": api.base_url,
        "state_database_path": tmp_path / "state.sqlite3",
        "database_path": tmp_path / "k.sqlite3",
        "feedback_salt": "test-salt",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def bot_env(api: BotApiStandIn, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment for `python -m bot run` against the stand-in: this one's, without the bot
    settings a developer may have exported, with state under `tmp_path`, plus `extra`."""
    return cli_environment(
        env={
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": api.base_url,
            "STATE_DATABASE_PATH": str(tmp_path / "state.sqlite3"),
            "FEEDBACK_SALT": "subprocess-salt",
            **extra,
        }
    )


def serving_env(api: BotApiStandIn, tmp_path: Path, database: Path, **extra: str) -> dict[str, str]:
    """`bot_env` for a bot that serves `database` as it is: no knowledge folder to rebuild it."""
    return bot_env(
        api, tmp_path, DATABASE_PATH=str(database), KNOWLEDGE_DIR=str(tmp_path / "none"), **extra
    )


async def start_bot(
    env: dict[str, str], cwd: Path, *args: str, **options: Any
) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` (`run` when none are given) as a subprocess in `cwd` (no .env
    there), stdout/stderr piped unless `options` for create_subprocess_exec say otherwise."""
    streams: dict[str, Any] = {"stdout": asyncio.subprocess.PIPE, "stderr": asyncio.subprocess.PIPE}
    return await asyncio.create_subprocess_exec(
        *BOT, *(args or ("run",)), cwd=cwd, env=env, **{**streams, **options}
    )


def signer() -> CallbackSigner:
    """The signer the bot uses with TOKEN and no CALLBACK_SECRET."""
    return CallbackSigner(derive_secret(TOKEN))


@contextlib.asynccontextmanager
async def running_bot(
    api: BotApiStandIn, settings: Settings, engine: Engine | None = None, *, poll_timeout: int = 5
) -> AsyncIterator[BotApplication]:
    """The bot, long polling the stand-in (`poll_timeout` s per poll) until the block exits."""
    application = build_application(settings, engine)
    async with polling(api, application, poll_timeout=poll_timeout):
        yield application


@contextlib.asynccontextmanager
async def polling(
    api: BotApiStandIn,
    application: BotApplication,
    *,
    poll_timeout: int = 5,
    ready_timeout: float = 5.0,
) -> AsyncIterator[None]:
    """`application` (from `build_application`) long polling the stand-in until the block
    exits; the block starts once its first getUpdates has arrived (within `ready_timeout` s)."""
    await application.initialize()
    assert application.post_init is not None
    await application.post_init(application)
    try:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
        )
        await api.wait_for("getUpdates", finished=False, timeout=ready_timeout)
        yield
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        assert application.post_shutdown is not None
        await application.post_shutdown(application)


def buttons(call: ApiCall) -> list[tuple[str, str]]:
    """(label, callback_data) of every inline button a sendMessage/edit call carried."""
    markup = call.params.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


def entity_types(call: ApiCall) -> set[str]:
    """Entity types of the message the stand-in made from a successful send."""
    return {entity["type"] for entity in call.result.get("entities", [])}


def quoted_text(call: ApiCall) -> str:
    """The text inside the message's blockquote entities (UTF-16 offsets)."""
    text: str = call.result["text"]
    encoded = text.encode("utf-16-le")
    parts = [
        encoded[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le")
        for e in call.result.get("entities", [])
        if e["type"] in ("blockquote", "expandable_blockquote")
    ]
    return "\n".join(parts)
