"""The matcher: typo tolerance, declines for look-alike questions, scores and robustness."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering.engine import Engine
from bot.answering.matcher import ANSWER_THRESHOLD, QUESTION_WORD_WEIGHT


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        pytest.param("연뵹 얼마받아", "salary", id="typo-salary"),
        pytest.param("졸엄 언제했어", "graduation-date", id="typo-graduation"),
        pytest.param("출궄 언제야", "departure", id="typo-departure"),
        pytest.param("연봉얼마받음", "salary", id="unspaced"),
        pytest.param("오픈에이아이 누가 만들었어", "openai-founder", id="transliteration"),
        pytest.param("유니스트 출신이야?", "school", id="school-transliteration"),
        pytest.param("몸값이 어느 정도야", "salary", id="synonym"),
        pytest.param("What's his pay?", "salary", id="english"),
        pytest.param("When did he graduate?", "graduation-date", id="english-graduate"),
    ],
)
def test_answers_how_people_ask(engine: Engine, question: str, entry_id: str) -> None:
    [best] = engine.matcher.find(question, limit=1)
    assert best.entry.id == entry_id
    assert best.score >= ANSWER_THRESHOLD


@pytest.mark.parametrize(
    "question",
    [
        pytest.param("김태훈 결혼했어?", id="unknown-fact-about-him"),
        pytest.param("머스크 나이 몇 살이야?", id="another-persons-age"),
        pytest.param("테슬라 주가", id="shares-a-name"),
        pytest.param("안녕하세요", id="greeting"),
        pytest.param("ㅋㅋㅋㅋ", id="laughter"),
        pytest.param("qwpoeiruty zxmcnv", id="gibberish"),
        pytest.param("", id="empty"),
    ],
)
def test_declines_what_the_article_does_not_say(engine: Engine, question: str) -> None:
    answer = engine.ask(question)
    assert not answer.answered
    assert answer.quote == answer.answer == ""
    assert answer.id is None


def test_decline_offers_close_topics(engine: Engine) -> None:
    answer = engine.ask("김태훈 결혼 연봉 계약 조건")
    assert not answer.answered
    assert 1 <= len(answer.suggestions) <= 3
    assert all(engine.entry(s.id) for s in answer.suggestions)


def test_gibberish_decline_still_suggests_popular_topics(engine: Engine) -> None:
    answer = engine.ask("asdkjh")
    assert [s.id for s in answer.suggestions] == [e.id for e in engine.popular(3)]


def test_answers_in_the_language_asked(engine: Engine) -> None:
    korean, english = engine.ask("연봉 얼마야"), engine.ask("How much is his salary?")
    assert (korean.lang, english.lang) == ("ko", "en")
    assert korean.answer == engine.entry("salary").answer_ko
    assert english.answer == engine.entry("salary").answer_en
    assert korean.quote == english.quote == engine.entry("salary").quote


def test_chat_addressing_is_ignored(engine: Engine) -> None:
    plain = engine.ask("연봉 얼마")
    for addressed in (
        "/ask 연봉 얼마",
        "/fact@article_qa_bot 연봉 얼마",
        "@article_qa_bot 연봉 얼마",
        "야 봇아 연봉 얼마",
    ):
        answer = engine.ask(addressed)
        assert (answer.id, answer.lang) == (plain.id, plain.lang), addressed


def test_scores_stay_between_0_and_100(engine: Engine) -> None:
    for entry in engine.entries:
        for question in entry.questions:
            for match in engine.matcher.find(question, limit=5):
                assert 0 <= match.score <= 100


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_matcher_never_raises(engine: Engine, text: str) -> None:
    answer = engine.ask(text)
    assert 0 <= answer.score <= 100
    assert len(answer.suggestions) <= 3


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["연봉", "졸업", "오픈AI", "ㅋ", "얼마", "?", " ", "몇살", "에서", "는"]),
        max_size=12,
    ).map("".join)
)
def test_matcher_never_raises_on_korean_fragments(engine: Engine, text: str) -> None:
    engine.ask(text)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        pytest.param("코엑스 강연 언제였어", "lecture-date", id="when"),
        pytest.param("강연에서 뭐 얘기했어", "lecture-topic", id="what"),
        pytest.param("강연 어디서 했어", "lecture-place", id="where"),
        pytest.param("when was the talk at coex", "lecture-date", id="english-when"),
    ],
)
def test_question_word_picks_among_facts_about_one_event(
    engine: Engine, question: str, entry_id: str
) -> None:
    assert engine.ask(question).id == entry_id


def test_entries_answer_the_question_types_their_facts_imply() -> None:
    from bot.answering.indexing import answer_types

    assert answer_types("2013년에는 국방부장관상을 받았다") == ["언제 년도 when year"]
    assert answer_types("30만~50만 달러") == ["얼마 how much"]
    assert answer_types("20여 차례 공개했다") == ["몇 how many"]
    assert answer_types("만 26세의 김씨") == ["몇 살 나이 how old"]
    assert answer_types("기술로 세상을 바꾸는 것") == []


@pytest.mark.parametrize("word", ["표현", "언급되", "환산", "describ"])
def test_words_about_how_the_article_puts_it_weigh_as_question_words(
    engine: Engine, word: str
) -> None:
    term = engine.matcher.resolve(word)
    assert term.matches == () and term.weight == QUESTION_WORD_WEIGHT


def test_a_known_word_with_a_noun_suffix_stands_for_the_word(engine: Engine) -> None:
    assert [m for m, _ in engine.matcher.resolve("최대치").matches] == ["최대"]


def test_a_proper_noun_the_knowledge_never_uses_counts_as_a_name(engine: Engine) -> None:
    assert engine.matcher.resolve("베트남").is_name
    assert not engine.matcher.resolve("공항").is_name  # a common noun: unknown, not a name
