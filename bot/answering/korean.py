"""Korean language rules: jamo decomposition, particles and endings, function words.

Kept as data plus tiny functions so that the analyser stays readable and the rules can be
extended without touching the matching code.
"""

from __future__ import annotations

import itertools
import re

from rapidfuzz.distance import Levenshtein

_SBASE, _SEND = 0xAC00, 0xD7A3
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"

# Vowels people mix up when typing fast (ㅐ/ㅔ, ㅒ/ㅖ, ㅙ/ㅚ/ㅞ) share one key,
# so 군데 matches 군대.
_VOWEL_KEY = str.maketrans({"ㅐ": "ㅔ", "ㅒ": "ㅖ", "ㅙ": "ㅞ", "ㅚ": "ㅞ"})

HANGUL_RE = re.compile(r"[\uac00-\ud7a3]")
# Standalone jamo (ㅋㅋ, ㅎㅎ, ㅠㅠ) are chat noise, never content.
JAMO_RUN_RE = re.compile(r"[\u3131-\u318e\u1100-\u11ff]+")


def is_syllable(ch: str) -> bool:
    return _SBASE <= ord(ch) <= _SEND


def decompose(text: str) -> str:
    """Spell Hangul syllables out as compatibility jamo; other characters pass through."""
    out: list[str] = []
    for ch in text:
        code = ord(ch) - _SBASE
        if 0 <= code <= _SEND - _SBASE:
            lead, rest = divmod(code, 588)
            vowel, tail = divmod(rest, 28)
            out.append(_LEADS[lead])
            out.append(_VOWELS[vowel])
            if tail:
                out.append(_TAILS[tail])
        else:
            out.append(ch)
    return "".join(out)


# Jamo that are easy to mistype for each other: neighbours on the standard 2-set keyboard,
# and plain/tense/aspirated consonant triples (ㄱ/ㄲ/ㅋ). Swapping them costs half an edit.
_KEYBOARD_ROWS = ("ㅂㅈㄷㄱㅅㅛㅕㅑㅐㅔ", "ㅁㄴㅇㄹㅎㅗㅓㅏㅣ", "ㅋㅌㅊㅍㅠㅜㅡ")
_CONSONANT_FAMILIES = ("ㄱㄲㅋ", "ㄷㄸㅌ", "ㅂㅃㅍ", "ㅈㅉㅊ", "ㅅㅆ")


def _close_pairs() -> frozenset[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for row in _KEYBOARD_ROWS:
        pairs.update(itertools.pairwise(row))
    for upper, lower in itertools.pairwise(_KEYBOARD_ROWS):
        for i, ch in enumerate(upper):
            pairs.update((ch, other) for other in lower[max(i - 1, 0) : i + 1])
    for family in _CONSONANT_FAMILIES:
        pairs.update((a, b) for a in family for b in family if a != b)
    return frozenset(pairs | {(b, a) for a, b in pairs})


CLOSE_JAMO = _close_pairs()


def typo_similarity(a: str, b: str) -> float:
    """1 - weighted edit distance / length, over typo keys; close jamo swap for half a cost."""
    if a == b:
        return 1.0
    cost = 0.0
    for op in Levenshtein.editops(a, b):
        close = op.tag == "replace" and (a[op.src_pos], b[op.dest_pos]) in CLOSE_JAMO
        cost += 0.5 if close else 1.0
    return 1.0 - cost / max(len(a), len(b))


def typo_key(word: str) -> str:
    """The jamo spelling used for typo-tolerant comparison."""
    return decompose(word).translate(_VOWEL_KEY)


# Sentence-final syllables that laughter (ㅋ) gets typed onto: 이냨 → 이냐, 뭐얔 → 뭐야.
_LAUGH_HOSTS = frozenset("냐니나야어아지다요네게래대해함임음까죠냥여")


def drop_trailing_laugh(word: str) -> str:
    """'몇살이냨' → '몇살이냐'; a real final ㅋ stays ('출궄' is a typo of 출국, not laughter)."""
    if word and is_syllable(word[-1]):
        code = ord(word[-1]) - _SBASE
        if code % 28 == _TAILS.index("ㅋ"):
            host = chr(ord(word[-1]) - _TAILS.index("ㅋ"))
            if host in _LAUGH_HOSTS:
                return word[:-1] + host
    return word


# Particles (josa) and verb/adjective endings that follow a content word. Longest match wins,
# so compound endings are listed whole. A word is never stripped below one syllable.
_ENDINGS = """
은 는 이 가 을 를 의 에 에서 에게 께 께서 한테 로 으로 와 과 랑 이랑
하고 도 만 까지 부터 보다 처럼 이나 나 이란 란 이라 라 이라고 라고 이라는
라는 이든 든 이야 야 이에요 예요 이예요 이요 요 이다 다 임 인가 인가요
인지 인데 이지 지 이고 고 이며 며 이면 면 로서 으로서 로써 으로써 에는
에선 에서는 에서도 에도 으로는 로는 에게는 과는 와는 이랑은 까지는 부터는
은요 는요 이는 이가 했어 했어요 했나 했나요 했냐 했니 했음 했지 했지요 했죠
했습니까 했습니다 했다 했는데 했던 했을까 했을까요 하나 하나요 하냐 하니 함
해 해요 합니까 합니다 한다 한 하는 할 할까 할까요 하지 하죠 했던가 하는가
하는지 해서 하게 하려 하려고 하면 해도 해야 했고 하고요 했구나 하네 였어
였어요 였나 였나요 였냐 였니 였음 였다 였지 였죠 였습니까 였을까 이었어
이었나 이었냐 이었다 인가 인가요 인지 인거 인거야 인거지 인데요 이냐 이니
이죠 이지요 입니까 입니다 이었지 냐 니 나요 니까 는가 는지 는데 죠 지요 네
네요 군 군요 구나 거야 거지 건가 건가요 걸까 걸까요 습니까 습니다 ㅂ니까 어
아 어요 아요 었어 았어 었어요 았어요 었나 았나 었나요 았나요 었냐 았냐 었니
았니 었음 았음 었다 았다 었지 았지 었죠 았죠 었습니까 았습니까 었을까 았을까
었던 았던 었는데 았는데 을까 을까요 을지 을래 을거야 을거 을건가 는거야 는거
는건가 은거야 은건가 을 ㄹ 을게 을까나 서 래 래요 대 대요 댔어 냐고 라던데
다고 다는 다는거 다며 단 하다 하다는 한다는 하다고 한다고 하다는거 밖에 이라서 라서
던데 더라 더라고 랬어 됨 음 듦 햇음 햇어 했대 한대 였대 이래 이래요 게 게요
짜리 짜리야 짜리였어 짜리였음 짜리임
"""
ENDINGS: tuple[str, ...] = tuple(sorted(set(_ENDINGS.split()), key=len, reverse=True))
_ENDING_SET = frozenset(ENDINGS)
_LONGEST_ENDING = len(ENDINGS[0])

# Words that carry no topic: fillers, politeness, generic verbs of asking, and the vocatives
# people use in group chats. Wh-words are *not* here: 언제/어디/누구/얼마 tell facts apart.
STOPWORDS_KO: frozenset[str] = frozenset(
    """
    좀 그 저 이 그냥 혹시 진짜 정말 너무 아주 막 또 근데 그런데 그러면 그럼
    그래서 그리고 아 어 음 야 얘 헐 알려 알려줘 알려주세요 알려줄래 알려줄래요
    알고 알아 궁금 궁금해 궁금해요 궁금합니다 말해 말해줘 가르쳐 가르쳐줘 있어
    있어요 있나 있나요 있냐 있니 있음 있는 있습니까 없어 없나 없냐 하 해 했
    하는 한 할 된 되 돼 됐 되나 됐어 된거 될 되는 된다 됨 되게 됐나 됐냐 거
    것 게 건 걸 수 줄 뭔가 봇 봇아 봇님 님 씨
    분 저기 여기 요 네 응 예 아니 대해 대해서 관해 관해서 관련 이건 그건 저건
    이거 그거 저거 이게 그게 얘기 질문 답 답변 내용 싶 싶어 싶다 싶은 싶대
    싶었 싶어요 싶습니다 싶대요 때 정도 상태 쯤 경우 당시 중 동안 본인 직접
    친구 이번 보통 대개 흔히 일반적으로 거기 그곳 그때 그쪽 데 인
    해줘 해줘요 해주세요 해줄래 해줄래요 해봐 줘 줘요 주세요 줄래 부탁 부탁해 부탁해요
    """.split()
)

# Words about how a text states something rather than what it states: "기사에서 어떤 말로
# 표현했어?", "몇으로 평가됐어?", "원화로 환산하면". Unknown to a knowledge base, they say how
# the answer is wanted, like question words, and never that the question is off its topic.
REPORTING_STEMS_KO: frozenset[str] = frozenset(
    """
    표현 비유 빗대 빗댄 지칭 칭하 칭한 일컫 일컬 묘사 서술 언급 거론 예시 예로 자평 평가
    짐작 추정 추측 예상 환산 기준 정확히 구체적 적히 적힌 적혀 적혔 쓰여 쓰인 써있 써져 찍혀
    찍힌 찍히 나타내 나타낸 나타난 명시 기재 기록 설명 부른 부르 불렀 불린 보기
    봤을 보았 놓으 놓고 놓았 따르 따른 따라 의하 의한 의해 전하 전해 전한 꼽히
    꼽은 꼽힌 꼽혔 가리키 가리킨 다루 다룬 다뤄 등장 인용 요약 정리 소개 논평 평론
    코멘트 발언 답하 답한 답했 답변 영문 국문 한글 정식 공식
    """.split()
)
# What may follow such a stem in an analysed word ("언급되", "평가됐", "봤을때"), and nothing
# else: 국문학, 설명회 and 정리해고 are topics.
_REPORTING_TAILS = frozenset("되 된 됐 돼 될 하 한 했 해 할 히 으 을 면 때 으면 서".split()) | {""}


# Words that ask which one or how ("어느 회사", "무슨 상", "어떻게"): part of the question,
# not its topic.
WH_MODIFIERS = frozenset("어느 어떤 무슨 어떻게".split())


def is_reporting(word: str) -> bool:
    """True for a word about how the article states something ("표현", "언급되", "환산")."""
    return any(
        word[:cut] in REPORTING_STEMS_KO
        for cut in range(1, len(word) + 1)
        if word[cut:] in _REPORTING_TAILS
    )


# Everyone in the article is "him" unless named: the interviewee's name and pronouns are neutral.
SUBJECT_KO: frozenset[str] = frozenset("그 그는 그가 이사람 저사람 그사람 걔 그분 그친구".split())


# Question words in their inflected or colloquial forms, folded to one term each.
WH_FORMS: dict[str, str] = {
    "누가": "누구",
    "누군": "누구",
    "누굴": "누구",
    "누구야": "누구",
    "어디서": "어디",
    "어딘": "어디",
    "어딜": "어디",
    "얼마나": "얼마",
    "얼만": "얼마",
    "언젠": "언제",
    "몇년": "몇 년",
    # "교수 이름이 뭐야" asks who, like "어느 교수야".
    "이름": "누구",
    "이름이": "누구",
    "이름은": "누구",
    # "what" tells a topic question (무슨 강연?) from a when/where one about the same event.
    "뭐": "무엇",
    "뭘": "무엇",
    "뭔": "무엇",
    "뭐야": "무엇",
    "뭐지": "무엇",
    "무슨": "무엇",
    "뭐임": "무엇",
    "뭐였어": "무엇",
    "뭐래": "무엇",
    "뭐예요": "무엇",
    "뭐에요": "무엇",
    "뭔데": "무엇",
    "어때": "어떻게",
}

# Stems left once an ending is stripped that are really a question word: 어떻대 → 어떻,
# 어땠어 → 어땠. Folded so they are one known term, not a rare word that sinks the match.
STEM_FOLDS: dict[str, str] = dict.fromkeys(("어떻", "어때", "어땠", "어떨"), "어떻게")

GREETINGS_KO: frozenset[str] = frozenset(
    """
    안녕 안녕하세요 안녕하십니까 반가워 반가워요 반갑습니다
    하이 ㅎㅇ 고마워 고마워요 감사 감사합니다 땡큐
    """.split()
)


# Chat spellings folded to the standard word before analysis.
SLANG: dict[str, str] = {
    "어케": "어떻게",
    "어캐": "어떻게",
    "머": "뭐",
    "모야": "뭐야",
    "머야": "뭐야",
    "뭐임": "뭐야",
    "먼데": "뭔데",
    "왜케": "왜",
    "넘": "너무",
    "젤": "제일",
    "첨": "처음",
    "얼만데": "얼마",
}

# Syllables that make a new noun of a noun (상한 → 상한선, 졸업 → 졸업식, 최대 → 최대치).
NOUN_SUFFIXES = frozenset("선식자표율률권금액장측계적생비치")

# One-syllable words that do carry meaning; any other single syllable is too ambiguous to
# segment unspaced text with (it would split 친구 into 친 + 구).
MEANINGFUL_SYLLABLES = frozenset("몇 살 왜 돈 꿈 상 군 명 곳 팀".split())


_SSANG_SIOT_TAIL = _TAILS.index("ㅆ")
# Past-tense contractions: the vowel before ㅆ tells the stem's last vowel (세웠 → 세우).
_PAST_VOWEL = {"ㅝ": "ㅜ", "ㅘ": "ㅗ", "ㅕ": "ㅣ", "ㅙ": "ㅚ", "ㅐ": "ㅐ", "ㅏ": "ㅏ", "ㅓ": "ㅓ"}


_SIOT_TAIL = _TAILS.index("ㅅ")


def past_to_stem(word: str) -> str:
    """'세웠' → '세우', '나왔' → '나오', '했' → '하', '먹었' → '먹': one stem for every tense.
    Chat often types the past ㅆ as ㅅ: '열렷', '나왓' are read as 열렸, 나왔 (not 다섯)."""
    if len(word) < 1 or not is_syllable(word[-1]):
        return word
    code = ord(word[-1]) - _SBASE
    lead, rest = divmod(code, 588)
    vowel, tail = divmod(rest, 28)
    if tail == _SIOT_TAIL and _VOWELS[vowel] in "ㅕㅝㅘㅙ" and len(word) > 1:
        tail = _SSANG_SIOT_TAIL
        word = word[:-1] + chr(_SBASE + lead * 588 + vowel * 28 + tail)
    if tail != _SSANG_SIOT_TAIL:
        return word
    if len(word) > 1 and word[-1] in "었았였":
        return word[:-1]
    if word[-1] == "했":
        return word[:-1] + "하"
    mapped = _PAST_VOWEL.get(_VOWELS[vowel])
    if mapped is None:
        return word
    return word[:-1] + chr(_SBASE + lead * 588 + _VOWELS.index(mapped) * 28)


_ADNOMINAL_TAILS = (_TAILS.index("ㄴ"), _TAILS.index("ㄹ"), _TAILS.index("ㅁ"))
_RIEUL_MIEUM = _TAILS.index("ㄻ")


def adnominal_to_stem(word: str) -> str:
    """'나온' → '나오', '세울' → '세우', '나옴' → '나오', '만듦' → '만들': the verb stem under a
    ㄴ/ㄹ modifier or a ㅁ nominaliser."""
    if not word or not is_syllable(word[-1]):
        return word
    code = ord(word[-1]) - _SBASE
    tail = code % 28
    if tail == _RIEUL_MIEUM:
        return word[:-1] + chr(ord(word[-1]) - tail + _TAILS.index("ㄹ"))
    if tail not in _ADNOMINAL_TAILS:
        return word
    return word[:-1] + chr(ord(word[-1]) - tail)


def longest_ending(word: str) -> str | None:
    """The longest particle or ending that `word` ends with, leaving at least one syllable."""
    for length in range(min(_LONGEST_ENDING, len(word) - 1), 0, -1):
        if word[-length:] in _ENDING_SET:
            return word[-length:]
    return None


def strip_ending(word: str, known: set[str] | frozenset[str]) -> str:
    """Remove a particle or verb ending, preferring a remainder that is a known word."""
    if word in known or not HANGUL_RE.search(word[-1:]):
        return word
    # First choice: the longest known prefix followed by a recognised ending.
    for cut in range(len(word) - 1, 0, -1):
        if word[cut:] in _ENDING_SET and word[:cut] in known:
            return word[:cut]
    ending = longest_ending(word)
    if ending is None:
        return past_to_stem(word)
    stem = past_to_stem(word[: -len(ending)])
    # Endings stack ("뽑혔다고" = 뽑히 + 었 + 다 + 고): peel once more if that leaves a known
    # word or a past-tense stem.
    again = longest_ending(stem)
    if again is not None:
        shorter = past_to_stem(stem[: -len(again)])
        if shorter in known or shorter != stem[: -len(again)]:
            return shorter
    return stem
