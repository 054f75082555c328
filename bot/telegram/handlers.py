"""The bot's handlers: thin async functions over the engine, formatting and state.

Each handler reads the update, asks a pure module (`bot.answering`, `bot.telegram.formatting`,
`bot.telegram.keyboards`) and replies. Cross-cutting checks are decorators: `admitted` applies
the per-user rate limit to messages, `pressed` verifies and rate-limits button data.
Replies are HTML without link previews through the application's `Defaults`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeAlias

import aiosqlite
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from bot import review, texts
from bot.answering.context import Conversations, Turn
from bot.answering.engine import Decision, Engine
from bot.config import DEFAULT_FEEDBACK_SALT, Settings
from bot.errors import InvalidCallbackError, KnowledgeDatabaseError, UnknownEntryError
from bot.knowledge import database
from bot.knowledge.reload import Change, ReplacementWatch
from bot.models import Answer, Lang
from bot.state import StateStore, Vote
from bot.telegram import formatting, keyboards
from bot.telegram.callbacks import Action, CallbackSigner, Kind
from bot.telegram.delivery import attempt_reply, reply_may_have_arrived
from bot.telegram.messages import (
    RecentIds,
    addressed_question,
    clean_text,
    command_argument,
    describe,
    is_admin_request,
    question_text,
    rate_key,
    user_lang,
)
from bot.telegram.outbox import GroupOutbox, Outgoing
from bot.telegram.ratelimit import UserRateLimiter, Verdict
from bot.telegram.shutdown import OUTBOX_GRACE_SECONDS, BoundedStop

log = logging.getLogger(__name__)

BotApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
Context: TypeAlias = ContextTypes.DEFAULT_TYPE

MAX_INLINE_RESULTS = 5
# Answers never change while the bot runs, so Telegram may reuse inline results for a while.
INLINE_CACHE_SECONDS = 300
# Inline queries fire while the user types, so they get more room than chat messages.
INLINE_RATE_FACTOR = 4
WELCOME_EXAMPLES = 4
# While questions come in, the unanswered log's retention is applied at most this often.
UNANSWERED_PURGE_SECONDS = 3600.0
# An update waits at most this long for a reload of the knowledge database; a reload that
# takes longer than RELOAD_TIMEOUT_SECONDS is given up, so the next one can start.
RELOAD_WAIT_SECONDS = 2.0
RELOAD_TIMEOUT_SECONDS = 30.0


def markup(rows: keyboards.Rows) -> InlineKeyboardMarkup | None:
    """Telegram buttons from plain (label, callback_data) rows."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def admitted(
    handler: Callable[[ArticleBot, Message, Update, Context], Coroutine[Any, Any, None]],
) -> Callable[[ArticleBot, Update, Context], Coroutine[Any, Any, None]]:
    """Run `handler` only for a message within its sender's rate limit.

    The first refused message gets one 'slow down' notice; later ones are dropped silently.
    """

    @functools.wraps(handler)
    async def wrapper(self: ArticleBot, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        user = update.effective_user
        verdict = self.limiter.check(rate_key(message))
        if verdict is Verdict.WARN:
            log.info("user rate limit reached in a %s chat", message.chat.type)
            await self.reply(message, texts.SLOW_DOWN(user_lang(user)))
        if verdict is Verdict.ALLOW:
            await handler(self, message, update, context)

    return wrapper


def pressed(
    handler: Callable[[ArticleBot, Action, Update, Context], Coroutine[Any, Any, None]],
) -> Callable[[ArticleBot, Update, Context], Coroutine[Any, Any, None]]:
    """Run `handler` for button data this bot signed, within the presser's rate limit.

    Every query gets answered: forged or stale data with an alert, a flood with a notice.
    """

    @functools.wraps(handler)
    async def wrapper(self: ArticleBot, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            action = self.signer.parse(query.data)
        except InvalidCallbackError as exc:
            log.info("rejected a button press: %s", exc)
            await query.answer(texts.STALE_BUTTON(user_lang(query.from_user)), show_alert=True)
            return
        verdict = self.limiter.check(query.from_user.id)
        if verdict is not Verdict.ALLOW:
            await query.answer(texts.SLOW_DOWN(action.lang) if verdict is Verdict.WARN else None)
            return
        await handler(self, action, update, context)

    return wrapper


class ArticleBot:
    """The bot's handlers and the services they share (engine, state, limiter, signer)."""

    def __init__(
        self,
        settings: Settings,
        signer: CallbackSigner,
        engine: Engine | None,
        stopping: BoundedStop | None = None,
    ) -> None:
        self.settings = settings
        self.signer = signer
        self._engine = engine
        self._state: StateStore | None = None
        self._count_saver: asyncio.Task[None] | None = None
        # Set when the bot opened the knowledge database itself, so it can notice a rebuild.
        self._watch: ReplacementWatch | None = None
        self._reload: asyncio.Task[None] | None = None
        self._purged_at = float("-inf")  # monotonic time of the last unanswered-log purge
        self._background: set[asyncio.Task[None]] = set()
        self.limiter = UserRateLimiter(settings.user_rate_limit, settings.user_rate_window_seconds)
        self.inline_limiter = UserRateLimiter(
            settings.user_rate_limit * INLINE_RATE_FACTOR, settings.user_rate_window_seconds
        )
        # What each private chat is talking about, for follow-ups; in memory only, by chat id.
        self.conversations = Conversations(
            idle_seconds=settings.context_idle_seconds, max_size=settings.context_max_chats
        )
        # Group replies wait here for the group's Telegram budget, not in an update slot.
        self.outbox = GroupOutbox()
        self.stopping = stopping or BoundedStop()
        self._seen_updates = RecentIds()

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
        """Open the engine (unless given) and the state database."""
        if self._engine is None:
            path = self.settings.database_path
            await database.ensure_built(path, self.settings.knowledge_dir)
            self._watch = ReplacementWatch(path, self.settings.knowledge_reload_seconds)
            self._watch.mark()  # before loading, so a rebuild during the load is noticed
            try:
                async with asyncio.timeout(RELOAD_TIMEOUT_SECONDS):
                    self._engine = await Engine.open(path)
            except TimeoutError as exc:
                raise KnowledgeDatabaseError(
                    f"opening the knowledge database {path} took over "
                    f"{RELOAD_TIMEOUT_SECONDS:.0f} s (a stalled disk or network mount?); "
                    "check DATABASE_PATH"
                ) from exc
        salt = self.settings.feedback_salt
        self._state = await StateStore.open(
            self.settings.state_database_path,
            salt=salt.get_secret_value() if salt is not None else None,
        )
        await self._purge_unanswered()
        # Saving counts once per question costs a transaction each (a fifth of a reply's
        # CPU under load); a crash loses at most this interval of counts, never a vote.
        self._count_saver = asyncio.create_task(
            self._save_counts_periodically(), name="save-question-counts"
        )
        if salt is not None and salt.get_secret_value() == DEFAULT_FEEDBACK_SALT:
            log.warning(
                "FEEDBACK_SALT is the default; set a random value in .env so user "
                "hashes cannot be recomputed from public user ids"
            )

    async def post_stop(self, application: BotApplication) -> None:
        """Send the queued group replies that fit in the time left before the deadline."""
        await self.outbox.close(self.stopping.time_left(OUTBOX_GRACE_SECONDS))

    async def post_shutdown(self, application: BotApplication) -> None:
        """Stop saving counts periodically and close the state database (saving the rest)."""
        await self.outbox.close(0)  # without post_stop (tests), nothing queued is sent
        if self._reload is not None:  # a stuck reload must not hold up the stop
            self._reload.cancel()  # its thread may stay stuck; the task ends at once
            with contextlib.suppress(asyncio.CancelledError):
                await self._reload
        if self._count_saver is not None:
            self._count_saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._count_saver
            self._count_saver = None
        if self._state is not None:
            await self._state.close()
            self._state = None

    async def admit_update(self, update: object, context: Context) -> None:
        """Before everything: handle each update id once, and let a stop cut this one off."""
        self.stopping.track_current_handler()
        if isinstance(update, Update) and not self._seen_updates.add(update.update_id):
            log.info("update %d arrived again; it was handled already", update.update_id)
            raise ApplicationHandlerStop

    async def refresh_knowledge(self, update: object, context: Context) -> None:
        """Before each update: reload the engine if the knowledge database was rebuilt.

        The look at the file and the load run in a task of their own, off the event loop's
        thread, under a timeout: a file that blocks (a stalled network mount) delays an
        update by at most RELOAD_WAIT_SECONDS and never blocks the next reload.
        """
        watch = self._watch
        if watch is None:
            return
        if self._reload is None:
            if not watch.due():
                return
            self._reload = asyncio.create_task(self._check_and_reload(watch), name="reload")
        # Wait a little, so the message after a rebuild is answered from the new version.
        await asyncio.wait({self._reload}, timeout=RELOAD_WAIT_SECONDS)

    async def _check_and_reload(self, watch: ReplacementWatch) -> None:
        try:
            async with asyncio.timeout(RELOAD_TIMEOUT_SECONDS):
                change = await asyncio.to_thread(watch.check)
                if change is Change.MISSING:
                    log.warning(
                        "knowledge database %s is gone; still answering from memory. "
                        "Run 'python -m bot build' to recreate it",
                        watch.path,
                    )
                elif change is Change.REPLACED:
                    await self._reload_engine(watch)
        except TimeoutError:
            log.error(
                "knowledge database %s: looking at or loading it took over %.0f s (a stalled "
                "disk or network mount?); still answering from the loaded version",
                watch.path,
                RELOAD_TIMEOUT_SECONDS,
            )
        finally:
            self._reload = None

    async def _reload_engine(self, watch: ReplacementWatch) -> None:
        """Swap in an engine loaded from the new file; keep the old one if it is unreadable."""
        try:
            await asyncio.to_thread(watch.mark)
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

    # --------------------------------------------------------------------- commands

    @admitted
    async def start(self, message: Message, update: Update, context: Context) -> None:
        """/start: greet, or answer the entry named by a deep-link payload; a fresh start."""
        self.conversations.forget(message.chat.id)
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

    @admitted
    async def reset(self, message: Message, update: Update, context: Context) -> None:
        """/reset: forget what this chat was talking about."""
        self.conversations.forget(message.chat.id)
        await self.reply(message, texts.CONTEXT_RESET(user_lang(update.effective_user)))

    @admitted
    async def help(self, message: Message, update: Update, context: Context) -> None:
        """/help: what the bot knows and how to use it."""
        await self._welcome(message, user_lang(update.effective_user), context)

    @admitted
    async def ask(self, message: Message, update: Update, context: Context) -> None:
        """/ask <question>: the full answer."""
        await self._command_question(message, update, context, short=False)

    @admitted
    async def fact(self, message: Message, update: Update, context: Context) -> None:
        """/fact <question>: the one-line answer plus the quote."""
        await self._command_question(message, update, context, short=True)

    @admitted
    async def about(self, message: Message, update: Update, context: Context) -> None:
        """/about: the article's title, newspaper, date and reporter."""
        html = formatting.about_html(self.engine.article, user_lang(update.effective_user))
        await self.reply(message, html)

    @admitted
    async def topics(self, message: Message, update: Update, context: Context) -> None:
        """/topics: the first page of topic buttons."""
        html, rows = self._topics_page(user_lang(update.effective_user), 0)
        await self.reply(message, html, rows)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats: totals for ADMIN_IDS in private chat; anyone else gets no reply at all."""
        message = update.effective_message
        if message is None or not is_admin_request(message, self.settings.admin_ids):
            log.info("ignored /stats from someone not in ADMIN_IDS")
            return
        totals = await self.state.stats()
        await self._purge_unanswered()
        groups = review.group(await self.state.unanswered())[: formatting.STATS_TOP_UNANSWERED]
        votes = await self.state.votes_by_entry()
        await self.reply(
            message,
            formatting.stats_html(
                totals, user_lang(message.from_user), unanswered=groups, votes=votes
            ),
        )

    @admitted
    async def unknown_command(self, message: Message, update: Update, context: Context) -> None:
        """A command the bot does not have, in private chat."""
        await self.reply(message, texts.UNKNOWN_COMMAND(user_lang(update.effective_user)))

    # --------------------------------------------------------------------- messages

    @admitted
    async def private_text(self, message: Message, update: Update, context: Context) -> None:
        """Private chat: every text message is a question."""
        question = question_text(message, context.bot.username, context.bot.id)
        if question:
            key = message.chat.id
            decision = self.engine.reply(question, context=self.conversations.get(key))
            self._remember(key, decision)
            await self._deliver(message, question, decision.answer, short=False)

    @admitted
    async def group_text(self, message: Message, update: Update, context: Context) -> None:
        """Group chat, addressed to the bot (the handler's filter checks): answer it."""
        question = addressed_question(message, context.bot.username, context.bot.id)
        if question:
            # A reply to one of the bot's answers continues that answer's topic; an @mention
            # is a fresh question. Groups keep no context of their own.
            decision = self.engine.reply(question, context=self._replied_topic(message))
            await self._deliver(message, question, decision.answer, short=False)
            return
        lang = user_lang(update.effective_user)
        usage = formatting.ask_usage_html(lang, "ask", context.bot.username, self._example(lang))
        await self.reply(message, usage)

    @admitted
    async def non_text(self, message: Message, update: Update, context: Context) -> None:
        """Private chat: stickers, photos and the like get a request for text."""
        await self.reply(message, texts.PLEASE_SEND_TEXT(user_lang(update.effective_user)))

    # --------------------------------------------------------------------- buttons & inline

    @pressed
    async def answer_button(self, action: Action, update: Update, context: Context) -> None:
        """A 'did you mean', example or topic button: answer its entry in the same chat."""
        query = update.callback_query
        assert query is not None  # `pressed` checked
        where = query.message
        if where is None or not isinstance(where, Message):
            # A button on an inline-mode message: there is no chat to answer in.
            await query.answer(texts.STALE_BUTTON(action.lang), show_alert=True)
            return
        try:
            answer = self.engine.answer_entry(action.value, lang=action.lang)
        except UnknownEntryError:
            await query.answer(texts.STALE_BUTTON(action.lang), show_alert=True)
            return
        await query.answer()
        if where.chat.type == ChatType.PRIVATE:  # "그거 언제야?" may follow a tapped answer
            self.conversations.remember(
                where.chat.id, self.engine.turn_for(answer.id or "", action.lang)
            )
        await self._send_answer(where, answer, short=False)

    @pressed
    async def vote_button(self, action: Action, update: Update, context: Context) -> None:
        """👍/👎 under an answer: store the vote (salted, no ids) and thank the user."""
        query = update.callback_query
        assert query is not None  # `pressed` checked
        try:
            entry = self.engine.entry(action.value)
        except UnknownEntryError:
            await query.answer(texts.STALE_BUTTON(action.lang), show_alert=True)
            return
        chat_type = query.message.chat.type if query.message is not None else "inline"
        vote = Vote.UP if action.kind is Kind.VOTE_UP else Vote.DOWN
        await self.state.record_vote(entry.id, query.from_user.id, str(chat_type), vote)
        await query.answer(texts.VOTE_THANKS(action.lang))

    @pressed
    async def topics_button(self, action: Action, update: Update, context: Context) -> None:
        """◀/▶ under /topics: show another page in the same message."""
        query = update.callback_query
        assert query is not None  # `pressed` checked
        await query.answer()
        html, rows = self._topics_page(action.lang, action.page)

        async def edit() -> None:
            try:
                await query.edit_message_text(html, reply_markup=markup(rows))
            except BadRequest as exc:  # a double tap: the page is already shown
                if "not modified" not in exc.message.lower():
                    raise

        where = query.message
        if where is not None and where.chat.type != ChatType.PRIVATE:
            self.outbox.submit(where.chat.id, Outgoing(edit))  # edits count against the group
        else:
            await edit()

    @pressed
    async def unknown_button(self, action: Action, update: Update, context: Context) -> None:
        """Signed data of a kind no handler routes (from a newer or older version)."""
        query = update.callback_query
        assert query is not None  # `pressed` checked
        await query.answer(texts.STALE_BUTTON(action.lang), show_alert=True)

    async def inline(self, update: Update, context: Context) -> None:
        """Inline mode: up to five answers; an empty query lists popular facts."""
        inline_query = update.inline_query
        if inline_query is None:
            return
        if self.inline_limiter.check(inline_query.from_user.id) is not Verdict.ALLOW:
            return  # Telegram simply shows no results; nothing to tell the user
        text = clean_text(inline_query.query).strip()
        answers = self.engine.answers(
            text, limit=MAX_INLINE_RESULTS, lang=user_lang(inline_query.from_user)
        )
        results = [
            InlineQueryResultArticle(
                id=answer.id or str(index),
                title=formatting.truncate(answer.question, keyboards.MAX_LABEL_CHARS),
                description=formatting.short_answer(answer.answer),
                input_message_content=InputTextMessageContent(
                    formatting.answer_html(answer, self.engine.article)
                ),
                reply_markup=markup(self._answer_rows(answer)),
            )
            for index, answer in enumerate(answers)
        ]
        # The empty query's list follows the user's language, so it is personal.
        await inline_query.answer(results, cache_time=INLINE_CACHE_SECONDS, is_personal=not text)

    async def on_error(self, update: object, context: Context) -> None:
        """Log any handler error with its context; never let it stop the bot."""
        log.error("error while handling %s", describe(update), exc_info=context.error)
        if not isinstance(update, Update):
            return
        if reply_may_have_arrived():
            # At most one message per question: the answer may be there already.
            log.info("no apology for %s: a reply may have been delivered", describe(update))
            return
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(
                    texts.ERROR_APOLOGY(user_lang(update.callback_query.from_user))
                )
            elif update.message is not None and update.message.chat.type == ChatType.PRIVATE:
                await update.message.reply_text(
                    texts.ERROR_APOLOGY(user_lang(update.effective_user))
                )
        except TelegramError as exc:  # already answered, or Telegram is unreachable
            log.warning("could not apologise for %s: %s", describe(update), exc)

    # --------------------------------------------------------------------- replies

    async def reply(self, message: Message, html: str, rows: keyboards.Rows | None = None) -> None:
        """Reply to `message`: at once in private chats, through the group's queue elsewhere."""
        if message.chat.type == ChatType.PRIVATE:
            await attempt_reply(
                message.reply_text(html, reply_markup=markup(rows or []), do_quote=False)
            )
            return
        threaded = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        lang = user_lang(message.from_user)

        async def send() -> None:
            await message.reply_text(
                html, reply_markup=markup(rows or []), reply_parameters=threaded
            )

        async def notice() -> None:
            await message.reply_text(texts.TOO_MANY_AT_ONCE(lang), reply_parameters=threaded)

        self.outbox.submit(message.chat.id, Outgoing(send, notice))

    async def _command_question(
        self, message: Message, update: Update, context: Context, *, short: bool
    ) -> None:
        question = command_argument(message)
        if question:
            await self._answer_question(message, question, short=short)
            return
        lang = user_lang(update.effective_user)
        command = "fact" if short else "ask"
        usage = formatting.ask_usage_html(lang, command, context.bot.username, self._example(lang))
        await self.reply(message, usage)

    async def _answer_question(self, message: Message, question: str, *, short: bool) -> None:
        """A command's question: answered on its own, and the new topic of a private chat."""
        decision = self.engine.reply(question)
        if message.chat.type == ChatType.PRIVATE:
            self._remember(message.chat.id, decision)
        await self._deliver(message, question, decision.answer, short=short)

    async def _deliver(
        self, message: Message, question: str, answer: Answer, *, short: bool
    ) -> None:
        self.state.count_question(answered=answer.answered)
        self._log_unanswered(question, answer)
        await self._send_answer(message, answer, short=short)

    def _remember(self, chat_id: int, decision: Decision) -> None:
        """After an answer the chat is about its entry; after a decline, still what it was."""
        turn = decision.next_turn(self.conversations.get(chat_id))
        if turn is not None:
            self.conversations.remember(chat_id, turn)

    def _replied_topic(self, message: Message) -> Turn | None:
        """The topic of the bot's answer that `message` replies to, from its signed 👍 button."""
        replied = message.reply_to_message
        if replied is None or replied.reply_markup is None:
            return None
        for row in replied.reply_markup.inline_keyboard:
            for button in row:
                try:
                    action = self.signer.parse(
                        button.callback_data if isinstance(button.callback_data, str) else None
                    )
                except InvalidCallbackError:
                    continue
                if action.kind in (Kind.VOTE_UP, Kind.VOTE_DOWN):
                    try:
                        return self.engine.turn_for(action.value, action.lang)
                    except UnknownEntryError:  # the knowledge changed since
                        return None
        return None

    def _log_unanswered(self, question: str, answer: Answer) -> None:
        """Keep a declined or low-confidence question for `python -m bot review`."""
        if not self.settings.unanswered_log:
            return
        record = review.unanswered(self.engine, question, answer)
        if record is None:
            return
        self.state.log_unanswered(record)
        if time.monotonic() - self._purged_at > UNANSWERED_PURGE_SECONDS:
            self._purged_at = time.monotonic()
            task = asyncio.create_task(self._purge_unanswered(), name="purge-unanswered")
            self._background.add(task)  # a reference, so the task is not collected early
            task.add_done_callback(self._background.discard)

    async def _purge_unanswered(self) -> None:
        """Apply UNANSWERED_RETENTION_DAYS; with UNANSWERED_LOG off, forget everything."""
        self._purged_at = time.monotonic()
        keep: timedelta | None = None
        if self.settings.unanswered_log:
            keep = timedelta(days=self.settings.unanswered_retention_days)
        try:
            removed = await self.state.purge_unanswered(keep)
        except aiosqlite.Error as exc:  # retention is retried later; answering goes on
            log.warning("could not purge old unanswered questions: %s", exc)
            return
        if removed:
            log.info("purged %d logged unanswered questions past retention", removed)

    async def _send_answer(self, message: Message, answer: Answer, *, short: bool) -> None:
        html = (
            formatting.fact_html(answer)
            if short
            else formatting.answer_html(answer, self.engine.article)
        )
        await self.reply(message, html, self._answer_rows(answer))

    def _answer_rows(self, answer: Answer) -> keyboards.Rows:
        """👍/👎 under an answer, or 'did you mean' buttons under a decline."""
        if answer.answered and answer.id is not None:
            return keyboards.feedback_rows(self.signer, answer.id, answer.lang)
        return keyboards.question_rows(self.signer, answer.suggestions, answer.lang)

    def _example(self, lang: Lang) -> str:
        """A question the article answers, to show how to ask."""
        popular = self.engine.popular(1)
        return self.engine.suggestion(popular[0], lang).question if popular else ""

    async def _welcome(self, message: Message, lang: Lang, context: Context) -> None:
        examples = [self.engine.suggestion(e, lang) for e in self.engine.popular(WELCOME_EXAMPLES)]
        html = formatting.welcome_html(
            self.engine.article,
            lang,
            bot_username=context.bot.username,
            topic_count=len(self.engine.entries),
            examples=examples,
        )
        await self.reply(message, html, keyboards.question_rows(self.signer, examples, lang))

    def _topics_page(self, lang: Lang, page: int) -> tuple[str, keyboards.Rows]:
        entries = self.engine.entries
        page = keyboards.clamp_page(page, len(entries))
        return (
            formatting.topics_html(lang, page, keyboards.page_count(len(entries))),
            keyboards.topic_rows(self.signer, entries, lang, page),
        )

    async def _save_counts_periodically(self) -> None:
        """Write the /stats counters every STATS_SAVE_SECONDS, off the reply path."""
        while True:
            await asyncio.sleep(self.settings.stats_save_seconds)
            try:
                await self.state.flush_counts()
            except aiosqlite.Error as exc:  # statistics must never cost the user an answer
                log.warning("could not save the question counts (kept for the next try): %s", exc)
