"""Answer what was asked: the asked attribute, one item of several, honest partial declines."""

from __future__ import annotations

import pytest

from bot.answering.engine import Engine
from bot.cli import explanation, render_explanation
from bot.telegram import formatting
from tests.support import updates as u
from tests.support.harness import buttons, signer
from tests.support.standin import BotApiStandIn
from tests.support.traffic import ask


@pytest.mark.parametrize(
    ("question", "missing", "nearest"),
    [
        ("오픈AI는 몇 년도에 설립됐나요?", "year", {"openai-founder"}),
        ("What year was OpenAI founded?", "year", {"openai-founder", "what-is-openai"}),
        ("김태훈이 활동한 해킹동아리 이름은?", "name", {"hacking-award"}),
    ],
)
def test_a_question_the_entry_does_not_answer_is_declined(
    engine: Engine, question: str, missing: str, nearest: set[str]
) -> None:
    answer = engine.ask(question)
    assert not answer.answered and answer.quote == ""
    assert answer.missing == missing
    assert answer.suggestions[0].id in nearest  # the nearest fact is offered first


@pytest.mark.parametrize(
    "question",
    [
        "영국의 AI 기술 수준 점수는?",  # a sibling of the countries the article lists
        "독일 AI 기술 수준은?",
        "김태훈 씨 출신 고등학교가 어디야?",  # 고등학교 beside 대학교
        "김태훈은 UNIST에 몇 년도에 입학했어?",  # 입학 beside 졸업
        "김태훈 형제 있어?",  # a real word, not a typo of 현재
        "머스크 말고 오픈AI를 함께 세운 사람들 이름은?",
        "2025년까지 국내 AI 인력 부족 규모는?",  # another number than the article's
        "일본의 AI 연구자 부족 규모는?",  # Japan's shortage is not Korea's
        "머스크 나이 몇 살이야?",
        "Which airport is Kim flying out of?",  # a kind of thing the article never names
        "베트남 AI 기술 수준 몇이야?",  # a country the article never names: not Korea's 78.1
        "What is Vietnam's AI technology level?",  # …written as a name in English
        "김태훈 아마존 면접도 봤어?",  # the interview was OpenAI's
        "김씨 토익 점수는 몇 점이야?",  # a word no entry uses: not the US's score of 100
        "김씨가 출국할 때 이용하는 공항은 어디야?",  # the place of something no entry names
        "기자가 김씨를 만난 건 몇 시였어?",  # 오후 is not a clock time
        "토크콘서트 강연은 몇 분 동안 했어?",
        "What is the name of the hacking club Kim was in?",
        "How many AI researchers will China be short of by 2022?",  # Korea's shortage
        "What place did Kim take in the supercomputing contest finals?",  # a placing
        "네이버 AI 조직 이름 알려줘",  # not the other firms the list names
        "김씨 GRE 점수는 몇 점이야?",  # an unknown name in capitals
        "How many AI researchers will the US lack by 2022?",  # Korea's shortage, not the US's
        # Another entry's subject, which the strong match never uses: not the firm he joins,
        # not the professor's comment.
        "산업기능요원으로 일한 회사가 어디야?",
        "최재식 교수의 전공은?",
        "제프 딘 말고 같이 일하자고 한 유명인은 누구야?",  # the fact's sentence names him
        "What's the name of Kim's club?",
        "김씨가 진학할 대학원은?",  # the entry on why he skips grad school names none
        "김씨 코드는 깃허브 스타를 몇 개 받았대?",  # stars: not what 20여 차례 counts
        "국내 AI 연구자가 지금 몇 명이야?",  # 7000명 counts the shortage, not researchers
        "How many AI researchers will Korea lack after 2022?",  # the figure runs until 2022
        "김씨는 어떤 분야로 창업할 생각이래?",  # a field the plan never names
        "Vietnam's AI tech level?",  # a name in capitals, even as the first word
        "What's OpenAI's annual revenue?",  # not his annual salary
    ],
)
def test_neighbouring_facts_are_not_dressed_up_as_answers(engine: Engine, question: str) -> None:
    assert not engine.ask(question).answered


@pytest.mark.parametrize(
    ("question", "stated"),
    [
        ("기사 속 국가별 AI 기술 수준 비교에서 한국 수치만 딱 말해줘", "78.1"),
        ("김태훈 예상 연봉의 상한은 달러로 얼마야?", "50만 달러"),
        ("김태훈 연봉 하한을 원화로 환산하면 얼마야?", "3억3400만"),
        ("AI 기술 수준 88.1을 받은 건 어느 지역이야?", "유럽"),
        ("기자가 김씨를 만난 건 27일 오전이야 오후야?", "오후"),
        ("김태훈은 몇 년 몇 월에 졸업했어?", "2015년 8월"),
        ("What's Korea's AI technology level?", "78.1"),
        ("김태훈 연봉 달러 기준 최대치는?", "50만 달러"),  # 최대치: 최대 and a noun suffix
        ("한국 AI 수준은 몇으로 평가됐어?", "78.1"),  # 평가: how it is put, not a topic
        # The question's own figure is context: the US's 100 is not what is asked.
        ("미국 AI를 100으로 치면 한국은 몇임?", "78.1"),
        ("88.0인 곳은?", "일본"),  # better matches state no 88.0: they contradict it
        ("산업기능요원 복무 기간은 얼마였어?", "3년"),  # 기간 … 얼마: a duration
        # The fact's own sentence names Musk: "일론 머스크는 테슬라의 창업주입니다".
        ("머스크는 어느 회사의 창업주라고 나와?", "테슬라"),
        ("How many AI researchers is Korea expected to lack?", "7000"),  # the article's figure
        ("제프 딘은 어떤 조직의 수장이야?", "구글 브레인"),  # 조직 names the kind asked
        ("김씨 모교의 영문 약칭은?", "UNIST"),  # 영문: how it is written, not a topic
        ("토크콘서트 며칠에 열렷어?", "14일"),  # 열렷: the past ㅆ typed as ㅅ
        # No kind asked, but 주제 is what one of the talk's facts is about: not its venue.
        ("사진 속 토크콘서트에서 한 강연 주제는?", "음성 합성기술"),
        ("국내 AI 연구자 몇 명 모자라?", "7000명"),  # 모자라: what the count is of
        ("병역특례 몇 년 했어?", "3년"),  # 몇 년 했어: how many years, not which year
        ("오픈AI가 김씨 스카우트한 이유는?", "비공개 코드"),  # the reason, not a quote
        ("김태훈 나이가 몇이래?", "26세"),  # 나이 … 몇: an age, not a score
        ("Japan's score in the AI ranking?", "88.0"),  # a score, in a ranking
        ("제목에 나오는 사람은 누구야?", "머스크"),
        ("동아리 활동할 때 받은 prize 뭐야", "국방부장관상"),  # the noun asked comes last
    ],
)
def test_one_item_of_several_is_stated_first_in_the_answer(
    engine: Engine, question: str, stated: str
) -> None:
    answer = engine.ask(question)
    assert answer.answered and stated in answer.answer, answer
    assert answer.answer != answer.quote  # the asked fact, proven by the quote


def test_someday_is_not_a_time(engine: Engine) -> None:
    answer = engine.ask("김씨는 언제 한국에 돌아와?")
    assert not answer.answered and answer.missing == "time"
    assert answer.suggestions[0].id == "return-to-korea"  # what the article does say


def test_a_question_that_singles_out_nothing_gets_the_whole_answer(engine: Engine) -> None:
    answer = engine.ask("김태훈 연봉 얼마야?")
    assert "30만~50만 달러" in answer.answer and "3억3400만~5억5700만원" in answer.answer


def test_english_answers_are_plain_english(engine: Engine) -> None:
    for question in ("How old is Kim?", "What is his maximum salary in dollars?"):
        answer = engine.ask(question)
        assert answer.answered and answer.lang == "en"
        assert not any("가" <= ch <= "힣" for ch in answer.answer), answer.answer


@pytest.mark.parametrize("question", ["OpenAI 어떤 회사야?", "NYPC가 뭐야?", "Kim Tae-hun 나이?"])
def test_korean_questions_with_latin_words_are_answered_in_korean(
    engine: Engine, question: str
) -> None:
    answer = engine.ask(question)
    assert answer.answered and answer.lang == "ko"


def test_explain_shows_the_answer_type_and_what_was_missing(engine: Engine) -> None:
    decision = engine.explain("오픈AI는 몇 년도에 설립됐나요?")
    assert decision.analysis.answer_type.value == "year"
    [(match, check), *_] = decision.considered
    assert match.entry.id == "openai-founder" and check.missing is not None


def test_explain_shows_a_restated_figure_passed_over(engine: Engine) -> None:
    decision = engine.explain("미국 AI 기술을 100으로 놓으면 중국은 몇임?")
    candidates = explanation(decision)["candidates"]
    assert isinstance(candidates, list)
    us = next(c for c in candidates if c["id"] == "tech-level-us")
    assert us["restates"] and decision.answer.id == "tech-level-china"
    assert "the question's own figure" in render_explanation(decision)


async def test_a_decline_names_what_is_missing_and_offers_the_nearest_fact(
    api: BotApiStandIn, app: object
) -> None:
    reply = await ask(api, "오픈AI는 몇 년도에 설립됐나요?")
    text = reply.result["text"]
    assert "오픈AI 설립자" in text and "연도는 나오지 않아요" in text
    # The first button answers the nearest fact: who founded it.
    label, data = buttons(reply)[0]
    assert signer().parse(data).value == "openai-founder" and "누가" in label


def test_decline_html_escapes_the_topic(engine: Engine) -> None:
    answer = engine.ask("오픈AI는 몇 년도에 설립됐나요?")
    html = formatting.decline_html(answer)
    assert "<" not in html.replace("<b>", "").replace("</b>", "")
    assert u.utf16_len(html) < formatting.MAX_MESSAGE_CHARS


def test_a_question_for_the_articles_own_words_gets_the_quote(engine: Engine) -> None:
    answer = engine.ask(
        "글로벌 기업들이 한국 인재를 선점하는 걸 기사에서 어떤 사자성어로 표현했어?"
    )
    assert answer.answered and "입도선매" in answer.answer and answer.answer.endswith("”")


def test_an_ordinal_is_not_a_placing(engine: Engine) -> None:
    first = engine.ask("김씨가 국제수퍼컴퓨터대회 본선 진출한 건 국내에서 몇 번째였어?")
    assert first.answered and "국내 최초" in first.answer
    assert not engine.ask("국제수퍼컴퓨터대회 본선에서 김씨 팀 최종 순위는?").answered


def test_the_name_of_someone_by_their_role_is_a_persons(engine: Engine) -> None:
    # The photo credit names a company, not the photographer.
    assert not engine.ask("김태훈 강연 사진을 찍은 사진기자 이름은?").answered
    assert "허정원" in engine.ask("기사 쓴 기자 이름이 뭐예요?").answer
