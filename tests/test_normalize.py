"""Normalisation and analysis: the same rules for stored questions and for queries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering import korean
from bot.answering.engine import Engine
from bot.answering.normalize import Analyzer, Normalizer, clean, detect_lang, strip_addressing
from bot.models import Subject

ALIASES = {"오픈에이아이": "openai", "오픈ai": "openai", "유니스트": "unist", "mit": "mit"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  연봉   얼마?? ", "연봉 얼마", id="whitespace-and-punctuation"),
        pytest.param("ＯｐｅｎＡＩ", "openai", id="fullwidth-latin"),
        pytest.param("연\u200b봉", "연 봉", id="zero-width-space"),
        pytest.param("\u202e연봉\x00", "연봉", id="bidi-override-and-nul"),
        pytest.param("몇살이냨ㅋㅋㅋ", "몇 살이냐", id="laughter-jamo"),
        pytest.param("7000명은", "7000 명은", id="number-counter-split"),
        pytest.param("88.1점", "88.1 점", id="decimal-kept"),
        pytest.param("the 7,000 shortage", "the 7000 shortage", id="digit-groups-joined"),
        pytest.param("1,2,3", "1 2 3", id="a-list-is-not-digit-groups"),
        pytest.param("the US and us", "the usa and us", id="capital-us-is-the-country"),
        pytest.param("TELL US MORE", "tell us more", id="all-capitals-us-is-the-pronoun"),
        pytest.param("300,000, in dollars", "300000 in dollars", id="digit-groups-then-comma"),
        pytest.param("오픈에이아이가", "openai 가", id="transliteration"),
        pytest.param("오픈AI에서", "openai 에서", id="mixed-script-alias"),
        pytest.param("유니스트 나왔어", "unist 나왔어", id="school-alias"),
        pytest.param("submit", "submit", id="latin-alias-needs-word-boundary"),
        pytest.param("🚀🚀 연봉!!", "연봉", id="emoji"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert Normalizer(ALIASES).normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("/ask 졸업 언제", "졸업 언제", id="command"),
        pytest.param("/ask@article_qa_bot 제프딘", "제프딘", id="command-with-bot"),
        pytest.param("@article_qa_bot 연봉?", "연봉?", id="mention"),
        pytest.param("야 봇아 김태훈 몇살", "김태훈 몇살", id="vocative"),
        pytest.param("봇아, 나이?", "나이?", id="vocative-comma"),
        pytest.param("/fact", "", id="empty-command"),
        pytest.param("봇이 뭐야", "봇이 뭐야", id="not-a-vocative"),
    ],
)
def test_strip_addressing(raw: str, expected: str) -> None:
    assert strip_addressing(raw) == expected


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        pytest.param("김태훈 연봉 얼마야?", "ko", id="korean"),
        pytest.param("How old is he?", "en", id="english"),
        pytest.param("What is 오픈AI?", "en", id="english-with-korean-name"),
        pytest.param("오픈AI 누가 세웠어", "ko", id="korean-with-latin-name"),
        pytest.param("OpenAI 어떤 회사야?", "ko", id="korean-with-latin-word-first"),
        pytest.param("NYPC가 뭐야?", "ko", id="latin-acronym-with-korean-particle"),
        pytest.param("What is 화이트햇 콘테스트?", "en", id="english-with-two-korean-words"),
        pytest.param("", "ko", id="empty-defaults-to-korean"),
    ],
)
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


LEXICON = {
    "연봉", "얼마", "졸업", "언제", "나이", "몇", "살", "기술", "수준", "제프딘", "openai",
    "어떻게", "받", "심정", "마",
}  # fmt: skip
SUBJECT = Subject("김태훈", frozenset({"김태훈", "김태훈씨", "kim"}))


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        pytest.param("연봉얼마", ["연봉", "얼마"], id="unspaced"),
        pytest.param("졸업언제함", ["졸업", "언제"], id="unspaced-with-ending"),
        pytest.param("몇살이냐", ["몇", "살"], id="unspaced-question-ending"),
        pytest.param("나이는", ["나이"], id="particle-nun"),
        pytest.param("연봉을 알려주세요", ["연봉"], id="object-particle-and-filler"),
        pytest.param("졸업했습니까", ["졸업"], id="formal-ending"),
        pytest.param("기술수준", ["기술", "수준"], id="compound-noun"),
        pytest.param("김태훈씨 나이", ["김태훈", "나이"], id="interviewee-name-is-one-term"),
        pytest.param("Kim's age", ["김태훈", "age"], id="interviewee-name-in-english"),
        pytest.param("그 사람 나이", ["사람", "나이"], id="pronoun-dropped"),
        pytest.param("안녕하세요", [], id="greeting"),
        pytest.param("how much does he earn", ["how", "much", "earn"], id="english-stopwords"),
        pytest.param("graduated", ["graduat"], id="english-stem"),
        pytest.param("심정이 어떻대?", ["심정", "어떻게"], id="how-stem-folded"),
        pytest.param("어땠어", ["어떻게"], id="how-past-stem-folded"),
        pytest.param("연봉 받게 될", ["연봉", "받"], id="adverbial-ending-ge"),
        pytest.param("어떤 말로", ["어떤", "말"], id="one-syllable-noun-is-no-adnominal"),
    ],
)
def test_terms(text: str, terms: list[str]) -> None:
    analyzer = Analyzer(LEXICON, SUBJECT)
    assert analyzer.terms(Normalizer().normalize(text)) == terms


@pytest.mark.parametrize(
    ("typo", "word"),
    [("연뵹", "연봉"), ("졸엄", "졸업"), ("출궄", "출국"), ("군데", "군대")],
)
def test_typo_keys_are_close(typo: str, word: str) -> None:
    from rapidfuzz.distance import Levenshtein

    assert Levenshtein.normalized_similarity(korean.typo_key(typo), korean.typo_key(word)) >= 0.78


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalize_is_idempotent_with_project_aliases(engine: Engine, text: str) -> None:
    normalizer = engine.matcher.normalizer
    once = normalizer.normalize(text)
    assert normalizer.normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from("가나다라마바사아연봉얼마졸업ㅋㅎ 0123456789aiAI오픈에이아이?!")
    )
)
def test_normalize_is_idempotent_on_korean_heavy_text(engine: Engine, text: str) -> None:
    normalizer = engine.matcher.normalizer
    once = normalizer.normalize(text)
    assert normalizer.normalize(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_analysis_never_raises(engine: Engine, text: str) -> None:
    terms = engine.matcher.terms(text)
    assert all(isinstance(t, str) and t for t in terms)


@pytest.mark.parametrize(
    ("word", "reporting"),
    [("언급되", True), ("평가됐", True), ("봤을때", True), ("국문학", False), ("설명회", False)],
)
def test_words_about_how_the_article_puts_it(word: str, reporting: bool) -> None:
    assert korean.is_reporting(word) is reporting
