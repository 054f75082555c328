"""Follow-up questions: resolution rules, memory bounds, and the bot end to end."""

from __future__ import annotations

import pytest

from bot.answering.context import Conversations, Turn, asks_for_more, points_back
from bot.answering.engine import Engine
from bot.config import Settings
from tests.support import updates as u
from tests.support.harness import quoted_text, running_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import ask, person


def converse(engine: Engine, *questions: str) -> list[str]:
    """Ask `questions` in one conversation; each reply's answer text ("" when declined)."""
    context: Turn | None = None
    replies = []
    for question in questions:
        decision = engine.reply(question, context=context)
        context = decision.next_turn(context)
        replies.append(decision.answer.answer if decision.answer.answered else "")
    return replies


@pytest.mark.parametrize(
    ("opening", "follow_up", "expected"),
    [
        ("김태훈 씨가 졸업하고 바로 미국에 못 간 이유가 뭐예요?", "그거 얼마 동안 했대요?", "3년"),
        ("김태훈 연봉 달러로 얼마쯤이래?", "원화로 치면?", "3억"),
        ("김태훈씨 연봉 얼마 정도로 알려졌어?", "최대는?", "50만"),
        ("미국 AI 기술 수준을 100으로 하면 한국은 얼마야?", "중국은?", "81.9"),
        ("hey how does korea's AI tech level stack up vs the US", "and japan?", "88.0"),
        ("김태훈 어느 회사로 가는 거야?", "거기 누가 세운 데임?", "머스크"),
        ("오픈AI 면접 언제 봤대?", "근데 그때 미국은 어떻게 간 거래", "휴가"),
        ("how old is kim taehoon", "when did he graduate", "2015"),
        ("김태훈씨 병역은 뭐로 했어?", "기간은?", "3년"),
        ("기자가 김태훈씨를 어디서 만났어?", "언제?", "오후"),
    ],
)
def test_follow_ups_are_read_with_the_last_answer(
    engine: Engine, opening: str, follow_up: str, expected: str
) -> None:
    first, second = converse(engine, opening, follow_up)
    assert first, f"the opening question must be answered: {opening}"
    assert expected in second, second


def test_tell_me_more_gives_the_passage_around_the_answer(engine: Engine) -> None:
    context = engine.reply("오픈소스가 뭐야?").next_turn(None)
    more = engine.reply("좀 더 자세히", context=context).answer
    assert more.answered and "자유롭게" in more.answer
    assert "소스코드" in more.quote and "우수한 소프트웨어" in more.quote


def test_tell_me_more_in_english(engine: Engine) -> None:
    context = engine.reply("what score does the article give europe for AI tech?").next_turn(None)
    more = engine.reply("tell me more about that comparison", context=context).answer
    assert more.answered and all(n in more.quote for n in ("88.0", "81.9", "78.1"))


def test_what_comes_next_in_the_article(engine: Engine) -> None:
    replies = converse(engine, "김태훈은 뭘 배우고 싶대?", "다 배우고 나면요?")
    assert "문제를 해결" in replies[0] and "창업" in replies[1]


def test_a_specific_detail_is_found_in_the_passage_around(engine: Engine) -> None:
    replies = converse(
        engine, "김태훈 씨는 왜 석박사 안 하고 바로 회사로 가요?", "구체적으로 뭘 배우고 싶대요?"
    )
    assert "문제를 해결" in replies[1]


def test_a_switch_is_answered_on_its_own(engine: Engine) -> None:
    context = engine.reply("김태훈 연봉 얼마야?").next_turn(None)
    alone = engine.reply("이 기사 쓴 기자 이름이 뭐예요?")
    switched = engine.reply("이 기사 쓴 기자 이름이 뭐예요?", context=context)
    assert switched.answer == alone.answer and "허정원" in switched.answer.answer


@pytest.mark.parametrize(
    ("opening", "follow_up"),
    [
        ("김태훈 어느 회사로 가는 거야?", "거기 직원은 몇 명이야?"),
        ("what score does the article give europe for AI tech?", "what about india?"),
        ("미국 AI 기술 수준을 100으로 하면 한국은 얼마야?", "인도는?"),
        ("김태훈 연봉 달러로 얼마쯤이래?", "계약 기간은 몇 년이래?"),
        ("구글 브레인 수장 누구로 나와?", "그분이 제시한 연봉은?"),
    ],
)
def test_follow_ups_the_article_does_not_answer_are_declined(
    engine: Engine, opening: str, follow_up: str
) -> None:
    first, second = converse(engine, opening, follow_up)
    assert first and not second


def test_a_decline_keeps_the_topic_for_the_next_follow_up(engine: Engine) -> None:
    replies = converse(engine, "김태훈 연봉 달러로 얼마쯤이래?", "계약 기간은?", "원화로는?")
    assert replies[1] == "" and "3억3400만" in replies[2]


@pytest.mark.parametrize(
    "text",
    ["그거 얼마 동안 했어?", "거기 누가 세웠어?", "걔 꿈은 뭐래?", "and Japan?", "when did he"],
)
def test_words_that_point_back(text: str) -> None:
    assert points_back(text)


@pytest.mark.parametrize(
    "text", ["김태훈 연봉 얼마야?", "이 기사 쓴 기자 이름이 뭐예요?", "What is OpenAI?"]
)
def test_self_contained_questions_do_not_point_back(text: str) -> None:
    assert not points_back(text)


@pytest.mark.parametrize(
    "text", ["더 자세히", "좀 더 자세히 알려줘", "tell me more", "more details?"]
)
def test_asking_for_more(text: str) -> None:
    assert asks_for_more(text)


def turn(entry_id: str) -> Turn:
    from bot.answering.analysis import analyse

    return Turn(entry_id, ("연봉",), analyse("연봉 얼마야"))


def test_conversations_expire_after_the_idle_time() -> None:
    now = [0.0]
    memory = Conversations(idle_seconds=60, clock=lambda: now[0])
    memory.remember(1, turn("salary"))
    now[0] = 59.0
    assert memory.get(1) == turn("salary")
    now[0] = 59.0 + 61
    assert memory.get(1) is None and len(memory) == 0


def test_conversations_are_bounded_least_recently_used_first() -> None:
    memory = Conversations(idle_seconds=60, max_size=3)
    for chat in range(3):
        memory.remember(chat, turn(f"e{chat}"))
    memory.get(0)  # reading does not refresh; answering does
    memory.remember(0, turn("e0"))
    memory.remember(3, turn("e3"))
    assert memory.get(1) is None and memory.get(0) is not None and len(memory) == 3


def test_forget() -> None:
    memory = Conversations(idle_seconds=60)
    memory.remember("chat", turn("salary"))
    memory.forget("chat")
    assert memory.get("chat") is None


# ------------------------------------------------------------------------- end to end

MILITARY = "김태훈 씨가 졸업하고 바로 미국에 못 간 이유가 뭐예요?"
HOW_LONG = "그거 얼마 동안 했대요?"


async def test_a_private_follow_up(api: BotApiStandIn, app: object) -> None:
    asker = person(301)
    await ask(api, MILITARY, asker)
    reply = await ask(api, HOW_LONG, asker)
    assert "3년" in reply.result["text"]


async def test_context_is_kept_per_chat(api: BotApiStandIn, app: object) -> None:
    first, second = person(302), person(303)
    await ask(api, MILITARY, first)
    await ask(api, "오픈AI 면접 언제 봤대?", second)
    mine = await ask(api, HOW_LONG, first)
    theirs = await ask(api, HOW_LONG, second)
    assert "3년" in mine.result["text"]
    assert "3년" not in theirs.result["text"]  # another chat's topic never leaks in


async def test_reset_forgets_the_topic(api: BotApiStandIn, app: object) -> None:
    asker = person(304)
    await ask(api, MILITARY, asker)
    reset = await ask(api, "/reset", asker)
    assert "잊었어요" in reset.result["text"]
    reply = await ask(api, HOW_LONG, asker)
    assert "3년" not in reply.result["text"]


async def test_start_forgets_the_topic(api: BotApiStandIn, app: object) -> None:
    asker = person(305)
    await ask(api, MILITARY, asker)
    await ask(api, "/start", asker)
    reply = await ask(api, HOW_LONG, asker)
    assert "3년" not in reply.result["text"]


async def test_context_expires(api: BotApiStandIn, settings: Settings, engine: Engine) -> None:
    idle = settings.model_copy(update={"context_idle_seconds": 0.2})
    async with running_bot(api, idle, engine):
        asker = person(306)
        await ask(api, MILITARY, asker)
        await __import__("asyncio").sleep(0.4)
        reply = await ask(api, HOW_LONG, asker)
        assert "3년" not in reply.result["text"]


async def test_a_group_reply_to_an_answer_continues_its_topic(
    api: BotApiStandIn, app: object
) -> None:
    group = u.group_chat(-100_444_000_555)
    answer = await ask(api, f"@{u.BOT_USERNAME} {MILITARY}", person(307), chat=group)
    assert "병역" in quoted_text(answer)
    follow = await ask(api, HOW_LONG, person(308), chat=group, reply_to=answer.result)
    assert "3년" in follow.result["text"]


async def test_a_group_mention_is_a_fresh_question(api: BotApiStandIn, app: object) -> None:
    group = u.group_chat(-100_444_000_556)
    await ask(api, f"@{u.BOT_USERNAME} {MILITARY}", person(309), chat=group)
    fresh = await ask(api, f"@{u.BOT_USERNAME} {HOW_LONG}", person(309), chat=group)
    assert "3년" not in fresh.result["text"]
