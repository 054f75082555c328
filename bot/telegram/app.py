"""Wiring: the python-telegram-bot Application around `ArticleBot`, and running it.

Start-up lives here, apart from the handlers (`bot.telegram.handlers`): which update goes
to which handler, the Bot with its rate limiter and Defaults, the command menu, and the
polling or webhook loop with its exit codes.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import sys
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import InvalidToken, TelegramError
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.answering.engine import Engine
from bot.config import Settings
from bot.errors import (
    ConfigurationError,
    KnowledgeDatabaseError,
    KnowledgeError,
    StateStoreError,
)
from bot.logs import SecretRedactingFilter, redact_in_logs
from bot.models import Lang
from bot.telegram.callbacks import CallbackSigner, Kind, derive_secret, pattern
from bot.telegram.delivery import ResilientRateLimiter, TolerantBot, readable_update
from bot.telegram.handlers import (
    INLINE_CACHE_SECONDS,
    INLINE_RATE_FACTOR,
    ArticleBot,
    BotApplication,
)
from bot.telegram.messages import ADDRESSED_TO_THIS_BOT, SENT_VIA_THIS_BOT
from bot.telegram.shutdown import BoundedStop, install_stop_signals
from bot.telegram.webhook import WebhookServer

__all__ = [
    "ALLOWED_UPDATES",
    "COMMANDS",
    "INLINE_CACHE_SECONDS",
    "INLINE_RATE_FACTOR",
    "BotApplication",
    "build_application",
    "run_bot",
    "webhook_options",
]

log = logging.getLogger(__name__)

# Only what the handlers use: Telegram then does not even deliver edits or channel posts.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
# Updates handled at once. Each handler holds at most one reply connection, so the pool
# matches; more of either costs CPU per update (httpcore scans its pool on every request):
# measured 16 → ~300 and 8 → ~375 updates/s (docs/benchmarks.md), far above Telegram's 30/s.
CONCURRENT_UPDATES = 8
REPLY_CONNECTIONS = CONCURRENT_UPDATES
# Every reply is HTML (escaped by bot.telegram.formatting) and never previews a link.
DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
)

COMMANDS: dict[Lang, list[BotCommand]] = {
    "ko": [
        BotCommand("ask", "기사에 대해 질문하기 (/ask 질문)"),
        BotCommand("fact", "짧은 답과 인용 (그룹용)"),
        BotCommand("topics", "기사가 다루는 주제 목록"),
        BotCommand("reset", "대화 맥락 지우기 (새 주제로)"),
        BotCommand("about", "기사 제목·신문·날짜·기자"),
        BotCommand("help", "사용법"),
    ],
    "en": [
        BotCommand("ask", "Ask about the article (/ask question)"),
        BotCommand("fact", "Short answer with the quote (for groups)"),
        BotCommand("topics", "Topics the article covers"),
        BotCommand("reset", "Forget the conversation (new topic)"),
        BotCommand("about", "The article's title, paper, date and reporter"),
        BotCommand("help", "How to use the bot"),
    ],
}


def build_application(
    settings: Settings,
    engine: Engine | None = None,
    *,
    stop: BoundedStop | None = None,
    stop_signals: bool = False,
) -> BotApplication:
    """The configured Application; post_init opens the engine (unless given) and state DB.

    With `stop_signals`, SIGINT/SIGTERM end run_polling in bounded time
    (bot.telegram.shutdown); only `run_bot` asks for that, so a host program keeps its own
    signal handling.
    """
    token = settings.require_token()
    redact_in_logs(token)
    settings.check_database_paths()
    if settings.webhook_secret_token is not None:
        redact_in_logs(settings.webhook_secret_token.get_secret_value())
    secret = (
        settings.callback_secret.get_secret_value().encode()
        if settings.callback_secret
        else derive_secret(token)
    )
    handlers = ArticleBot(settings, CallbackSigner(secret), engine, stop)
    bot = TolerantBot(
        token,
        base_url=settings.api_url,
        base_file_url=settings.file_url,
        # What ApplicationBuilder would make: a pool for replies, one connection for polling.
        request=HTTPXRequest(connection_pool_size=REPLY_CONNECTIONS),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        # Telegram's flood limits (30/s, 20/min per group), 429s waited out, 5xx retried.
        rate_limiter=ResilientRateLimiter(),
        defaults=DEFAULTS,
    )

    async def post_init(application: BotApplication) -> None:
        if stop_signals:
            install_stop_signals(handlers.stopping, end_run=True)
        await handlers.post_init(application)
        try:
            await application.bot.set_my_commands(COMMANDS["ko"])
            await application.bot.set_my_commands(COMMANDS["en"], language_code="en")
        except TelegramError as exc:  # the bot works without the command menu
            log.warning("could not register the command menu: %s", exc)
        log.info("ready as @%s", application.bot.username)

    application: BotApplication = (
        ApplicationBuilder()
        .bot(bot)
        # Handlers share no per-chat state (the limiter and the store are safe to interleave).
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(post_init)
        .post_stop(handlers.post_stop)
        .post_shutdown(handlers.post_shutdown)
        .build()
    )

    message = filters.UpdateType.MESSAGE & ~SENT_VIA_THIS_BOT  # not edits, channel posts
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    text = filters.TEXT & ~filters.COMMAND
    # Run before the handlers of every update: a re-sent update stops here; the knowledge
    # check is cheap unless the file was replaced.
    application.add_handler(TypeHandler(Update, handlers.admit_update), group=-2)
    application.add_handler(TypeHandler(Update, handlers.refresh_knowledge), group=-1)
    commands = [
        ("start", handlers.start),
        ("help", handlers.help),
        ("ask", handlers.ask),
        ("fact", handlers.fact),
        ("about", handlers.about),
        ("topics", handlers.topics),
        ("reset", handlers.reset),
        ("stats", handlers.stats),  # admin-only, so never in the public command menu
    ]
    for name, callback in commands:
        application.add_handler(CommandHandler(name, callback, filters=message))
    application.add_handler(
        MessageHandler(message & private & filters.COMMAND, handlers.unknown_command)
    )
    application.add_handler(MessageHandler(message & private & text, handlers.private_text))
    application.add_handler(
        MessageHandler(message & groups & text & ADDRESSED_TO_THIS_BOT, handlers.group_text)
    )
    application.add_handler(
        MessageHandler(
            message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.non_text
        )
    )
    buttons = [
        (pattern(Kind.ANSWER), handlers.answer_button),
        (pattern(Kind.VOTE_UP, Kind.VOTE_DOWN), handlers.vote_button),
        (pattern(Kind.TOPICS_PAGE), handlers.topics_button),
    ]
    for data_pattern, callback in buttons:
        application.add_handler(CallbackQueryHandler(callback, pattern=data_pattern))
    # Anything else: forged, stale or of a kind no longer made; answered with an alert.
    application.add_handler(CallbackQueryHandler(handlers.unknown_button))
    application.add_handler(InlineQueryHandler(handlers.inline))
    application.add_error_handler(handlers.on_error)
    return application


def webhook_options(
    settings: Settings, *, webhook_url: str, listen: str, port: int
) -> dict[str, Any]:
    """Arguments for run_webhook/start_webhook; a secret token is always checked."""
    # Telegram sends back whatever setWebhook registered, so a fresh one per run works.
    secret = settings.checked_webhook_secret() or secrets.token_urlsafe(32)
    redact_in_logs(secret)  # setWebhook's parameters carry it
    if not webhook_url.startswith("https://"):
        raise ConfigurationError(f"--webhook-url must be an https:// URL, not {webhook_url!r}")
    return {
        "listen": listen,
        "port": port,
        "url_path": urlparse(webhook_url).path.lstrip("/"),
        "webhook_url": webhook_url,
        "secret_token": secret,
        "allowed_updates": ALLOWED_UPDATES,
    }


def run_bot(
    settings: Settings,
    *,
    webhook_url: str | None = None,
    listen: str = "127.0.0.1",
    port: int = 8443,
) -> int:
    """Run until interrupted: long polling, or a webhook when `webhook_url` is given."""
    stop = BoundedStop()
    try:
        application = build_application(settings, stop=stop, stop_signals=webhook_url is None)
        options = (
            webhook_options(settings, webhook_url=webhook_url, listen=listen, port=port)
            if webhook_url
            else None
        )
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        if options is not None:
            log.info("serving a webhook for %s on %s:%d", webhook_url, listen, port)
            try:
                asyncio.run(serve_webhook(application, stop, **options))
            except OSError as exc:  # the listening socket: port in use, or not allowed
                print(
                    f"error: cannot listen on {listen}:{port} for the webhook "
                    f"({exc.strerror or exc}); choose another --port or --listen, or stop "
                    "what uses it",
                    file=sys.stderr,
                )
                return 2
        else:
            # stop_signals=None: post_init installs bounded ones (bot.telegram.shutdown).
            application.run_polling(allowed_updates=ALLOWED_UPDATES, stop_signals=None)
    except InvalidToken:
        print(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather",
            file=sys.stderr,
        )
        return 2
    except (KnowledgeError, KnowledgeDatabaseError, StateStoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TelegramError as exc:  # e.g. the Bot API cannot be reached at start-up
        redact = SecretRedactingFilter(settings.require_token()).redact
        print(
            redact(
                f"error: cannot talk to the Telegram Bot API at {settings.api_url} ({exc}); "
                "check the network connection and TELEGRAM_BASE_URL"
            ),
            file=sys.stderr,
        )
        return 1
    return 0


async def serve_webhook(
    application: BotApplication,
    stop: BoundedStop,
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret_token: str,
    allowed_updates: list[str],
    handle_signals: bool = True,
) -> None:
    """Run the bot behind its own webhook server (bot.telegram.webhook) until a stop signal.

    The lifecycle python-telegram-bot documents for a custom webhook server: initialize,
    post_init, setWebhook, start; then stop, post_stop, shutdown, post_shutdown.
    """
    if handle_signals:
        install_stop_signals(stop, end_run=False)
    bot = application.bot

    async def deliver(raw: Any) -> None:
        update = readable_update(raw, bot)  # skipped (and logged, without data) if unreadable
        if update is not None:
            await application.update_queue.put(Update.de_json(update, bot))

    server = WebhookServer(path=url_path, secret=secret_token, deliver=deliver)
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await bot.set_webhook(
            webhook_url, secret_token=secret_token, allowed_updates=allowed_updates
        )
        await server.start(listen, port)
        log.info("serving a webhook for %s on %s:%d", webhook_url, listen, port)
        await application.start()
        await stop.wait()
        await server.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    finally:
        await server.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
