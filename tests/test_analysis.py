"""Question analysis: what kind of answer a question asks for, in Korean and English."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answering.analysis import AnswerType, analyse, is_question, written_as_names
from bot.answering.normalize import clean
from bot.models import FactType

A = AnswerType


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        # who
        ("오픈AI 누가 세웠어?", A.WHO),
        ("누구야 그 교수", A.WHO),
        ("Who founded OpenAI?", A.WHO),
        ("말한 사람 이름이 뭐야?", A.WHO),
        # which organisation
        ("김태훈 어느 회사로 가?", A.ORG),
        ("어느회사감", A.ORG),
        ("제프 딘은 어떤 조직의 수장이야?", A.ORG),
        ("기사를 실은 매체는?", A.ORG),
        ("Which company is he joining?", A.ORG),
        ("what institution published it", A.ORG),
        # where
        ("인터뷰는 어디서 했어?", A.PLACE),
        ("강연한 장소 이름은?", A.PLACE),
        ("Where did the interview take place?", A.PLACE),
        # when, and its parts
        ("언제 출국해?", A.WHEN),
        ("when is he leaving", A.WHEN),
        ("몇 년도에 졸업했어?", A.YEAR),
        ("몇년도 졸업", A.YEAR),
        ("What year did he graduate?", A.YEAR),
        ("몇 월에 졸업했어?", A.MONTH),
        ("며칠에 만났어?", A.DAY),
        ("27일 오전이야 오후야?", A.TIME_OF_DAY),
        ("What time was it posted?", A.HOUR),
        # how many, how much, scores, ranks, age, duration
        ("연구자 몇 명 부족해?", A.COUNT),
        ("How many researchers are missing?", A.COUNT),
        ("연봉 얼마야?", A.AMOUNT),
        ("how much does he earn", A.AMOUNT),
        ("한국 수치만 말해줘", A.SCORE),
        ("일본 AI 기술 몇점?", A.SCORE),
        ("What rank is Korea?", A.RANK),
        ("한국 순위는?", A.RANK),
        ("몇 살이야?", A.AGE),
        ("나이는?", A.AGE),
        ("how old is he", A.AGE),
        ("병역은 몇 년짜리였어?", A.DURATION),
        ("얼마 동안 했어?", A.DURATION),
        ("how long did he serve", A.DURATION),
        # names, titles, roles
        ("해킹동아리 이름은?", A.NAME),
        ("What's the name of the contest?", A.NAME),
        ("기사 제목이 뭐야?", A.TITLE),
        ("what is the headline", A.TITLE),
        ("어떤 직무로 합류해?", A.ROLE),
        ("in what role is he joining", A.ROLE),
        # why, what someone said, definitions
        ("왜 학부생을 뽑았어?", A.REASON),
        ("why did openai hire him", A.REASON),
        ("교수가 뭐라고 했어?", A.SAID),
        ("오픈소스 뜻이 뭐야?", A.DEFINITION),
        # nothing in particular
        ("오픈AI 어떤 회사야?", A.ANY),
        ("김태훈 결혼했어?", A.ANY),
        ("Tell me about Kim", A.ANY),
    ],
)
def test_answer_type(question: str, answer_type: AnswerType) -> None:
    assert analyse(question).answer_type is answer_type


def test_question_words_come_before_nouns() -> None:
    # "어디서 발표한 수치" asks where, not for a number.
    assert analyse("7000명은 어디서 발표한 수치예요?").answer_type is A.PLACE
    # "부제목" is not a title question: it contains 제목 but asks about the subheadline.
    assert analyse("부제목에는 최소 연봉이 얼마라고 적혀 있어?").answer_type is A.AMOUNT


def test_every_date_part_asked_is_required() -> None:
    analysis = analyse("몇 년 몇 월에 졸업했어?")
    assert analysis.date_parts == {A.YEAR, A.MONTH}
    assert analysis.accepts(FactType.DATE, "2015년 8월")
    assert not analysis.accepts(FactType.DATE, "2015")
    assert not analysis.accepts(FactType.DATE, "8월")


def test_answer_types_accept_only_their_kinds_of_facts() -> None:
    assert analyse("몇 년도에 설립됐어?").accepts(FactType.DATE, "2015년")
    assert not analyse("몇 년도에 설립됐어?").accepts(FactType.PERSON, "일론 머스크")
    assert not analyse("순위는?").accepts(FactType.SCORE, "78.1")
    assert analyse("누가 세웠어?").accepts(FactType.PERSON, "일론 머스크")
    assert analyse("뭐야?").accepts(FactType.THING, "박사학위")


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("해킹동아리 이름은?", "해킹동아리"),
        ("카페의 이름이 뭐야", "카페"),
        ("논문 제목은?", "논문"),
    ],
)
def test_whose_name_is_asked(question: str, holder: str) -> None:
    assert analyse(question).holder == holder


@pytest.mark.parametrize(
    "question", ["머스크 말고 세운 사람은?", "MIT 외에 어느 대학?", "besides Musk, who else?"]
)
def test_exclusion(question: str) -> None:
    assert analyse(question).excluding


def test_question_words_are_recognised_as_such() -> None:
    assert is_question("누가") and is_question("날짜") and is_question("how many")
    assert not is_question("연봉") and not is_question("한국")


@given(st.text(max_size=200))
def test_analysis_never_raises_and_is_idempotent_on_normalised_text(text: str) -> None:
    analysis = analyse(text)
    assert analyse(clean(text)) == analysis
    assert analyse(clean(clean(text))) == analysis


@pytest.mark.parametrize(
    ("question", "which"),
    [
        ("Which airport is Kim flying out of?", "airport"),
        ("What prize did he win?", "prize"),
        ("Which university did he attend?", ""),  # only the kind of answer: an organisation
        ("What time was it posted?", ""),
        ("What is OpenAI?", ""),
        ("공항은 어디야?", "공항은"),  # the noun whose place is asked, as written
        ("출국하는 공항들이 어디입니까?", "공항들이"),
        ("어디서 인터뷰했어?", ""),
        ("어느 단계까지 올랐어?", ""),  # after 어느, as often a word the article does not use
        ("깃허브 스타 몇 개야?", "스타"),  # what is counted
        ("What's OpenAI's annual budget?", "budget"),  # what is owned, at the end
        ("What is China's AI technology score?", ""),  # a score is only the kind of answer
        ("김태훈 몇 살이야?", ""),
    ],
)
def test_the_thing_a_which_question_asks_for(question: str, which: str) -> None:
    assert analyse(question).which == which


@pytest.mark.parametrize(
    ("question", "proper"),
    [
        ("What is Vietnam's AI score?", "Vietnam AI"),  # the engine marks only unknown ones
        ("Does the piece name Canada or India?", "Canada India"),
        ("Where did he study?", ""),  # the first word is capitalised as a sentence's
        ("김씨 TOEIC 점수", "TOEIC"),
        ("베트남 점수", ""),
    ],
)
def test_latin_words_written_as_names(question: str, proper: str) -> None:
    assert written_as_names(question) == proper


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("헤드라인상 최소 연봉은?", AnswerType.ANY),  # where it is said, not what is asked
        ("제목에서 쓴 표현이 뭐야?", AnswerType.ANY),
        ("기사 제목이 뭐야?", AnswerType.TITLE),
        ("보도자료 제목에서 그를 뭐라고 지칭했어?", AnswerType.NAME),
    ],
)
def test_a_title_is_asked_for_only_when_it_is_not_where_the_answer_is(
    question: str, answer_type: AnswerType
) -> None:
    assert analyse(question).answer_type is answer_type


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("What is the name of the hacking club Kim belonged to?", "hacking club"),
        ("the name of the cafe where they met", "cafe"),
        ("What's the club's name?", "club"),
    ],
)
def test_whose_name_is_asked_in_english(question: str, holder: str) -> None:
    assert analyse(question).holder == holder


@pytest.mark.parametrize(
    ("question", "answer_type"),
    [
        ("인터뷰 몇 시에 했어?", AnswerType.HOUR),  # a clock time: 오후 does not say it
        ("27일 오전이야 오후야?", AnswerType.TIME_OF_DAY),
        ("강연은 몇 분 동안 했어?", AnswerType.DURATION),
        ("복무 기간은 얼마였어?", AnswerType.DURATION),
        ("What place did he finish in the finals?", AnswerType.RANK),
        ("Which place does he work at?", AnswerType.PLACE),
        ("What position did he take at OpenAI?", AnswerType.ROLE),
        ("몇 시즌 뛰었어?", AnswerType.ANY),  # 시즌, not 시
        ("What's Korea's AI tech level?", AnswerType.SCORE),
        ("그 수치를 발표한 기관 어디야?", AnswerType.ORG),  # 어디 of an organisation
        ("행사는 서울 어느 동에서 열렸어?", AnswerType.PLACE),
    ],
)
def test_more_answer_types(question: str, answer_type: AnswerType) -> None:
    assert analyse(question).answer_type is answer_type


@pytest.mark.parametrize(
    ("question", "beyond"),
    [
        ("2022년 이후 부족 규모는?", ("2022",)),
        ("after 2022, how many?", ("2022",)),
        ("2022년까지 부족 규모는?", ()),
    ],
)
def test_years_asked_after(question: str, beyond: tuple[str, ...]) -> None:
    assert analyse(question).beyond == beyond
