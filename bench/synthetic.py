"""Synthetic knowledge folders of N entries, for measuring how the engine scales.

A generated folder looks exactly like the project's ``knowledge/``:

* ``article.yaml`` copied unchanged;
* ``article.txt``: the real article body, then a synthetic body of generated sentences, so
  every synthetic quote is verbatim in it;
* ``aliases.yaml``: the real file, with the invented people and organisations appended to
  its ``names`` list (as a curator of such an archive would register them);
* ``entries/``: the real entries unchanged, then ``synthetic-NNNN.yaml`` files.

Synthetic entries are facts about invented people, organisations and places (names from
random Hangul syllables, seeded, never a name or word of the real article). Their questions
reuse the article's generic words on purpose — 몇 살, 언제, 어디, 연봉, 회사, 대학, 졸업,
군 복무, 꿈 — so they compete with the real entries for the dev questions without ever
being about the article's own subjects. The surname 김 is left out: in this article
김씨/Kim is the interviewee.

Run ``python -m bench.synthetic OUT_DIR --size 1000`` to look at one.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bench.common import KNOWLEDGE_DIR

DEFAULT_SEED = 20180827
ENTRIES_PER_FILE = 1000
SYNTHETIC_PREFIX = "syn-"

# ----------------------------------------------------------------------------- Hangul


_SBASE = 0xAC00
_RR_LEADS = [
    "g",
    "kk",
    "n",
    "d",
    "tt",
    "r",
    "m",
    "b",
    "pp",
    "s",
    "ss",
    "",
    "j",
    "jj",
    "ch",
    "k",
    "t",
    "p",
    "h",
]
_RR_VOWELS = [
    "a",
    "ae",
    "ya",
    "yae",
    "eo",
    "e",
    "yeo",
    "ye",
    "o",
    "wa",
    "wae",
    "oe",
    "yo",
    "u",
    "wo",
    "we",
    "wi",
    "yu",
    "eu",
    "ui",
    "i",
]
_RR_TAILS = [
    "",
    "k",
    "k",
    "k",
    "n",
    "n",
    "n",
    "t",
    "l",
    "k",
    "m",
    "l",
    "l",
    "l",
    "p",
    "l",
    "m",
    "p",
    "p",
    "t",
    "t",
    "ng",
    "t",
    "t",
    "k",
    "t",
    "p",
    "t",
]

SURNAMES = {
    "이": "Lee",
    "박": "Park",
    "최": "Choi",
    "정": "Jung",
    "강": "Kang",
    "조": "Cho",
    "윤": "Yoon",
    "장": "Jang",
    "임": "Lim",
    "한": "Han",
    "오": "Oh",
    "신": "Shin",
    "권": "Kwon",
    "황": "Hwang",
    "안": "Ahn",
    "송": "Song",
    "류": "Ryu",
    "홍": "Hong",
    "전": "Jeon",
    "고": "Ko",
    "문": "Moon",
    "손": "Son",
    "양": "Yang",
    "배": "Bae",
    "백": "Baek",
    "남": "Nam",
    "심": "Sim",
    "노": "Noh",
}
# Given-name syllables; none of them is a particle, ending or one-syllable function word.
GIVEN_SYLLABLES = (
    "민준현영우호진윤재성혁경희태석주원빈정소유"
    "동용철미선규혜승환채시율찬솔별람결온린담훈범권강욱탁연"
)
BRAND_SYLLABLES = "누리빛새온솔해별미래티엘코넥젠큐엑바로비모카퓨제인트루베린하나다가"
PLACE_SYLLABLES = "한솔미누리새봄청송백양금강달빛온화평진안남원동해"


def has_batchim(word: str) -> bool:
    """Whether the last Hangul syllable of `word` ends in a consonant."""
    code = ord(word[-1]) - _SBASE
    return 0 <= code < 11172 and code % 28 != 0


def josa(word: str, pair: str) -> str:
    """`word` with the right particle: josa('박민수', '은는') == '박민수는'."""
    return word + (pair[0] if has_batchim(word) else pair[1])


def romanize(syllables: str) -> str:
    """Revised Romanization, syllable by syllable (no sound-change rules)."""
    out = []
    for ch in syllables:
        code = ord(ch) - _SBASE
        if not 0 <= code < 11172:
            out.append(ch)
            continue
        lead, rest = divmod(code, 588)
        vowel, tail = divmod(rest, 28)
        out.append(_RR_LEADS[lead] + _RR_VOWELS[vowel] + _RR_TAILS[tail])
    return "".join(out)


# ----------------------------------------------------------------------------- value tables

CITIES = [
    ("부산", "Busan"),
    ("인천", "Incheon"),
    ("광주", "Gwangju"),
    ("대전", "Daejeon"),
    ("대구", "Daegu"),
    ("울산", "Ulsan"),
    ("수원", "Suwon"),
    ("전주", "Jeonju"),
    ("춘천", "Chuncheon"),
    ("청주", "Cheongju"),
    ("제주", "Jeju"),
    ("포항", "Pohang"),
    ("창원", "Changwon"),
    ("여수", "Yeosu"),
    ("강릉", "Gangneung"),
    ("목포", "Mokpo"),
    ("안동", "Andong"),
    ("경주", "Gyeongju"),
    ("원주", "Wonju"),
    ("천안", "Cheonan"),
    ("서울", "Seoul"),
    ("김해", "Gimhae"),
    ("구미", "Gumi"),
    ("속초", "Sokcho"),
]
JOBS = [
    ("의사", "a doctor"),
    ("변호사", "a lawyer"),
    ("요리사", "a chef"),
    ("건축가", "an architect"),
    ("소설가", "a novelist"),
    ("교사", "a teacher"),
    ("디자이너", "a designer"),
    ("소방관", "a firefighter"),
    ("회계사", "an accountant"),
    ("약사", "a pharmacist"),
    ("바리스타", "a barista"),
    ("사진작가", "a photographer"),
    ("수의사", "a veterinarian"),
    ("번역가", "a translator"),
    ("웹툰 작가", "a webtoon artist"),
    ("간호사", "a nurse"),
    ("데이터 분석가", "a data analyst"),
    ("게임 개발자", "a game developer"),
    ("항공기 조종사", "an airline pilot"),
    ("피아니스트", "a pianist"),
]
MAJORS = [
    ("컴퓨터공학", "computer science"),
    ("경영학", "business"),
    ("물리학", "physics"),
    ("기계공학", "mechanical engineering"),
    ("국어국문학", "Korean literature"),
    ("화학공학", "chemical engineering"),
    ("생명과학", "life sciences"),
    ("경제학", "economics"),
    ("건축학", "architecture"),
    ("수학", "mathematics"),
    ("심리학", "psychology"),
    ("신문방송학", "journalism"),
    ("산업디자인학", "industrial design"),
    ("철학", "philosophy"),
]
BRANCHES = [
    ("육군", "the army"),
    ("해군", "the navy"),
    ("공군", "the air force"),
    ("해병대", "the marine corps"),
    ("의무경찰", "the auxiliary police"),
    ("사회복무요원", "social service"),
    ("카투사", "KATUSA"),
]
DREAMS = [
    ("작은 서점을 여는", "to open a small bookshop"),
    ("세계 일주를 하는", "to travel round the world"),
    ("로봇 회사를 세우는", "to found a robotics company"),
    ("고향에 도서관을 짓는", "to build a library in the home town"),
    ("올림픽에 나가는", "to compete at the Olympics"),
    ("우주 여행을 하는", "to travel to space"),
    ("자기 이름의 식당을 여는", "to open a restaurant of their own"),
    ("아이들을 가르치는", "to teach children"),
    ("영화를 만드는", "to make films"),
    ("농장을 꾸리는", "to run a farm"),
]
AWARDS = [
    ("대통령상", "the Presidential Award"),
    ("국무총리상", "the Prime Minister's Award"),
    ("신인상", "a rookie award"),
    ("올해의 인물상", "the Person of the Year award"),
    ("과학기술상", "a science and technology award"),
    ("공로상", "a merit award"),
    ("문화예술상", "an arts award"),
    ("창업대상", "a start-up award"),
]
ORG_SUFFIXES = [
    ("전자", "Electronics"),
    ("바이오", "Bio"),
    ("제약", "Pharma"),
    ("건설", "Construction"),
    ("소프트", "Soft"),
    ("식품", "Foods"),
    ("화학", "Chemical"),
    ("로보틱스", "Robotics"),
    ("에너지", "Energy"),
    ("네트웍스", "Networks"),
    ("랩스", "Labs"),
    ("모빌리티", "Mobility"),
    ("게임즈", "Games"),
    ("물산", "Trading"),
    ("항공", "Air"),
]
BUSINESSES = [
    ("반도체를 만드는", "makes semiconductors"),
    ("온라인 교육 서비스를 운영하는", "runs online education"),
    ("전기차 배터리를 만드는", "makes EV batteries"),
    ("신약을 개발하는", "develops new drugs"),
    ("모바일 게임을 만드는", "makes mobile games"),
    ("물류 로봇을 만드는", "builds logistics robots"),
    ("가정간편식을 파는", "sells ready meals"),
    ("태양광 발전소를 짓는", "builds solar plants"),
    ("클라우드 보안 서비스를 하는", "sells cloud security"),
    ("드론을 만드는", "builds drones"),
]
PROVINCES = [
    ("경기도", "Gyeonggi Province"),
    ("강원도", "Gangwon Province"),
    ("충청북도", "North Chungcheong"),
    ("충청남도", "South Chungcheong"),
    ("전라북도", "North Jeolla"),
    ("전라남도", "South Jeolla"),
    ("경상북도", "North Gyeongsang"),
    ("경상남도", "South Gyeongsang"),
]
SPECIALTIES = [
    ("사과", "apples"),
    ("인삼", "ginseng"),
    ("한우", "Hanwoo beef"),
    ("굴비", "dried croaker"),
    ("고추", "chilli peppers"),
    ("녹차", "green tea"),
    ("복숭아", "peaches"),
    ("마늘", "garlic"),
    ("대게", "snow crab"),
    ("감귤", "tangerines"),
    ("쌀", "rice"),
    ("버섯", "mushrooms"),
]
FESTIVALS = [
    ("벚꽃", "cherry blossom"),
    ("불꽃", "fireworks"),
    ("단풍", "autumn leaves"),
    ("빛", "lantern"),
    ("머드", "mud"),
    ("얼음", "ice"),
    ("국화", "chrysanthemum"),
    ("재즈", "jazz"),
    ("연극", "theatre"),
]


# ----------------------------------------------------------------------------- templates


Slots = dict[str, str]


@dataclass(frozen=True)
class Fact:
    """One kind of fact: how it is said in the body, answered, and asked."""

    slug: str
    topic: str
    topic_en: str
    sentence: str  # becomes the quote, verbatim in the synthetic body
    answer_ko: str
    answer_en: str
    questions: tuple[str, ...]  # stored alternate questions
    probe: str  # a held-out wording, never stored: what a user would ask
    keywords: tuple[str, ...]
    values: Callable[[random.Random], Slots] = field(repr=False)


def _pick(table: list[tuple[str, str]], key: str) -> Callable[[random.Random], Slots]:
    def draw(rng: random.Random) -> Slots:
        ko, en = rng.choice(table)
        return {key: ko, f"{key}_en": en}

    return draw


def _numbers(**ranges: tuple[int, int]) -> Callable[[random.Random], Slots]:
    def draw(rng: random.Random) -> Slots:
        return {k: str(rng.randint(lo, hi)) for k, (lo, hi) in ranges.items()}

    return draw


def _combine(*draws: Callable[[random.Random], Slots]) -> Callable[[random.Random], Slots]:
    def draw(rng: random.Random) -> Slots:
        slots: Slots = {}
        for d in draws:
            slots.update(d(rng))
        return slots

    return draw


def _salary(rng: random.Random) -> Slots:
    amount = rng.randint(28, 160) * 100
    return {"salary": f"{amount}만원", "salary_en": f"{amount * 10_000:,} won"}


PERSON_FACTS = (
    Fact(
        "age",
        "{n} 나이",
        "{r}'s age",
        "{n}씨는 올해 만 {age}세다.",
        "{n}씨는 올해 만 {age}세입니다.",
        "{r} is {age} years old.",
        (
            "{n}씨는 몇 살인가요?",
            "{n} 나이가 어떻게 돼?",
            "{n} 나이",
            "{n}몇살임",
            "{n}씨 올해 몇 살이에요?",
            "{n}씨 연세가 어떻게 되십니까?",
            "How old is {r}?",
            "{r} age",
        ),
        "{n} 나이 알려줘",
        ("나이", "몇살", "살", "연세", "age", "old"),
        _numbers(age=(21, 68)),
    ),
    Fact(
        "job",
        "{n} 직업",
        "{r}'s job",
        "{n}씨는 직업이 {job}인 것으로 알려졌다.",
        "{n}씨의 직업은 {job}입니다.",
        "{r} works as {job_en}.",
        (
            "{n}씨 직업이 뭔가요?",
            "{n} 무슨 일 해?",
            "{n} 직업",
            "{n}뭐하는사람임",
            "{n}씨는 어떤 일을 하세요?",
            "{n}씨 하는 일이 뭐예요?",
            "What does {r} do?",
            "{r} job",
        ),
        "{n} 직업 알려줘",
        ("직업", "일", "하는 일", "job", "work"),
        _pick(JOBS, "job"),
    ),
    Fact(
        "hometown",
        "{n} 고향",
        "{r}'s home town",
        "{n}씨는 {city} 출신이다.",
        "{n}씨의 고향은 {city}입니다.",
        "{r} comes from {city_en}.",
        (
            "{n}씨 고향이 어디인가요?",
            "{n} 어디 출신이야?",
            "{n} 고향",
            "{n}고향어디",
            "{n}씨는 어디서 태어났어요?",
            "{n}씨 출신 지역이 어디예요?",
            "Where is {r} from?",
            "{r} hometown",
        ),
        "{n} 고향 어디야",
        ("고향", "출신", "어디", "hometown", "from"),
        _pick(CITIES, "city"),
    ),
    Fact(
        "school",
        "{n} 출신 학교",
        "{r}'s university",
        "{n}씨는 {univ}를 졸업했다.",
        "{n}씨는 {univ}를 졸업했습니다.",
        "{r} graduated from {univ_en}.",
        (
            "{n}씨는 어느 대학을 나왔나요?",
            "{n} 어느 대학 나왔어?",
            "{n} 학교",
            "{n}대학어디",
            "{n}씨 출신 학교가 어디예요?",
            "{n}씨 모교는 어디입니까?",
            "Which university did {r} attend?",
            "{r} university",
        ),
        "{n} 어디 대학 다녔어",
        ("대학", "학교", "모교", "university", "school"),
        lambda rng: {},
    ),
    Fact(
        "major",
        "{n} 전공",
        "{r}'s major",
        "{n}씨는 대학에서 {major}을 전공했다.",
        "{n}씨는 {major}을 전공했습니다.",
        "{r} majored in {major_en}.",
        (
            "{n}씨 전공이 뭔가요?",
            "{n} 뭐 전공했어?",
            "{n} 전공",
            "{n}전공뭐임",
            "{n}씨는 대학에서 무엇을 공부했어요?",
            "{n}씨 학과가 어디예요?",
            "What did {r} study?",
            "{r} major",
        ),
        "{n} 전공 알려줘",
        ("전공", "학과", "공부", "major", "study"),
        _pick(MAJORS, "major"),
    ),
    Fact(
        "graduation",
        "{n} 졸업 시기",
        "{r}'s graduation",
        "{n}씨는 {year}년 {month}월 대학을 졸업했다.",
        "{n}씨는 {year}년 {month}월에 졸업했습니다.",
        "{r} graduated in {month_en} {year}.",
        (
            "{n}씨는 언제 졸업했나요?",
            "{n} 졸업 언제 했어?",
            "{n} 졸업",
            "{n}졸업언제함",
            "{n}씨 몇 년도에 졸업했어요?",
            "{n}씨 대학 졸업 시기가 언제입니까?",
            "When did {r} graduate?",
            "{r} graduation year",
        ),
        "{n} 언제 졸업함",
        ("졸업", "언제", "graduate", "graduation"),
        lambda rng: {},
    ),
    Fact(
        "employer",
        "{n} 소속",
        "{r}'s employer",
        "{n}씨는 현재 {org}에서 일하고 있다.",
        "{n}씨는 {org}에서 일합니다.",
        "{r} works at {org_en}.",
        (
            "{n}씨는 어느 회사에 다니나요?",
            "{n} 어디서 일해?",
            "{n} 회사",
            "{n}직장어디",
            "{n}씨 소속이 어디예요?",
            "{n}씨가 다니는 회사가 어디입니까?",
            "Where does {r} work?",
            "{r} employer",
        ),
        "{n} 다니는 회사 어디야",
        ("회사", "직장", "소속", "company", "employer"),
        lambda rng: {},
    ),
    Fact(
        "salary",
        "{n} 연봉",
        "{r}'s salary",
        "{n}씨의 연봉은 {salary}으로 알려졌다.",
        "{n}씨의 연봉은 {salary}입니다.",
        "{r} earns {salary_en} a year.",
        (
            "{n}씨 연봉이 얼마인가요?",
            "{n} 연봉 얼마야?",
            "{n} 연봉",
            "{n}연봉얼마",
            "{n}씨는 돈을 얼마나 벌어요?",
            "{n}씨 연봉 수준이 어느 정도입니까?",
            "How much does {r} earn?",
            "{r} salary",
        ),
        "{n} 얼마 받아",
        ("연봉", "월급", "돈", "얼마", "salary", "earn"),
        _salary,
    ),
    Fact(
        "military",
        "{n} 군 복무",
        "{r}'s military service",
        "{n}씨는 {branch}에서 군 복무를 마쳤다.",
        "{n}씨는 {branch}에서 군 복무를 마쳤습니다.",
        "{r} did military service in {branch_en}.",
        (
            "{n}씨는 군대 다녀왔나요?",
            "{n} 군대 어디 갔다 왔어?",
            "{n} 병역",
            "{n}군필임?",
            "{n}씨 병역은 어떻게 마쳤어요?",
            "{n}씨 군 복무는 어디서 했습니까?",
            "Did {r} do military service?",
            "{r} military",
        ),
        "{n} 군대는?",
        ("군대", "병역", "군 복무", "군필", "military"),
        _pick(BRANCHES, "branch"),
    ),
    Fact(
        "dream",
        "{n} 꿈",
        "{r}'s dream",
        "{n}씨의 꿈은 {dream} 것이다.",
        "{n}씨의 꿈은 {dream} 것입니다.",
        "{r}'s dream is {dream_en}.",
        (
            "{n}씨의 꿈이 뭔가요?",
            "{n} 꿈이 뭐야?",
            "{n} 꿈",
            "{n}꿈뭐임",
            "{n}씨는 앞으로 뭘 하고 싶어요?",
            "{n}씨 장래 희망이 무엇입니까?",
            "What is {r}'s dream?",
            "{r} dream",
        ),
        "{n} 꿈은 뭐래",
        ("꿈", "희망", "목표", "dream", "goal"),
        _pick(DREAMS, "dream"),
    ),
    Fact(
        "award",
        "{n} 수상",
        "{r}'s award",
        "{n}씨는 {year}년 {award}을 받았다.",
        "{n}씨는 {year}년 {award}을 받았습니다.",
        "{r} won {award_en} in {year}.",
        (
            "{n}씨는 무슨 상을 받았나요?",
            "{n} 상 뭐 받았어?",
            "{n} 수상",
            "{n}수상경력",
            "{n}씨 수상 경력이 있어요?",
            "{n}씨가 받은 상은 무엇입니까?",
            "What award did {r} win?",
            "{r} awards",
        ),
        "{n} 받은 상 알려줘",
        ("상", "수상", "award", "prize"),
        _combine(_pick(AWARDS, "award"), _numbers(year=(1995, 2023))),
    ),
)

ORG_FACTS = (
    Fact(
        "founded",
        "{o} 설립 연도",
        "{oe} founding year",
        "{o_eun} {year}년에 설립됐다.",
        "{o_eun} {year}년에 설립됐습니다.",
        "{oe} was founded in {year}.",
        (
            "{o_eun} 언제 설립됐나요?",
            "{o} 언제 생겼어?",
            "{o} 설립",
            "{o}설립연도",
            "{o_eun} 몇 년에 세워졌어요?",
            "{o}의 설립 연도는 언제입니까?",
            "When was {oe} founded?",
            "{oe} founding year",
        ),
        "{o} 언제 만들어졌어",
        ("설립", "창립", "언제", "founded", "founding"),
        _numbers(year=(1950, 2023)),
    ),
    Fact(
        "founder",
        "{o} 창업자",
        "{oe} founder",
        "{o_eun} {founder}씨가 세운 회사다.",
        "{o_eun} {founder}씨가 세웠습니다.",
        "{oe} was founded by {founder_en}.",
        (
            "{o_eun} 누가 세웠나요?",
            "{o} 누가 만들었어?",
            "{o} 창업자",
            "{o}창업자누구",
            "{o} 설립자가 누구예요?",
            "{o}의 창립자는 누구입니까?",
            "Who founded {oe}?",
            "{oe} founder",
        ),
        "{o} 세운 사람 누구야",
        ("창업자", "설립자", "세운", "누구", "founder", "founded"),
        lambda rng: {},
    ),
    Fact(
        "ceo",
        "{o} 대표",
        "{oe} CEO",
        "{o}의 대표는 {ceo}씨다.",
        "{o}의 대표는 {ceo}씨입니다.",
        "The CEO of {oe} is {ceo_en}.",
        (
            "{o}의 대표가 누구인가요?",
            "{o} 사장 누구야?",
            "{o} 대표",
            "{o}대표누구",
            "{o} CEO가 누구예요?",
            "{o_eul} 이끄는 사람은 누구입니까?",
            "Who is the CEO of {oe}?",
            "{oe} CEO",
        ),
        "{o} 대표이사 누구",
        ("대표", "사장", "ceo", "대표이사"),
        lambda rng: {},
    ),
    Fact(
        "hq",
        "{o} 본사",
        "{oe} headquarters",
        "{o}의 본사는 {city}에 있다.",
        "{o}의 본사는 {city}에 있습니다.",
        "{oe} is headquartered in {city_en}.",
        (
            "{o} 본사가 어디인가요?",
            "{o} 본사 어디야?",
            "{o} 본사",
            "{o}본사위치",
            "{o_eun} 어디에 있는 회사예요?",
            "{o}의 본사 위치는 어디입니까?",
            "Where is {oe} based?",
            "{oe} headquarters",
        ),
        "{o} 어디에 있어",
        ("본사", "위치", "어디", "headquarters", "based"),
        _pick(CITIES, "city"),
    ),
    Fact(
        "revenue",
        "{o} 매출",
        "{oe} revenue",
        "{o}의 지난해 매출은 {rev}억원이다.",
        "{o}의 지난해 매출은 {rev}억원입니다.",
        "{oe} had revenue of {rev}00 million won last year.",
        (
            "{o} 매출이 얼마인가요?",
            "{o} 매출 얼마야?",
            "{o} 매출",
            "{o}매출얼마",
            "{o_eun} 돈을 얼마나 벌어요?",
            "{o}의 지난해 매출액은 얼마입니까?",
            "What is {oe}'s revenue?",
            "{oe} revenue",
        ),
        "{o} 작년 매출 알려줘",
        ("매출", "매출액", "실적", "얼마", "revenue", "sales"),
        _numbers(rev=(12, 98000)),
    ),
    Fact(
        "employees",
        "{o} 직원 수",
        "{oe} headcount",
        "{o}의 직원 수는 {emp}명이다.",
        "{o}의 직원은 {emp}명입니다.",
        "{oe} has {emp} employees.",
        (
            "{o} 직원이 몇 명인가요?",
            "{o} 직원 몇 명이야?",
            "{o} 직원 수",
            "{o}직원몇명",
            "{o}에서 일하는 사람은 몇 명이에요?",
            "{o}의 임직원 규모는 어떻게 됩니까?",
            "How many employees does {oe} have?",
            "{oe} headcount",
        ),
        "{o} 사원 수 몇 명",
        ("직원", "인원", "명", "employees", "staff"),
        _numbers(emp=(11, 9990)),
    ),
    Fact(
        "business",
        "{o} 사업",
        "What {oe} does",
        "{o_eun} {biz} 회사다.",
        "{o_eun} {biz} 회사입니다.",
        "{oe} {biz_en}.",
        (
            "{o_eun} 어떤 회사인가요?",
            "{o} 뭐 하는 회사야?",
            "{o} 사업",
            "{o}뭐하는회사",
            "{o}의 주력 사업이 뭐예요?",
            "{o_eun} 무슨 일을 하는 회사입니까?",
            "What does {oe} do?",
            "{oe} business",
        ),
        "{o} 어떤 곳이야",
        ("회사", "사업", "업종", "business", "company"),
        _pick(BUSINESSES, "biz"),
    ),
)

PLACE_FACTS = (
    Fact(
        "population",
        "{p} 인구",
        "{pe} population",
        "{p}의 인구는 약 {pop}만명이다.",
        "{p}의 인구는 약 {pop}만명입니다.",
        "{pe} has about {pop}0,000 inhabitants.",
        (
            "{p} 인구가 얼마인가요?",
            "{p} 인구 몇 명이야?",
            "{p} 인구",
            "{p}인구몇명",
            "{p}에는 몇 명이 살아요?",
            "{p}의 인구 규모는 어떻게 됩니까?",
            "What is the population of {pe}?",
            "{pe} population",
        ),
        "{p} 사는 사람 몇 명",
        ("인구", "주민", "명", "population"),
        _numbers(pop=(2, 95)),
    ),
    Fact(
        "province",
        "{p} 위치",
        "Where {pe} is",
        "{p_eun} {prov}에 있다.",
        "{p_eun} {prov}에 있습니다.",
        "{pe} is in {prov_en}.",
        (
            "{p_eun} 어디에 있나요?",
            "{p} 어디 있어?",
            "{p} 위치",
            "{p}어느도",
            "{p_eun} 어느 도에 속해요?",
            "{p}의 위치는 어디입니까?",
            "Where is {pe}?",
            "{pe} location",
        ),
        "{p} 어느 지역이야",
        ("위치", "어디", "도", "location", "province"),
        _pick(PROVINCES, "prov"),
    ),
    Fact(
        "specialty",
        "{p} 특산물",
        "{pe} specialty",
        "{p}에서는 {spec} 생산이 유명하다.",
        "{p}의 특산물은 {spec}입니다.",
        "{pe} is known for its {spec_en}.",
        (
            "{p}의 특산물이 뭔가요?",
            "{p} 특산물 뭐야?",
            "{p} 특산물",
            "{p}특산품",
            "{p}에서 유명한 게 뭐예요?",
            "{p}의 대표 농산물은 무엇입니까?",
            "What is {pe} known for?",
            "{pe} specialty",
        ),
        "{p} 명물 알려줘",
        ("특산물", "특산품", "유명", "specialty"),
        _pick(SPECIALTIES, "spec"),
    ),
    Fact(
        "festival",
        "{p} 축제",
        "{pe} festival",
        "{p}의 {fest} 축제는 매년 {month}월에 열린다.",
        "{p}의 {fest} 축제는 매년 {month}월에 열립니다.",
        "{pe}'s {fest_en} festival is held every {month_en}.",
        (
            "{p} 축제는 언제 열리나요?",
            "{p} 축제 언제야?",
            "{p} 축제",
            "{p}축제언제",
            "{p}에서는 무슨 축제를 해요?",
            "{p} 축제 시기가 언제입니까?",
            "When is the {pe} festival?",
            "{pe} festival",
        ),
        "{p} 축제 몇 월에 해",
        ("축제", "행사", "언제", "festival"),
        _pick(FESTIVALS, "fest"),
    ),
    Fact(
        "mayor",
        "{p} 단체장",
        "{pe} mayor",
        "{p}의 단체장은 {mayor}씨다.",
        "{p}의 단체장은 {mayor}씨입니다.",
        "The mayor of {pe} is {mayor_en}.",
        (
            "{p} 시장이 누구인가요?",
            "{p} 단체장 누구야?",
            "{p} 시장",
            "{p}군수누구",
            "{p_eul} 이끄는 사람이 누구예요?",
            "{p}의 단체장은 누구입니까?",
            "Who is the mayor of {pe}?",
            "{pe} mayor",
        ),
        "{p} 수장 누구",
        ("시장", "군수", "단체장", "mayor"),
        lambda rng: {},
    ),
)

MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Share of synthetic entries by kind of entity.
KIND_WEIGHTS = {"person": 0.5, "org": 0.35, "place": 0.15}


# ----------------------------------------------------------------------------- generator


@dataclass(frozen=True, slots=True)
class Probe:
    """A held-out question about one synthetic entry, and a phrase its answer must contain."""

    question: str
    entry_id: str
    expected: str


@dataclass(frozen=True)
class SyntheticKnowledge:
    """What `generate` wrote."""

    directory: Path
    total_entries: int
    real_entries: int
    synthetic_entries: int
    body_chars: int
    probes: tuple[Probe, ...]


@dataclass
class _Entity:
    kind: str
    name: str
    name_en: str
    slots: Slots


class _Names:
    """Unique invented names that never appear in the real knowledge or in the templates."""

    def __init__(self, rng: random.Random, reserved: str) -> None:
        self.rng = rng
        self.reserved = reserved
        self.used: set[str] = set()

    def _fresh(self, pool: str, suffix: str = "", prefix: str = "") -> tuple[str, str]:
        """(core, full name): two syllables from `pool`, three once two keep colliding."""
        for attempt in range(10_000):
            length = 2 if attempt < 50 else 3
            core = "".join(self.rng.choice(pool) for _ in range(length))
            full = prefix + core + suffix
            if full not in self.used and core not in self.reserved and full not in self.reserved:
                self.used.add(full)
                return core, full
        raise RuntimeError("ran out of unique synthetic names; widen the syllable pools")

    def person(self) -> tuple[str, str]:
        given, full = self._fresh(GIVEN_SYLLABLES, prefix=self.rng.choice(list(SURNAMES)))
        return full, f"{SURNAMES[full[0]]} {romanize(given).capitalize()}"

    def org(self) -> tuple[str, str]:
        suffix, suffix_en = self.rng.choice(ORG_SUFFIXES)
        core, full = self._fresh(BRAND_SYLLABLES, suffix=suffix)
        return full, f"{romanize(core).capitalize()} {suffix_en}"

    def place(self) -> tuple[str, str]:
        suffix = self.rng.choice("시군")
        core, full = self._fresh(PLACE_SYLLABLES, suffix=suffix)
        return full, f"{romanize(core).capitalize()}{'-si' if suffix == '시' else '-gun'}"


def _entity(kind: str, names: _Names, rng: random.Random) -> _Entity:
    if kind == "person":
        name, name_en = names.person()
        org, org_en = names.org()
        univ_core = "".join(rng.choice(BRAND_SYLLABLES) for _ in range(2))
        month = rng.randint(1, 12)
        slots = {
            "n": name,
            "r": name_en,
            "org": org,
            "org_en": org_en,
            "univ": univ_core + "대학교",
            "univ_en": f"{romanize(univ_core).capitalize()} University",
            "year": str(rng.randint(1975, 2023)),
            "month": str(month),
            "month_en": MONTHS_EN[month - 1],
        }
        return _Entity(kind, name, name_en, slots)
    if kind == "org":
        name, name_en = names.org()
        founder, founder_en = names.person()
        ceo, ceo_en = names.person()
        slots = {
            "o": name,
            "oe": name_en,
            "o_eun": josa(name, "은는"),
            "o_eul": josa(name, "을를"),
            "founder": founder,
            "founder_en": founder_en,
            "ceo": ceo,
            "ceo_en": ceo_en,
        }
        return _Entity(kind, name, name_en, slots)
    name, name_en = names.place()
    mayor, mayor_en = names.person()
    month = rng.randint(1, 12)
    slots = {
        "p": name,
        "pe": name_en,
        "p_eun": josa(name, "은는"),
        "p_eul": josa(name, "을를"),
        "mayor": mayor,
        "mayor_en": mayor_en,
        "month": str(month),
        "month_en": MONTHS_EN[month - 1],
    }
    return _Entity(kind, name, name_en, slots)


_FACTS = {"person": PERSON_FACTS, "org": ORG_FACTS, "place": PLACE_FACTS}
_EXPECTED = {  # the slot whose value a correct answer must contain
    "age": "age",
    "job": "job",
    "hometown": "city",
    "school": "univ",
    "major": "major",
    "graduation": "year",
    "employer": "org",
    "salary": "salary",
    "military": "branch",
    "dream": "dream",
    "award": "award",
    "founded": "year",
    "founder": "founder",
    "ceo": "ceo",
    "hq": "city",
    "revenue": "rev",
    "employees": "emp",
    "business": "biz",
    "population": "pop",
    "province": "prov",
    "specialty": "spec",
    "festival": "fest",
    "mayor": "mayor",
}


def _synthetic_entries(
    count: int, rng: random.Random, reserved: str
) -> Iterator[tuple[dict[str, object], str, Probe, _Entity]]:
    """(entry fields, body sentence, probe, entity) for `count` synthetic facts."""
    names = _Names(rng, reserved)
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    made = 0
    serial = 0
    while made < count:
        serial += 1
        entity = _entity(rng.choices(kinds, weights)[0], names, rng)
        facts = _FACTS[entity.kind]
        chosen = sorted(rng.sample(range(len(facts)), rng.randint(3, len(facts))))
        for index in chosen:
            if made >= count:
                break
            fact = facts[index]
            slots = {**entity.slots, **fact.values(rng)}
            entry_id = f"{SYNTHETIC_PREFIX}{entity.kind}{serial:06d}-{fact.slug}"
            sentence = fact.sentence.format(**slots)
            entry: dict[str, object] = {
                "id": entry_id,
                "topic": fact.topic.format(**slots),
                "topic_en": fact.topic_en.format(**slots),
                "answer_ko": fact.answer_ko.format(**slots),
                "answer_en": fact.answer_en.format(**slots),
                "quote": sentence,
                "questions": [q.format(**slots) for q in fact.questions],
                "keywords": [entity.name, *fact.keywords],
            }
            probe = Probe(fact.probe.format(**slots), entry_id, slots[_EXPECTED[fact.slug]])
            made += 1
            yield entry, sentence, probe, entity


def _template_words() -> Iterator[str]:
    """Every word the templates and value tables use: names must not look like them."""
    for facts in _FACTS.values():
        for f in facts:
            yield from (f.topic, f.sentence, f.answer_ko, f.probe, *f.questions, *f.keywords)
    tables = (
        CITIES,
        JOBS,
        MAJORS,
        BRANCHES,
        DREAMS,
        AWARDS,
        ORG_SUFFIXES,
        BUSINESSES,
        PROVINCES,
        SPECIALTIES,
        FESTIVALS,
    )
    for table in tables:
        yield from (ko for ko, _ in table)


def _yaml_entry(entry: dict[str, object]) -> str:
    """One entry as YAML; JSON strings are valid YAML double-quoted scalars."""
    lines = []
    for key, value in entry.items():
        prefix = "- " if key == "id" else "  "
        if isinstance(value, list):
            lines.append(f"{prefix}{key}:")
            lines.extend(f"    - {json.dumps(v, ensure_ascii=False)}" for v in value)
        else:
            lines.append(f"{prefix}{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def generate(
    directory: Path,
    total_entries: int,
    *,
    seed: int = DEFAULT_SEED,
    source: Path = KNOWLEDGE_DIR,
) -> SyntheticKnowledge:
    """Write a knowledge folder of `total_entries` entries (the real ones included) into
    `directory`, which must not exist yet or be empty."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty")
    real_files = sorted((source / "entries").glob("*.yaml"))
    real_text = "\n".join(p.read_text(encoding="utf-8") for p in real_files)
    real_count = sum(len(yaml.safe_load(p.read_text(encoding="utf-8")) or []) for p in real_files)
    reserved = "\n".join(
        [
            real_text,
            (source / "article.txt").read_text(encoding="utf-8"),
            (source / "aliases.yaml").read_text(encoding="utf-8"),
            *_template_words(),
        ]
    )
    rng = random.Random(seed)
    shutil.copy(source / "article.yaml", directory / "article.yaml")
    entries_dir = directory / "entries"
    entries_dir.mkdir()
    for path in real_files:
        shutil.copy(path, entries_dir / path.name)

    sentences: list[str] = []
    probes: list[Probe] = []
    registered: list[str] = []
    chunk: list[str] = []
    file_no = 0
    last_entity: _Entity | None = None
    paragraph: list[str] = []

    def flush_file() -> None:
        nonlocal file_no
        if chunk:
            file_no += 1
            header = "# Synthetic entries generated by bench/synthetic.py; do not edit.\n\n"
            (entries_dir / f"synthetic-{file_no:04d}.yaml").write_text(
                header + "\n".join(chunk), encoding="utf-8"
            )
            chunk.clear()

    synthetic_count = max(total_entries - real_count, 0)
    for entry, sentence, probe, entity in _synthetic_entries(synthetic_count, rng, reserved):
        if entity is not last_entity:
            if paragraph:
                sentences.append(" ".join(paragraph))
            paragraph = []
            last_entity = entity
            if entity.kind in ("person", "org"):
                registered.append(entity.name)
        paragraph.append(sentence)
        probes.append(probe)
        chunk.append(_yaml_entry(entry))
        if len(chunk) >= ENTRIES_PER_FILE:
            flush_file()
    if paragraph:
        sentences.append(" ".join(paragraph))
    flush_file()

    real_body = (source / "article.txt").read_text(encoding="utf-8").rstrip("\n")
    body = real_body + "\n\n" + "\n\n".join(sentences) + "\n" if sentences else real_body + "\n"
    (directory / "article.txt").write_text(body, encoding="utf-8")

    (directory / "aliases.yaml").write_text(
        _register_names((source / "aliases.yaml").read_text(encoding="utf-8"), registered),
        encoding="utf-8",
    )
    return SyntheticKnowledge(
        directory=directory,
        total_entries=real_count + synthetic_count,
        real_entries=real_count,
        synthetic_entries=synthetic_count,
        body_chars=len(body),
        probes=tuple(probes),
    )


def _register_names(aliases: str, names: list[str]) -> str:
    """aliases.yaml with `names` appended to its names list, keeping the file's text."""
    if not names:
        return aliases
    data = yaml.safe_load(aliases) or {}
    lines = aliases.rstrip("\n").splitlines()
    if list(data)[-1:] == ["names"] and lines and lines[-1].lstrip().startswith("- "):
        indent = lines[-1][: len(lines[-1]) - len(lines[-1].lstrip())]
        return "\n".join(lines) + "\n" + "".join(f"{indent}- {n}\n" for n in names)
    data["names"] = [*(data.get("names") or []), *names]
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def sample_probes(
    probes: tuple[Probe, ...], count: int, *, seed: int = DEFAULT_SEED
) -> list[Probe]:
    """A reproducible sample of `count` probes (all of them when there are fewer)."""
    if len(probes) <= count:
        return list(probes)
    return random.Random(seed).sample(list(probes), count)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.synthetic OUT_DIR --size N`: write one folder and say what it holds."""
    parser = argparse.ArgumentParser(prog="python -m bench.synthetic", description=__doc__)
    parser.add_argument("out", type=Path, help="an empty or new folder")
    parser.add_argument("--size", type=int, default=1000, help="total entries (real included)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    made = generate(args.out, args.size, seed=args.seed)
    print(
        f"{made.directory}: {made.total_entries} entries ({made.real_entries} real, "
        f"{made.synthetic_entries} synthetic), body {made.body_chars:,} characters"
    )
    for probe in sample_probes(made.probes, 5):
        print(f"  probe: {probe.question}  →  {probe.entry_id} ({probe.expected})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
