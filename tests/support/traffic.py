"""People, questions and button taps pushed through the stand-in, and checks on the replies.

Everything goes through the real Application and the Bot API stand-in (tests/support/harness.py);
these helpers only push updates and look at what the stand-in received.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tests.support import updates as u
from tests.support.harness import quoted_text
from tests.support.standin import ApiCall, BotApiStandIn

KO_USER = u.user(5001, "민준", language_code="ko")  # who speaks when a test names nobody
EN_USER = u.user(5002, "Alex", language_code="en")
SALARY_QUESTION = "김태훈 연봉이 얼마야?"
SALARY_QUOTE = "그가 받을 연봉은 30만~50만 달러"
AGE_QUESTION = "김태훈씨 몇 살이야?"
SLOW_DOWN_KO = "잠시 후에"

Predicate = Callable[[ApiCall], bool]


def person(number: int, name: str = "민준", language_code: str = "ko") -> u.JSON:
    """A distinct Telegram user (ids far from the other test files' users)."""
    return u.user(880_000 + number, name, language_code=language_code)


def to_chat(chat_id: int) -> Predicate:
    """sendMessage calls to `chat_id`."""
    return lambda call: call.params["chat_id"] == chat_id


def replying_to(message_id: int) -> Predicate:
    """sendMessage calls threaded to `message_id` (groups)."""
    return lambda call: call.params["reply_parameters"]["message_id"] == message_id


def sends_to(api: BotApiStandIn, chat_id: int) -> list[ApiCall]:
    """Every sendMessage call to `chat_id` so far, failed ones included."""
    return [c for c in api.calls_to("sendMessage") if c.params.get("chat_id") == chat_id]


def answering(update: u.JSON) -> Predicate:
    """sendMessage calls answering the message in `update`: to its chat and, in a group,
    threaded to it."""
    message = update["message"]
    in_chat = to_chat(message["chat"]["id"])
    if message["chat"]["type"] == "private":
        return in_chat
    threaded = replying_to(message["message_id"])
    return lambda call: in_chat(call) and threaded(call)


async def ask(
    api: BotApiStandIn,
    text: str,
    user: u.JSON = KO_USER,
    *,
    chat: u.JSON | None = None,
    reply_to: u.JSON | None = None,
    timeout: float = 5.0,
) -> ApiCall:
    """Push `text` from `user` and return the bot's next accepted sendMessage answering it.

    Calls the stand-in failed (injected faults) or rejected (invalid HTML, too long) are
    passed over; when no accepted answer comes, the timeout's message lists every call.
    """
    update = u.message_update(text, from_user=user, chat=chat, reply_to=reply_to)
    answers = answering(update)

    def accepted(call: ApiCall) -> bool:
        return call.ok and answers(call)

    before = len([c for c in api.calls_to("sendMessage") if accepted(c)])
    api.push_update(update)
    calls = await api.wait_for("sendMessage", accepted, count=before + 1, timeout=timeout)
    return calls[-1]


async def tap(
    api: BotApiStandIn, data: str, message: u.JSON | None = None, user: u.JSON = KO_USER
) -> ApiCall:
    """Press the button carrying `data` on the bot's `message` (default: a made-up one in
    `user`'s private chat) and return the accepted answerCallbackQuery for it."""
    update = u.callback_query_update(data, from_user=user, message=message)
    query_id = update["callback_query"]["id"]
    api.push_update(update)
    [answered] = await api.wait_for(
        "answerCallbackQuery", lambda c: c.ok and c.params["callback_query_id"] == query_id
    )
    return answered


async def next_person_is_answered(api: BotApiStandIn, number: int = 999) -> ApiCall:
    """The liveness check after something hostile: a new person asks and gets the answer."""
    reply = await ask(api, SALARY_QUESTION, person(number))
    assert SALARY_QUOTE in quoted_text(reply), reply.short()
    return reply


def assert_every_call_accepted(api: BotApiStandIn, methods: Iterable[str] = ()) -> None:
    """Every reply-like call the bot made was accepted by the stand-in (valid HTML, ≤ 4096)."""
    kinds = set(methods) or {
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
        "answerInlineQuery",
    }
    rejected = [c.short() for c in api.calls if c.method in kinds and not c.ok and not c.faulted]
    assert rejected == [], rejected


def assert_every_callback_answered(api: BotApiStandIn, query_ids: Iterable[str]) -> None:
    """Each callback query id got (at least) one successful answerCallbackQuery."""
    answered = {
        str(c.params.get("callback_query_id")) for c in api.calls_to("answerCallbackQuery") if c.ok
    }
    missing = [qid for qid in query_ids if qid not in answered]
    assert missing == [], f"unanswered callback queries: {missing}"
