"""What a question asks for: its answer type, read off the question words.

The matcher finds the entry a question is about; this module says what the question wants
to know about it ("몇 년도" wants a year, "상한은" one bound, "왜" a reason), so the engine
can check that the entry actually states it. The rules are patterns over the cleaned
question, in Korean and English; they know nothing of any article.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.answering import korean
from bot.answering.normalize import EN_REPORTING, EN_STOPWORDS, clean
from bot.models import FactType


class AnswerType(StrEnum):
    """The kind of answer a question asks for."""

    WHO = "who"
    ORG = "organisation"
    PLACE = "place"
    WHEN = "time"
    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    TIME_OF_DAY = "time of day"
    HOUR = "hour"
    """A clock time ("몇 시에"): 오후 alone does not say it."""
    COUNT = "number"
    AMOUNT = "amount"
    SCORE = "score"
    RANK = "rank"
    ORDINAL = "ordinal"
    AGE = "age"
    DURATION = "duration"
    NAME = "name"
    TITLE = "title"
    ROLE = "role"
    REASON = "reason"
    SAID = "statement"
    DEFINITION = "definition"
    ANY = "any"
    """No particular type: 'tell me about…', yes/no questions, 'what…' about a thing."""


_DATES = frozenset({FactType.DATE})
_STATEMENTS = frozenset(
    {FactType.QUOTE, FactType.REASON, FactType.METHOD, FactType.THING, FactType.DEFINITION}
)

ACCEPTS: dict[AnswerType, frozenset[FactType]] = {
    AnswerType.WHO: frozenset({FactType.PERSON, FactType.ORG}),
    AnswerType.ORG: frozenset({FactType.ORG}),
    AnswerType.PLACE: frozenset({FactType.PLACE, FactType.ORG}),
    AnswerType.WHEN: _DATES,
    AnswerType.YEAR: _DATES,
    AnswerType.MONTH: _DATES,
    AnswerType.DAY: _DATES,
    AnswerType.TIME_OF_DAY: _DATES,
    AnswerType.HOUR: _DATES,
    AnswerType.COUNT: frozenset({FactType.COUNT}),
    AnswerType.AMOUNT: frozenset({FactType.COUNT, FactType.MONEY, FactType.SCORE}),
    AnswerType.SCORE: frozenset({FactType.SCORE}),
    AnswerType.RANK: frozenset(),  # no fact type states a placing ("최종 순위"): declined
    AnswerType.ORDINAL: frozenset({FactType.ORDINAL}),
    AnswerType.AGE: frozenset({FactType.AGE}),
    AnswerType.DURATION: frozenset({FactType.DURATION}),
    AnswerType.NAME: frozenset({FactType.NAME, FactType.PERSON, FactType.ORG}),
    AnswerType.TITLE: frozenset({FactType.NAME}),
    AnswerType.ROLE: frozenset({FactType.ROLE}),
    AnswerType.REASON: frozenset({FactType.REASON, FactType.QUOTE}),
    AnswerType.SAID: _STATEMENTS,
    AnswerType.DEFINITION: frozenset(FactType),
    AnswerType.ANY: frozenset(FactType),
}
"""Which fact types answer each answer type."""

# Date facts state a year, a month, a day or a time of day; a question for one of these
# needs a date fact that has it.
_DATE_PARTS: dict[AnswerType, re.Pattern[str]] = {
    AnswerType.YEAR: re.compile(r"\d{4}|올해|올 초|지난해|작년|내년"),
    AnswerType.MONTH: re.compile(r"\d+\s*월|다음달|지난달|\d{4}/\d{2}"),
    AnswerType.DAY: re.compile(r"\d+\s*일|\d{4}/\d{2}/\d{2}"),
    AnswerType.TIME_OF_DAY: re.compile(r"오전|오후|\d+\s*시|\d{1,2}:\d{2}"),
    AnswerType.HOUR: re.compile(r"\d+\s*시(?!즌|간|대)|\d{1,2}:\d{2}"),
}

_K = r"\s*"  # Korean questions come spaced or not: 몇 년도 / 몇년도
# An English question word asks when it opens the question or a clause of its own ("where
# did…"), not inside a relative clause ("the challenge where Kim gave a talk").
_EN_ASKS = r"(?:^|[.?!,:;]\s*|\b(?:and|so|then|but|btw|hey|ok|okay|me|us|know|say|says|tell)\s+)\W*"
_ORGS = "회사|기업|기관|단체|연구소|연구기관|조직|대학원|대학|학교|매체|신문|언론|팀"
_RULE_PATTERNS: tuple[tuple[AnswerType, str], ...] = (
    # Question words first: "어디서 발표한 수치" asks where, whatever nouns come along.
    (
        AnswerType.DURATION,
        rf"얼마{_K}동안|몇{_K}(?:년|분|주|달){_K}(?:짜리|동안|간)|몇{_K}개월|몇{_K}시간|"
        # "몇 년 했어?", "몇 년 복무했어?": for how many years, not in which year.
        rf"몇{_K}년{_K}(?:했|하|걸|복무|근무|일했|다녔|있었)|"
        r"how long|how many years (?:of|did|was|were)",
    ),
    (AnswerType.DURATION, rf"기간{_K}(?:은|이)?{_K}(?:몇|얼마)"),
    (AnswerType.AGE, rf"몇{_K}살|how old|(?:나이|연세){_K}(?:는|가|이|은)?{_K}몇"),
    (AnswerType.ORDINAL, rf"몇{_K}번째|\bthe first\b|\bfirst (?:korean|person|one)\b"),
    (
        AnswerType.RANK,
        rf"몇{_K}(?:위|등)|what rank|which rank|"
        r"(?:what|which) (?:place|position) (?:did|does|do)\b.{0,60}\b(?:finish|end up|rank|"
        r"(?:take|get|come)\b.{0,40}\b(?:final|contest|competition|race|tournament))",
    ),
    (AnswerType.TIME_OF_DAY, r"오전.{0,6}오후|오후.{0,6}오전|morning or"),
    (AnswerType.HOUR, r"몇\s*시(?=에|쯤|야|부터|까지|였|인|\s|\?|$)|what time|at what hour"),
    (AnswerType.YEAR, rf"몇{_K}년(?!{_K}짜리|{_K}동안)|what year|which year|in what year"),
    (AnswerType.MONTH, rf"몇{_K}월|what month|which month"),
    (AnswerType.DAY, rf"며칠|몇{_K}일|what date|which day|what day"),
    (AnswerType.COUNT, rf"몇{_K}(?:명|개|번|차례|건|곳|군데|가지)|how many"),
    (AnswerType.WHEN, rf"언제|{_EN_ASKS}when\b"),
    # "어느 기관이야", "발표한 기관 어디임": an organisation, though 어디 asks where.
    (AnswerType.ORG, rf"(?:{_ORGS}){_K}(?:은|는|이|가)?{_K}어디"),
    # "X 이름" names the kind of X: a place's name is asked with "어디" in mind.
    (AnswerType.PLACE, rf"(?:장소|곳|지역|동네|건물){_K}(?:의{_K})?이름"),
    (AnswerType.WHO, rf"(?:사람|인물){_K}(?:의{_K})?이름"),
    # "어느 회사" asks which; "무슨 회사야" and "어떤 회사" usually ask what kind (ANY),
    # unless a particle follows ("어떤 조직의 수장", "어떤 회사에서").
    (
        AnswerType.ORG,
        rf"어느{_K}(?:{_ORGS})|(?:어떤|무슨){_K}(?:{_ORGS})(?:의|에서|에|로|으로)|"
        rf"(?:{_ORGS}){_K}(?:의{_K})?이름|"
        r"(?:which|what) (?:company|firm|organi[sz]ation|institut\w*|university|school|"
        r"college|newspaper|paper|lab|team|outlet|media)",
    ),
    (
        AnswerType.PLACE,
        rf"어디|어느{_K}(?:지역|나라|도시|구|동|곳|동네|국가)|{_EN_ASKS}where\b|"
        r"which (?:country|city|region|place|district|area)",
    ),
    (AnswerType.WHO, rf"누구|누가|누군|누굴|{_EN_ASKS}(?:who|whom|whose)\b"),
    (AnswerType.AMOUNT, rf"얼마(?!{_K}나)|how much"),
    (
        AnswerType.SCORE,
        rf"몇{_K}점|몇으로|몇이야|몇이|몇임|몇인|what number|what score|what level",
    ),
    (AnswerType.REASON, r"왜|\bwhy\b"),
    # Then nouns that name what is asked: "나이는?", "기간은?", "매체는?".
    (AnswerType.DURATION, r"기간|duration|\bperiod\b"),
    (AnswerType.AGE, r"나이|연세|\bage\b"),
    (AnswerType.YEAR, r"년도|연도|\byear\b"),
    (AnswerType.DAY, r"날짜|\bdate\b|\bday\b"),
    (AnswerType.WHEN, r"시기|시점"),
    (AnswerType.COUNT, r"인원|number of"),
    (AnswerType.SCORE, r"수치|점수|\bscore|rating|\blevel\b"),
    # (After a score: "Japan's score in that ranking" asks the score.)
    (AnswerType.RANK, r"순위|랭킹|등수|\brank|\branking"),
    (AnswerType.ORG, r"매체|언론사|신문사|소속|기관"),
    # "진학할 대학원은?", "다닌 회사는?": the organisation itself.
    (AnswerType.ORG, rf"(?:{_ORGS})(?:은|는){_K}\??$"),
    # …but not where the asked thing is found ("헤드라인상 최소 연봉", "제목에서 쓴 말").
    (
        AnswerType.TITLE,
        r"(?:(?<!부)제목|타이틀|헤드라인)(?!\s*(?:상|에서|에선|에는|에)(?:\s|$))|"
        r"\btitle|\bheadline(?! says)|titled",
    ),
    (
        AnswerType.NAME,
        r"이름|명칭|약칭|약자|줄임말|풀네임|뭐라고\s*(?:불|부르|하는|지칭|칭하|칭했|일컫|일컬)|"
        r"\bname\b|\bnamed\b|\bcalled\b|full name|acronym|abbreviation|stands? for",
    ),
    (AnswerType.ROLE, r"직무|직책|역할|포지션|직위|직함|what (?:role|position|job)|\bas what\b"),
    (AnswerType.REASON, r"이유|까닭|원인|reason"),
    (
        AnswerType.SAID,
        rf"뭐라고|라고{_K}(?:했|말|한|하)|말했|코멘트|평가했|\bsaid\b|\bsay\b|\bsays\b|comment",
    ),
    (AnswerType.DEFINITION, r"뜻|의미|\bmean\b|\bmeaning\b|\bdefin"),
    (AnswerType.PLACE, rf"(?:^|\s)곳{_K}(?:은|이|이야|이에요)?{_K}\??$"),
)
_RULES = tuple((kind, re.compile(pattern)) for kind, pattern in _RULE_PATTERNS)
"""In order of precedence: the first that matches is the answer type."""

# "머스크 말고", "besides Musk": the named thing is excluded from the answer.
_EXCLUDING = re.compile(r"말고|외에|빼고|제외|besides|other than|apart from|except")


@dataclass(frozen=True, slots=True)
class QuestionAnalysis:
    """What a question asks: the answer type, and whether it excludes what it names."""

    answer_type: AnswerType
    excluding: bool = False
    date_parts: frozenset[AnswerType] = frozenset()
    """Every part of a date asked for ("몇 년 몇 월": year and month)."""
    holder: str = ""
    """For a name or title: whose, as written ("카페 이름" → 카페)."""
    in_words: bool = False
    """It asks for the article's own words ("어떤 사자성어로 표현했어?", "뭐라고 했어?")."""
    which: str = ""
    """The kind of thing asked for ("which airport", "공항은 어디"), as written: the entry that
    answers must name it."""
    beyond: tuple[str, ...] = ()
    """Years the question asks after ("2022년 이후", "after 2022"): a figure 'until' that
    year does not answer it."""

    def accepts(self, fact_type: FactType, value: str) -> bool:
        """True when a fact of `fact_type` with `value` answers this question."""
        if fact_type not in ACCEPTS[self.answer_type]:
            return False
        if self.answer_type is AnswerType.NAME and _PERSON_ROLE.search(self.holder):
            return fact_type is FactType.PERSON  # "사진기자 이름" is a person's, not a firm's
        return all(_DATE_PARTS[part].search(value) for part in self.date_parts)

    @property
    def specific(self) -> bool:
        """A question for one kind of fact, which an entry may fail to state."""
        return self.answer_type not in (AnswerType.ANY, AnswerType.DEFINITION)


# Nouns for people by their role: their name is a person's name.
_PERSON_ROLE = re.compile(
    r"(?:기자|교수|사람|소장|대표|창업자|설립자|인물|직원|연구원|연구자|학생|박사|선수|작가|"
    r"감독|회장|사장|총장|원장|수장)$"
)
# Questions for the article's own wording: the quote is the answer.
_IN_WORDS = re.compile(
    r"표현|사자성어|어떤\s*말로|무슨\s*말로|어떤\s*단어|"
    r"뭐라고\s*(?:했|말|표현|적|썼|나와|하|묘사|소개)|"
    r"자평|in what words|what words|what (?:term|phrase)|"
    r"how did .{0,40}(?:put|describe|phrase|word)"
)
# The word before "이름"/"제목" says whose name is asked: "카페 이름", "논문의 제목".
_HOLDER = re.compile(r"([가-힣a-z0-9]+?)(?:의)?\s*(?:이름|제목|명칭)")
# …and in English, up to two words after "name of" ("the name of the hacking club Kim
# belonged to" → hacking club), or the owner of "'s name".
_HOLDER_EN = re.compile(
    r"\b(?:name|title) of (?:the |his |her |its |their |that |this |a |an |[a-z]+'s )?"
    r"([a-z]+)(?: ([a-z]+))?"
    r"|\b([a-z]+)'s name"
)


def analyse(question: str) -> QuestionAnalysis:
    """The answer type of `question`: the first rule that matches, in order of precedence."""
    text = clean(question)
    excluding = _EXCLUDING.search(text) is not None
    answer_type = next((kind for kind, rule in _RULES if rule.search(text)), AnswerType.ANY)
    parts: frozenset[AnswerType] = frozenset()
    if answer_type in _DATE_PARTS or answer_type is AnswerType.WHEN:
        parts = frozenset(
            kind for kind, rule in _RULES if kind in _DATE_PARTS and rule.search(text)
        )
    holder = ""
    if answer_type in (AnswerType.NAME, AnswerType.TITLE):
        found = _HOLDER.search(text)
        english = _HOLDER_EN.search(text)
        if found is not None:
            holder = found.group(1)
        elif english is not None:
            words = [w for w in english.groups() if w]
            # The phrase ends at a function word: "the name of the cafe where they met".
            holder = " ".join(itertools.takewhile(lambda w: w not in _NOT_A_HOLDER, words))
    in_words = _IN_WORDS.search(text) is not None
    beyond = tuple(found.group(1) or found.group(2) for found in _BEYOND.finditer(text))
    return QuestionAnalysis(answer_type, excluding, parts, holder, in_words, _which(text), beyond)


def written_as_names(question: str) -> str:
    """Latin words written with a capital inside the question ("India's score", "TOEIC"):
    names. Read off the question as typed, so not part of `analyse`, which reads it cleaned."""
    return " ".join(_CAPITALISED.findall(question))


_BEYOND = re.compile(
    r"(\d{4})\s*년?\s*(?:이후|부터|넘어|넘어서|지나서|후에|뒤에)|"
    r"\b(?:after|since|beyond|past)\s+(\d{4})\b"
)


# A capitalised Latin word after another word: a name, not the sentence's first word, unless
# it owns something ("India's score").
_CAPITALISED = re.compile(r"(?<=[\w,] )[A-Z][A-Za-z]+\b|^[A-Z][a-z]+(?='s\b)")


_NOT_A_HOLDER = EN_STOPWORDS | {"where", "when", "who", "whom", "why", "how"}

# "Which airport…", "what paper…": the noun after an opening which/what names what is asked.
_WHICH = re.compile(r"^\W*(?:which|what)\s+([a-z]+)\b")
# Nouns that only say what kind of answer is wanted ("what time", "which kind of").
_NOT_A_THING = frozenset(
    "time kind sort type way one else number day year month date score level figure".split()
)


# …and in Korean, the noun whose place is asked ("공항은 어디야?"), or what is counted ("깃허브
# 스타 몇 개"). (After 어느/무슨 a noun is as often a word for the answer the article does not
# use: "어느 단계까지 올랐어?".)
_WHICH_KO = re.compile(
    r"(?<![가-힣])([가-힣]+)\s*어디(?:야|예요|에요|입|임|였|인|냐|니|\?|$)|"
    r"(?<![가-힣])([가-힣]{2,})\s*몇\s*(?:개|명|번|차례|건|가지)"
)


# A field or sort asked for ("무슨 분야로 창업해?"): the entry must name it.
_FIELD = re.compile(
    r"(?:무슨|어떤|어느)\s*(분야|종류|업종|장르|부문)|(분야|종류|업종|장르|부문)(?:은|는|가|이)?\s*(?:무엇|뭐)"
)


# …or what is owned at the end of an English question ("What's OpenAI's annual budget?").
_POSSESSED = re.compile(r"\b[a-z]+'s\s+(?:[a-z]+\s+){0,2}([a-z]+)\s*\??\s*$")


def _which(text: str) -> str:
    for found in (_WHICH.search(text), _POSSESSED.search(text)):
        if found is None:
            continue
        word = found.group(1)
        # "which company", "which city" only say what kind of answer is wanted.
        if word in EN_STOPWORDS or word in _NOT_A_THING or _asks_for_a_kind(f"which {word}"):
            continue
        return word
    korean = _WHICH_KO.search(text) or _FIELD.search(text)
    if korean is None:
        return ""
    return next(group for group in korean.groups() if group)


# Nouns that name the kind of thing asked for ("어느 조직의 수장", "which institution"): with a
# question word they ask; alone, a knowledge base that never uses them is not off its topic.
_KIND_NOUNS = frozenset(
    _ORGS.split("|")
    + """
    곳 장소 지역 나라 국가 도시 동네 건물 인물 사람 숫자 단어 낱말 문구 용어
    신문사 방송사 언론사 출판사 연구팀
    감정 기분 느낌 생각 마음 사례 방법 방식 이유 의미 뜻 말 표현 계기 목적 역할 일 것 점
    organ organis institut compani firm bodi group countri citi place region person peopl
    field number figur word term
    """.split()
)


def names_a_kind(word: str) -> bool:
    """True for a noun that names the kind of answer wanted ("조직", "institution"). Only the
    words themselves: a compound is as often a sibling of the article's own (고등학교)."""
    return word in _KIND_NOUNS


def says_how(word: str) -> bool:
    """True for a word about how the question is put, never about what: a wh-modifier
    ("어느", "어떻게") or how the article puts something ("언급되", "described")."""
    return word in korean.WH_MODIFIERS or word in EN_REPORTING or korean.is_reporting(word)


def frames_the_question(word: str) -> bool:
    """True for a word that says what is asked or how, not about what: `says_how`, a
    question word ("기간", "how many") or a kind of answer ("조직"). (A knowledge base may
    use such a word as a topic: "제목" is the title's entry.)"""
    return says_how(word) or names_a_kind(word) or is_question(word)


@functools.lru_cache(maxsize=8192)
def is_question(word: str) -> bool:
    """True for words that ask for a kind of answer ("누가", "날짜", "how many")."""
    return _asks_for_a_kind(clean(word))


def _asks_for_a_kind(text: str) -> bool:
    return any(rule.search(text) for _, rule in _RULES)
