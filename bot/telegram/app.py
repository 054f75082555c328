"""The Telegram front end: python-telegram-bot handlers around the answer engine.

Handlers stay thin: the engine answers, `bot.formatting` writes the HTML, `bot.keyboards`
lays out buttons, `bot.callbacks` signs their data, `bot.state` stores feedback and
`bot.ratelimit` keeps one user's flood from starving the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import sys
from collections.abc import Sequence
from typing import Any, TypeAlias
from urllib.parse import quote, urlparse

import aiosqlite
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.answering.engine import Engine, UnknownEntryError
from bot.config import Settings
from bot.knowledge import database
from bot.knowledge.database import DatabaseError
from bot.knowledge.files import KnowledgeError
from bot.knowledge.reload import Change, ReplacementWatch
from bot.models import Answer, Lang
from bot.state import StateStore, StateStoreError, Vote
from bot.telegram import formatting, keyboards
from bot.telegram.callbacks import CallbackSigner, InvalidCallbackError, Kind, derive_secret
from bot.telegram.delivery import ResilientRateLimiter, TolerantBot
from bot.telegram.ratelimit import UserRateLimiter, Verdict

log = logging.getLogger(__name__)

BotApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
Context: TypeAlias = ContextTypes.DEFAULT_TYPE

# Only what the handlers use: Telegram then does not even deliver edits or channel posts.
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MAX_INLINE_RESULTS = 5
# Answers never change while the bot runs, so Telegram may reuse inline results for a while.
INLINE_CACHE_SECONDS = 300
# Inline queries fire while the user types, so they get more room than chat messages.
INLINE_RATE_FACTOR = 4
# Extra inline results must still be plausibly related to the query.
INLINE_RELATED_SHARE = 0.6
WELCOME_EXAMPLES = 4
TELEGRAM_API_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
# Updates handled at once. Each handler holds at most one reply connection, so the pool
# matches; more of either costs CPU per update (httpcore scans its pool on every request):
# measured 16 → ~300 and 8 → ~375 updates/s (docs/benchmarks.md), far above Telegram's 30/s.
CONCURRENT_UPDATES = 8
REPLY_CONNECTIONS = CONCURRENT_UPDATES
DEFAULT_FEEDBACK_SALT = "change-me"
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_REDACTED = "[REDACTED]"

COMMANDS: dict[Lang, list[BotCommand]] = {
    "ko": [
        BotCommand("ask", "기사에 대해 질문하기 (/ask 질문)"),
        BotCommand("fact", "짧은 답과 인용 (그룹용)"),
        BotCommand("topics", "기사가 다루는 주제 목록"),
        BotCommand("about", "기사 제목·신문·날짜·기자"),
        BotCommand("help", "사용법"),
    ],
    "en": [
        BotCommand("ask", "Ask about the article (/ask question)"),
        BotCommand("fact", "Short answer with the quote (for groups)"),
        BotCommand("topics", "Topics the article covers"),
        BotCommand("about", "The article's title, paper, date and reporter"),
        BotCommand("help", "How to use the bot"),
    ],
}


class ConfigurationError(Exception):
    """A setting is missing or invalid; the message names the setting to fix in .env."""


# ------------------------------------------------------------------------------ logging


class TokenRedactingFilter(logging.Filter):
    """Replaces the bot token in every record: PTB and httpx log URLs that contain it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        # URLs may carry the token percent-encoded (":" as "%3A").
        self._secrets = sorted({token, quote(token, safe="")}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, _REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; still redact the parts
            message = f"{record.msg} {record.args}"
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_token_in_logs(token: str) -> None:
    """Put a TokenRedactingFilter on every root handler (once per token).

    With no logging configured yet, basic logging is set up first: a filter needs a handler
    to sit on, and Python's last-resort handler takes no filters.
    """
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in root.handlers:
        if not any(
            isinstance(f, TokenRedactingFilter) and f.token == token for f in handler.filters
        ):
            handler.addFilter(TokenRedactingFilter(token))


# ------------------------------------------------------------------------------ helpers


def user_lang(user: User | None) -> Lang:
    """English for users whose Telegram app is in English, Korean for everyone else."""
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "ko"


def markup(rows: keyboards.Rows) -> InlineKeyboardMarkup | None:
    """Telegram buttons from plain (label, callback_data) rows."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _without_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` minus the (offset, length) spans, which are in UTF-16 units like entities."""
    encoded = text.encode("utf-16-le")
    for offset, length in sorted(spans, reverse=True):
        encoded = encoded[: offset * 2] + encoded[(offset + length) * 2 :]
    return encoded.decode("utf-16-le", errors="ignore")


def _mentions_of(message: Message, bot_username: str, bot_id: int) -> list[tuple[int, int]]:
    """Where `message` mentions the bot: @username or a text mention of its user."""
    spans = []
    wanted = "@" + bot_username.lower()
    for entity, text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if (entity.type == MessageEntity.MENTION and text.lower() == wanted) or (
            entity.type == MessageEntity.TEXT_MENTION
            and entity.user is not None
            and entity.user.id == bot_id
        ):
            spans.append((entity.offset, entity.length))
    return spans


def question_text(message: Message, bot_username: str, bot_id: int) -> str:
    """The message text without mentions of the bot."""
    text = message.text or ""
    return " ".join(_without_spans(text, _mentions_of(message, bot_username, bot_id)).split())


def addressed_question(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group: the question if the message is addressed to the bot, else None.

    Addressed means an @mention of the bot or a reply to one of the bot's own messages;
    commands are routed to their handlers before this is asked. Both still reach the bot
    with privacy mode on.
    """
    replied = message.reply_to_message
    is_reply_to_bot = (
        replied is not None and replied.from_user is not None and replied.from_user.id == bot_id
    )
    if not is_reply_to_bot and not _mentions_of(message, bot_username, bot_id):
        return None
    return question_text(message, bot_username, bot_id)


def command_argument(message: Message) -> str:
    """What follows the leading /command (or /command@bot); "" if nothing printable does."""
    parts = (message.text or "").split(maxsplit=1)
    argument = parts[1].strip() if len(parts) > 1 else ""
    return argument if formatting.printable(argument).strip() else ""


def is_admin_request(message: Message, admin_ids: frozenset[int]) -> bool:
    """True for a message from a user in ADMIN_IDS, in a private chat (groups would see it)."""
    sender = message.from_user
    return sender is not None and sender.id in admin_ids and message.chat.type == ChatType.PRIVATE


def _describe(update: object) -> str:
    """A log-friendly summary of an update: its id, kind and chat type, no user text."""
    if not isinstance(update, Update):
        return repr(update)[:200]
    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "?")
    chat = update.effective_chat
    where = f" in a {chat.type} chat" if chat else ""
    return f"update {update.update_id} ({kind}{where})"


def _base_file_url(settings: Settings) -> str | None:
    if settings.telegram_base_file_url:
        return settings.telegram_base_file_url
    base = settings.telegram_base_url
    if not base:
        return None
    head, sep, tail = base.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot{tail}" if sep else None


def _require_token(settings: Settings) -> str:
    token = (
        settings.telegram_bot_token.get_secret_value().strip()
        if settings.telegram_bot_token
        else ""
    )
    if not token:
        raise ConfigurationError(
            "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put "
            "TELEGRAM_BOT_TOKEN=... in .env (see .env.example)"
        )
    return token


# ------------------------------------------------------------------------------ handlers


class ArticleBot:
    """The bot's handlers and the services they share (engine, state, limiter, signer)."""

    def __init__(self, settings: Settings, signer: CallbackSigner, engine: Engine | None) -> None:
        self.settings = settings
        self.signer = signer
        self._engine = engine
        self._state: StateStore | None = None
        self._count_saver: asyncio.Task[None] | None = None
        # Set when the bot opened the knowledge database itself, so it can notice a rebuild.
        self._watch: ReplacementWatch | None = None
        self._reloading = False
        self.limiter = UserRateLimiter(settings.user_rate_limit, settings.user_rate_window_seconds)
        self.inline_limiter = UserRateLimiter(
            settings.user_rate_limit * INLINE_RATE_FACTOR, settings.user_rate_window_seconds
        )

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("the engine is not open yet; post_init opens it")
        return self._engine

    @property
    def state(self) -> StateStore:
        if self._state is None:
            raise RuntimeError("the state database is not open yet; post_init opens it")
        return self._state

    # --------------------------------------------------------------------- lifecycle

    async def post_init(self, application: BotApplication) -> None:
        """Open the engine and state database, register commands, say we are ready."""
        if self._engine is None:
            path = self.settings.database_path
            await database.ensure_built(path, self.settings.knowledge_dir)
            self._watch = ReplacementWatch(path, self.settings.knowledge_reload_seconds)
            self._watch.mark()  # before loading, so a rebuild during the load is noticed
            self._engine = await Engine.open(path)
        self._state = await StateStore.open(
            self.settings.state_database_path,
            salt=self.settings.feedback_salt.get_secret_value(),
        )
        # Saving counts once per question costs a transaction each (a fifth of a reply's
        # CPU under load); a crash loses at most this interval of counts, never a vote.
        self._count_saver = asyncio.create_task(
            self._save_counts_periodically(), name="save-question-counts"
        )
        if self.settings.feedback_salt.get_secret_value() == DEFAULT_FEEDBACK_SALT:
            log.warning(
                "FEEDBACK_SALT is the default; set a random value in .env so user "
                "hashes cannot be recomputed from public user ids"
            )
        bot = application.bot
        try:
            await bot.set_my_commands(COMMANDS["ko"])
            await bot.set_my_commands(COMMANDS["en"], language_code="en")
        except TelegramError as exc:  # the bot works without the command menu
            log.warning("could not register the command menu: %s", exc)
        log.info("ready as @%s", bot.username)

    async def post_shutdown(self, application: BotApplication) -> None:
        """Stop saving counts periodically and close the state database (saving the rest)."""
        if self._count_saver is not None:
            self._count_saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._count_saver
            self._count_saver = None
        if self._state is not None:
            await self._state.close()
            self._state = None

    async def refresh_knowledge(self, update: object, context: Context) -> None:
        """Before each update: reload the engine if the knowledge database was rebuilt."""
        watch = self._watch
        if watch is None or self._reloading:
            return
        change = watch.check()
        if change is Change.MISSING:
            log.warning(
                "knowledge database %s is gone; still answering from memory. "
                "Run 'python -m bot build' to recreate it",
                watch.path,
            )
        elif change is Change.REPLACED:
            await self._reload(watch)

    async def _reload(self, watch: ReplacementWatch) -> None:
        """Swap in an engine loaded from the new file; keep the old one if it is unreadable."""
        self._reloading = True
        try:
            watch.mark()
            engine = await Engine.open(watch.path)
        except Exception as exc:  # whatever is wrong with the new file, keep serving
            log.error(
                "knowledge database %s was replaced but cannot be loaded, so the previous "
                "version stays in use: %s",
                watch.path,
                exc,
            )
        else:
            self._engine = engine
            log.info("reloaded %s: %d entries", watch.path, len(engine.entries))
        finally:
            self._reloading = False

    # --------------------------------------------------------------------- commands

    async def start(self, update: Update, context: Context) -> None:
        """/start: greet, or answer the entry named by a deep-link payload."""
        message = update.effective_message
        if message is None or not await self._admit(update, message):
            return
        lang = user_lang(update.effective_user)
        if context.args:
            try:
                answer = self.engine.answer_entry(context.args[0], lang=lang)
            except UnknownEntryError:
                log.info("deep link to an unknown entry; greeting instead")
            else:
                await self._send_answer(message, answer, short=False)
                return
        await self._welcome(message, lang, context)

    async def help(self, update: Update, context: Context) -> None:
        """/help: what the bot knows and how to use it."""
        message = update.effective_message
        if message is not None and await self._admit(update, message):
            await self._welcome(message, user_lang(update.effective_user), context)

    async def ask(self, update: Update, context: Context) -> None:
        """/ask <question>: the full answer."""
        await self._command_question(update, context, short=False)

    async def fact(self, update: Update, context: Context) -> None:
        """/fact <question>: the one-line answer plus the quote."""
        await self._command_question(update, context, short=True)

    async def about(self, update: Update, context: Context) -> None:
        """/about: the article's title, newspaper, date and reporter."""
        message = update.effective_message
        if message is not None and await self._admit(update, message):
            html = formatting.about_html(self.engine.article, user_lang(update.effective_user))
            await self._reply(message, html)

    async def topics(self, update: Update, context: Context) -> None:
        """/topics: the first page of topic buttons."""
        message = update.effective_message
        if message is None or not await self._admit(update, message):
            return
        lang = user_lang(update.effective_user)
        html, rows = self._topics_page(lang, 0)
        await self._reply(message, html, rows)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats: totals for ADMIN_IDS in private chat; anyone else gets no reply at all."""
        message = update.effective_message
        if message is None or not is_admin_request(message, self.settings.admin_ids):
            log.info("ignored /stats from someone not in ADMIN_IDS")
            return
        totals = await self.state.stats()
        await self._reply(message, formatting.stats_html(totals, user_lang(message.from_user)))

    async def unknown_command(self, update: Update, context: Context) -> None:
        """A command the bot does not have, in private chat."""
        message = update.effective_message
        if message is not None and await self._admit(update, message):
            await self._reply(message, formatting.unknown_command(user_lang(update.effective_user)))

    # --------------------------------------------------------------------- messages

    async def private_text(self, update: Update, context: Context) -> None:
        """Private chat: every text message is a question."""
        message = update.effective_message
        if message is None or self._sent_via_this_bot(message, context):
            return
        question = question_text(message, context.bot.username, context.bot.id)
        if not question:
            return
        if await self._admit(update, message):
            await self._answer_question(message, question, short=False)

    async def group_text(self, update: Update, context: Context) -> None:
        """Group chat: answer only when addressed (mention or reply to the bot)."""
        message = update.effective_message
        if message is None or self._sent_via_this_bot(message, context):
            return
        question = addressed_question(message, context.bot.username, context.bot.id)
        if question is None or not await self._admit(update, message):
            return
        if not question:
            lang = user_lang(update.effective_user)
            await self._reply(message, formatting.ask_usage_html(lang, "ask", context.bot.username))
            return
        await self._answer_question(message, question, short=False)

    async def non_text(self, update: Update, context: Context) -> None:
        """Private chat: stickers, photos and the like get a request for text."""
        message = update.effective_message
        if message is not None and await self._admit(update, message):
            lang = user_lang(update.effective_user)
            await self._reply(message, formatting.please_send_text(lang))

    # --------------------------------------------------------------------- buttons & inline

    async def button(self, update: Update, context: Context) -> None:
        """Any button tap; every query gets answered, forged or stale ones with an alert."""
        query = update.callback_query
        if query is None:
            return
        engine = self.engine  # one version of the knowledge for the whole tap
        try:
            action = self.signer.parse(query.data)
        except InvalidCallbackError as exc:
            log.info("rejected a button press: %s", exc)
            await query.answer(formatting.stale_button(user_lang(query.from_user)), show_alert=True)
            return
        verdict = self.limiter.check(query.from_user.id)
        if verdict is not Verdict.ALLOW:
            await query.answer(
                formatting.slow_down(action.lang) if verdict is Verdict.WARN else None
            )
            return
        if action.kind is Kind.TOPICS_PAGE:
            await query.answer()
            html, rows = self._topics_page(action.lang, action.page)
            try:
                await query.edit_message_text(
                    html,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup(rows),
                    link_preview_options=NO_PREVIEW,
                )
            except BadRequest as exc:  # a double tap: the page is already shown
                if "not modified" not in exc.message.lower():
                    raise
            return
        try:
            entry = engine.entry(action.value)
        except UnknownEntryError:
            await query.answer(formatting.stale_button(action.lang), show_alert=True)
            return
        if action.kind is Kind.ANSWER:
            where = query.message
            if where is None:  # a button on an inline-mode message: no chat to answer in
                await query.answer(formatting.stale_button(action.lang), show_alert=True)
                return
            await query.answer()
            answer = engine.answer_entry(entry.id, lang=action.lang)
            await context.bot.send_message(
                where.chat.id,
                formatting.answer_html(answer, engine.article),
                parse_mode=ParseMode.HTML,
                link_preview_options=NO_PREVIEW,
                reply_markup=markup(self._answer_rows(answer)),
                reply_parameters=None
                if where.chat.type == ChatType.PRIVATE
                else ReplyParameters(where.message_id, allow_sending_without_reply=True),
            )
            return
        chat_type = query.message.chat.type if query.message is not None else "inline"
        vote = Vote.UP if action.kind is Kind.VOTE_UP else Vote.DOWN
        await self.state.record_vote(entry.id, query.from_user.id, str(chat_type), vote)
        await query.answer(formatting.vote_thanks(action.lang))

    async def inline(self, update: Update, context: Context) -> None:
        """Inline mode: up to five answers; an empty query lists popular facts."""
        inline_query = update.inline_query
        if inline_query is None:
            return
        if self.inline_limiter.check(inline_query.from_user.id) is not Verdict.ALLOW:
            return  # Telegram simply shows no results; nothing to tell the user
        text = inline_query.query.strip()
        answers = self._inline_answers(text, user_lang(inline_query.from_user))
        results = [
            InlineQueryResultArticle(
                id=answer.id or str(index),
                title=formatting.truncate(answer.question, keyboards.MAX_LABEL_CHARS),
                description=formatting.short_answer(answer.answer),
                input_message_content=InputTextMessageContent(
                    formatting.answer_html(answer, self.engine.article),
                    parse_mode=ParseMode.HTML,
                    link_preview_options=NO_PREVIEW,
                ),
                reply_markup=markup(self._answer_rows(answer)),
            )
            for index, answer in enumerate(answers)
        ]
        # The empty query's list follows the user's language, so it is personal.
        await inline_query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=not text)

    async def on_error(self, update: object, context: Context) -> None:
        """Log any handler error with its context; never let it stop the bot."""
        log.error("error while handling %s", _describe(update), exc_info=context.error)
        if not isinstance(update, Update):
            return
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(
                    formatting.error_apology(user_lang(update.callback_query.from_user))
                )
            elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
                await update.message.reply_text(
                    formatting.error_apology(user_lang(update.effective_user))
                )
        except TelegramError as exc:  # already answered, or Telegram is unreachable
            log.warning("could not apologise for %s: %s", _describe(update), exc)

    # --------------------------------------------------------------------- internals

    async def _command_question(self, update: Update, context: Context, *, short: bool) -> None:
        message = update.effective_message
        if message is None or not await self._admit(update, message):
            return
        question = command_argument(message)
        if not question:
            command = "fact" if short else "ask"
            await self._reply(
                message,
                formatting.ask_usage_html(
                    user_lang(update.effective_user), command, context.bot.username
                ),
            )
            return
        await self._answer_question(message, question, short=short)

    async def _answer_question(self, message: Message, question: str, *, short: bool) -> None:
        answer = self.engine.ask(question)
        self.state.count_question(answered=answer.answered)
        await self._send_answer(message, answer, short=short)

    async def _send_answer(self, message: Message, answer: Answer, *, short: bool) -> None:
        html = (
            formatting.fact_html(answer)
            if short
            else formatting.answer_html(answer, self.engine.article)
        )
        await self._reply(message, html, self._answer_rows(answer))

    def _answer_rows(self, answer: Answer) -> keyboards.Rows:
        """👍/👎 under an answer, or 'did you mean' buttons under a decline."""
        if answer.answered and answer.id is not None:
            return keyboards.feedback_rows(self.signer, answer.id, answer.lang)
        return keyboards.question_rows(self.signer, answer.suggestions, answer.lang)

    async def _welcome(self, message: Message, lang: Lang, context: Context) -> None:
        examples = [self.engine.suggestion(e, lang) for e in self.engine.popular(WELCOME_EXAMPLES)]
        html = formatting.welcome_html(
            self.engine.article,
            lang,
            bot_username=context.bot.username,
            topic_count=len(self.engine.entries),
            examples=examples,
        )
        await self._reply(message, html, keyboards.question_rows(self.signer, examples, lang))

    def _topics_page(self, lang: Lang, page: int) -> tuple[str, keyboards.Rows]:
        entries = self.engine.entries
        pages = keyboards.page_count(len(entries))
        page = min(max(page, 0), pages - 1)
        return (
            formatting.topics_html(lang, page, pages),
            keyboards.topic_rows(self.signer, entries, lang, page),
        )

    def _inline_answers(self, text: str, user_language: Lang) -> list[Answer]:
        engine = self.engine
        if not text:
            return [
                engine.answer_entry(e.id, lang=user_language)
                for e in engine.popular(MAX_INLINE_RESULTS)
            ]
        best = engine.ask(text)
        ids: list[str] = [best.id] if best.answered and best.id else []
        if best.answered:
            floor = engine.threshold * INLINE_RELATED_SHARE
            ids += [
                m.entry.id
                for m in engine.find(text, limit=MAX_INLINE_RESULTS + 1)
                if m.score >= floor
            ]
        else:
            ids += [s.id for s in best.suggestions]
        unique = list(dict.fromkeys(ids))[:MAX_INLINE_RESULTS]
        return [engine.answer_entry(entry_id, lang=best.lang) for entry_id in unique]

    async def _reply(self, message: Message, html: str, rows: keyboards.Rows | None = None) -> None:
        """Reply in HTML without link previews; threaded to `message` outside private chats."""
        threaded = message.chat.type != ChatType.PRIVATE
        await message.reply_html(
            html,
            reply_markup=markup(rows or []),
            link_preview_options=NO_PREVIEW,
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True)
            if threaded
            else None,
            do_quote=False if not threaded else None,
        )

    async def _admit(self, update: Update, message: Message) -> bool:
        """Apply the per-user limit; the first refused message gets one 'slow down' notice."""
        user = update.effective_user
        verdict = self.limiter.check(user.id if user else message.chat.id)
        if verdict is Verdict.WARN:
            log.info("user rate limit reached in a %s chat", message.chat.type)
            await self._reply(message, formatting.slow_down(user_lang(user)))
        return verdict is Verdict.ALLOW

    async def _save_counts_periodically(self) -> None:
        """Write the /stats counters every STATS_SAVE_SECONDS, off the reply path."""
        while True:
            await asyncio.sleep(self.settings.stats_save_seconds)
            try:
                await self.state.flush_counts()
            except aiosqlite.Error as exc:  # statistics must never cost the user an answer
                log.warning("could not save the question counts (kept for the next try): %s", exc)

    @staticmethod
    def _sent_via_this_bot(message: Message, context: Context) -> bool:
        """Messages posted through our own inline mode are answers, not questions."""
        return message.via_bot is not None and message.via_bot.id == context.bot.id


# ------------------------------------------------------------------------------ wiring


def build_application(settings: Settings, engine: Engine | None = None) -> BotApplication:
    """The configured Application; post_init opens the engine (unless given) and state DB."""
    token = _require_token(settings)
    redact_token_in_logs(token)
    secret = (
        settings.callback_secret.get_secret_value().encode()
        if settings.callback_secret
        else derive_secret(token)
    )
    handlers = ArticleBot(settings, CallbackSigner(secret), engine)
    bot = TolerantBot(
        token,
        base_url=settings.telegram_base_url or TELEGRAM_API_URL,
        base_file_url=_base_file_url(settings) or TELEGRAM_FILE_URL,
        # What ApplicationBuilder would make: a pool for replies, one connection for polling.
        request=HTTPXRequest(connection_pool_size=REPLY_CONNECTIONS),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
        # Telegram's flood limits (30/s, 20/min per group), 429s waited out, 5xx retried.
        rate_limiter=ResilientRateLimiter(),
    )
    application: BotApplication = (
        ApplicationBuilder()
        .bot(bot)
        # Handlers share no per-chat state (the limiter and the store are safe to interleave).
        .concurrent_updates(CONCURRENT_UPDATES)
        .post_init(handlers.post_init)
        .post_shutdown(handlers.post_shutdown)
        .build()
    )

    message = filters.UpdateType.MESSAGE  # not edits, not channel posts
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    # Runs before the handlers of every update; cheap unless the knowledge file was replaced.
    application.add_handler(TypeHandler(Update, handlers.refresh_knowledge), group=-1)
    commands = [
        ("start", handlers.start),
        ("help", handlers.help),
        ("ask", handlers.ask),
        ("fact", handlers.fact),
        ("about", handlers.about),
        ("topics", handlers.topics),
        ("stats", handlers.stats),  # admin-only, so never in the public command menu
    ]
    for name, callback in commands:
        application.add_handler(CommandHandler(name, callback, filters=message))
    application.add_handler(
        MessageHandler(message & private & filters.COMMAND, handlers.unknown_command)
    )
    application.add_handler(
        MessageHandler(message & private & filters.TEXT & ~filters.COMMAND, handlers.private_text)
    )
    application.add_handler(
        MessageHandler(message & groups & filters.TEXT & ~filters.COMMAND, handlers.group_text)
    )
    application.add_handler(
        MessageHandler(
            message & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.non_text
        )
    )
    application.add_handler(CallbackQueryHandler(handlers.button))
    application.add_handler(InlineQueryHandler(handlers.inline))
    application.add_error_handler(handlers.on_error)
    return application


def webhook_options(
    settings: Settings, *, webhook_url: str, listen: str, port: int
) -> dict[str, Any]:
    """Arguments for run_webhook/start_webhook; a secret token is always checked."""
    if settings.webhook_secret_token is not None:
        secret = settings.webhook_secret_token.get_secret_value()
        if not _WEBHOOK_SECRET_RE.fullmatch(secret):
            raise ConfigurationError(
                "WEBHOOK_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, '_' and '-'"
            )
    else:
        # Telegram sends back whatever setWebhook registered, so a fresh one per run works.
        secret = secrets.token_urlsafe(32)
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
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request URL at INFO
    try:
        application = build_application(settings)
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
            application.run_webhook(**options)
        else:
            application.run_polling(allowed_updates=ALLOWED_UPDATES)
    except InvalidToken:
        print(
            "error: Telegram rejected TELEGRAM_BOT_TOKEN; copy it again from @BotFather",
            file=sys.stderr,
        )
        return 2
    except (KnowledgeError, DatabaseError, StateStoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TelegramError as exc:  # e.g. the Bot API cannot be reached at start-up
        message = TokenRedactingFilter(_require_token(settings)).redact(str(exc))
        print(
            f"error: cannot talk to the Telegram Bot API ({message}); check the network "
            "connection and TELEGRAM_BASE_URL",
            file=sys.stderr,
        )
        return 1
    return 0
