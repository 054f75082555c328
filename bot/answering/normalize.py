"""Text normalisation and analysis, applied the same way to stored questions and to queries.

Two steps, kept apart on purpose:

* `Normalizer.normalize` is a pure, idempotent string → string clean-up (Unicode folding,
  chat noise, punctuation, transliterations such as 오픈에이아이 → openai).
* `Analyzer.terms` turns normalised text into matching terms: it drops function words,
  strips Korean particles and endings, splits unspaced Korean (연봉얼마 → 연봉 얼마) against
  the knowledge base's own vocabulary, and stems English.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

import snowballstemmer

from bot.answering import korean
from bot.answering.cache import ByteBoundedCache
from bot.models import Lang, Subject

# Control, format (zero-width, bidi overrides), surrogate, private-use and unassigned characters.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_SPACE_RE = re.compile(r"\s+")
# Keep letters, digits and Hangul; a dot survives only inside a number (88.1).
_PUNCT_RE = re.compile(r"(?:(?<!\d)\.|\.(?!\d)|[^\w.]|_)+")
# Script boundaries: "오픈ai에서" → "오픈 ai 에서", "7000명" → "7000 명".
_SCRIPT_SPLIT_RE = re.compile(
    r"(?<=[a-z])(?=[^a-z\s])|(?<=[^a-z\s])(?=[a-z])"
    r"|(?<=[\d.])(?=[^\d.\s])|(?<=[^\d.\s])(?=\d)"
)
_LATIN_RE = re.compile(r"[a-z]")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")

# Leading chat addressing: /ask, /fact@bot, @bot, and vocatives such as "야 봇아".
_COMMAND_RE = re.compile(r"^\s*/[a-z_]+(?:@\w+)?(?=\s|$)", re.IGNORECASE)
_MENTION_RE = re.compile(r"(?<!\w)@\w{3,}", re.IGNORECASE)
_VOCATIVE_RE = re.compile(
    r"^\s*(?:(?:야|저기|헤이|hey|hi|yo)\s*)?(?:봇|봇아|봇님|bot)(?:아|야)?(?:[\s,!.~?]+|$)",
    re.IGNORECASE,
)

EN_STOPWORDS: frozenset[str] = frozenset(
    """
    a an the is are was were be been being am do does did doing done have has had having will
    would shall should can could may might must i me my you your he him his she her it its
    they them their we us our this that these those there here of to in on at for from by with
    about as into onto over under than then so and or but if not no nor too very just also any
    some such which whose tell me please know let give show say said says article bot hey
    hi hello thanks thank ok okay tae hoon mr guy person man s t d ll re ve m don didn doesn
    isn aren wasn weren get got go going gonna wanna what's hows whos wheres whens whys
    kind sort type thing things stuff happen happened exactly actually really basically
    isnt didnt doesnt wasnt arent werent wont cant couldnt wouldnt shouldnt hasnt havent
    im ive youre hes shes theyre thats theres only even someone somebody anyone anybody
    something anything usually generally pls plz thx
    """.split()
)

# Stems of English words about how a text states something ("as described", "per the
# article", "the figure given"): like question words, never a topic the article lacks.
EN_REPORTING: frozenset[str] = frozenset(
    """
    describ descript mention call term word phrase state report refer note cite quot accord
    per given shown written list label character characteris portray depict put express specif
    actual ever
    """.split()
)

# Stop words that are parts of a romanised name ("Kim Tae-hun 나이?" is a Korean question).
_NAME_PARTS = frozenset("tae hoon mr".split())

_stemmer = snowballstemmer.stemmer("english")


_US_RE = re.compile(r"\bUS\b")


def clean(text: str) -> str:
    """Unicode-fold, drop invisible characters, read a capital "US" as the country,
    lowercase and fold whitespace."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():  # Fast path: printable text has no invisible characters.
        text = "".join(
            ch if unicodedata.category(ch) not in _INVISIBLE_CATEGORIES else " " for ch in text
        )
    if not text.isupper():  # "TELL US …" in capitals is the pronoun
        text = _US_RE.sub("USA", text)  # before case folding makes it the pronoun "us"
    text = unicodedata.normalize("NFKC", text.casefold())
    return _SPACE_RE.sub(" ", text).strip()


def strip_addressing(text: str) -> str:
    """Remove a leading /command, @bot mentions and vocatives such as '봇아'."""
    text = _COMMAND_RE.sub(" ", text, count=1)
    text = _MENTION_RE.sub(" ", text)
    text = _VOCATIVE_RE.sub(" ", text, count=1)
    return _SPACE_RE.sub(" ", text).strip()


ENGLISH_QUESTION_WORDS = frozenset("what who when where which why how whose".split())


def detect_lang(text: str) -> Lang:
    """The language to answer in: English for English sentences, even with a Korean name
    ("What is 오픈AI?"); Korean for Korean ones, even with Latin words ("OpenAI 어떤 회사야?")."""
    words = _PUNCT_RE.sub(" ", clean(text)).split()
    hangul = [w for w in words if korean.HANGUL_RE.search(w)]
    latin = [w for w in words if _LATIN_RE.match(w) and not korean.HANGUL_RE.search(w)]
    if not hangul or not latin:
        return "en" if latin else "ko"
    grammar = [
        w
        for w in latin
        if (w in EN_STOPWORDS and w not in _NAME_PARTS) or w in ENGLISH_QUESTION_WORDS
    ]
    return "en" if grammar and len(latin) >= len(hangul) else "ko"


_THOUSANDS_RE = re.compile(r"(\d+)\s*천(?!\d)")
_DIGIT_GROUPS_RE = re.compile(r"(?<!\d)(?<!\d,)\d{1,3}(?:,\d{3})+(?!\d|,\d)")
# "몇점", "몇명", "몇살": the question word and its counter, apart (몇 점), as people also write.
_HOW_MANY_RE = re.compile(r"몇(?=[가-힣])(?!몇)")


def _surface(text: str) -> str:
    text = clean(text)
    text = _THOUSANDS_RE.sub(lambda m: str(int(m.group(1)[:12]) * 1000), text)  # 7천명 → 7000명
    text = _DIGIT_GROUPS_RE.sub(lambda m: m.group().replace(",", ""), text)  # 7,000 → 7000
    text = _HOW_MANY_RE.sub("몇 ", text)
    text = korean.JAMO_RUN_RE.sub(" ", text)
    text = _PUNCT_RE.sub(" ", text)
    text = _SCRIPT_SPLIT_RE.sub(" ", text)
    return " ".join(korean.drop_trailing_laugh(w) for w in text.split())


class Normalizer:
    """Idempotent clean-up plus the knowledge base's transliteration aliases."""

    def __init__(self, aliases: Mapping[str, str] | None = None) -> None:
        pairs = {_surface(k): _surface(v) for k, v in (aliases or {}).items()}
        self.aliases = {k: v for k, v in pairs.items() if k and k != v}
        self._alias_re = (
            re.compile("|".join(_bounded(k) for k in sorted(self.aliases, key=len, reverse=True)))
            if self.aliases
            else None
        )

    def normalize(self, text: str) -> str:
        text = " ".join(
            korean.WH_FORMS.get(slang, slang)
            for slang in (korean.SLANG.get(w, w) for w in _surface(text).split())
        )
        if self._alias_re is not None:
            folded = self._alias_re.sub(lambda m: f" {self.aliases[m.group(0)]} ", text)
            if folded != text:
                text = _surface(folded)
        return text


def _bounded(variant: str) -> str:
    """A regex for `variant`; Latin and digit edges must not touch letters ('mit' ≠ 'submit')."""
    pattern = re.escape(variant)
    if re.match(r"[a-z0-9]", variant):
        pattern = r"(?<![a-z0-9])" + pattern
    if re.search(r"[a-z0-9]$", variant):
        pattern += r"(?![a-z0-9])"
    return pattern


def stem_english(word: str) -> str:
    return str(_stemmer.stemWord(word))


class Analyzer:
    """Turns normalised text into matching terms, using the knowledge base's vocabulary."""

    def __init__(
        self,
        lexicon: Iterable[str] = (),
        subject: Subject | None = None,
        whole_words: Iterable[str] = (),
    ) -> None:
        self.lexicon: set[str] = set(lexicon)
        # Real words the knowledge does not use (고등학교): kept whole, never split into
        # known pieces (고등 + 학교), so the matcher sees what was asked.
        self.whole_words = frozenset(whole_words)
        self._stem_known = frozenset(self.lexicon | self.whole_words)  # 인도는 → 인도, not 인
        # The subject, in every form, becomes one term (knowledge/aliases.yaml).
        self.subject = subject or Subject()
        # Unspaced text is split only at words long or meaningful enough to be trusted.
        self._splitters = {
            w for w in self.lexicon if len(w) > 1 or w in korean.MEANINGFUL_SYLLABLES
        } | set(korean.WH_FORMS)
        self._longest = max((len(w) for w in self._splitters), default=1)
        # Tokens repeat endlessly (in the knowledge and in chat), and analysing one depends
        # only on the lexicon, so each distinct token is analysed once.
        self._token_cache: ByteBoundedCache[str, tuple[str, ...]] = ByteBoundedCache()
        self._compound_cache: ByteBoundedCache[str, tuple[str, ...]] = ByteBoundedCache()

    def terms(self, normalized: str) -> list[str]:
        out: list[str] = []
        for token in normalized.split():
            cached = self._token_cache.get(token)
            if cached is None:
                cached = self._token_cache.put(token, tuple(self._token_terms(token)))
            out.extend(cached)
        return list(dict.fromkeys(out))

    def _token_terms(self, token: str) -> list[str]:
        if _is_number(token):
            return [token]
        if token in self.subject.forms:
            return [self.subject.term]
        if _LATIN_RE.match(token):
            if token in EN_STOPWORDS:
                return []
            return [token if token in self.lexicon else stem_english(token)]
        if not korean.HANGUL_RE.search(token):
            return []
        if token in korean.MEANINGFUL_SYLLABLES:
            return [token]  # A word that looks like an ending: 군 in "군 복무".
        if token in self.lexicon and token not in korean.STOPWORDS_KO:
            return [token]  # before the stem rule below: 일본 is a word, not 일보 + ㄴ
        adnominal = korean.adnominal_to_stem(token)
        if adnominal != token and adnominal in self.lexicon:
            return [adnominal]  # 나온 → 나오, so "언제 나온" meets "언제 나왔어".
        if _is_function_word(token):
            return []
        if token in self.whole_words:
            return [token]
        stem = korean.strip_ending(token, self._stem_known)
        stem = korean.STEM_FOLDS.get(stem, stem)
        if stem in self.subject.forms:  # 김씨가 → 김씨 → the subject
            return [self.subject.term]
        if _is_function_word(stem):
            return []
        if stem in self.lexicon:
            return [stem]
        if stem in self.whole_words or self._known_plus_suffix(stem):
            return [stem]
        adnominal = korean.adnominal_to_stem(stem)
        if adnominal in self.lexicon and len(stem) > 1:  # 말 is a word, not 마 + ㄹ
            return [adnominal]
        pieces = self._segment(token)
        if pieces is not None:
            return pieces
        return [] if _is_function_word(stem) else [stem]

    def _known_plus_suffix(self, word: str) -> bool:
        """상한선, 졸업식: a known word and a noun suffix. Kept whole for the matcher to read
        by its prefix, rather than split into pieces that lose the known word."""
        return len(word) >= 3 and word[-1] in korean.NOUN_SUFFIXES and word[:-1] in self.lexicon

    def split_compound(self, word: str) -> list[str]:
        """Known words inside a known compound (군복무 → 군, 복무), or [] when there are none."""
        if not korean.HANGUL_RE.match(word):
            return []  # English words are never compounds of other words: stage ≠ st + age.
        cached = self._compound_cache.get(word)
        if cached is None:
            pieces = self._segment(word, whole_word=False) or []
            known = len(pieces) > 1 and all(p in self.lexicon for p in pieces)
            cached = self._compound_cache.put(word, tuple(pieces) if known else ())
        return list(cached)

    def _segment(self, token: str, *, whole_word: bool = True) -> list[str] | None:
        """Split unspaced Korean into known words; None when too little of it is known."""
        n = len(token)
        # best[i]: the cheapest reading of token[:i] as (cost, pieces). A piece is (text, kind)
        # with kind "word", "function" or "unknown"; an unknown syllable costs the most.
        best: list[tuple[int, tuple[tuple[str, str], ...]] | None] = [None] * (n + 1)
        best[0] = (0, ())
        for i in range(n):
            current = best[i]
            if current is None:
                continue
            cost, pieces = current
            steps = [(i + 1, token[i], "unknown", 3)]
            for j in range(i + 1, min(n, i + self._longest) + 1):
                piece = token[i:j]
                if piece in self._splitters and (whole_word or piece != token):
                    steps.append((j, piece, "word", 1))
                elif i > 0 and (piece in korean.STOPWORDS_KO or piece in korean.ENDINGS):
                    # Function words follow something: 고등학교 is not 고 + 등 + 학교,
                    # 수퍼컴 is not 수 + 퍼컴.
                    steps.append((j, piece, "function", 1))
            for j, piece, kind, step_cost in steps:
                previous = best[j]
                if previous is None or cost + step_cost < previous[0]:
                    best[j] = (cost + step_cost, (*pieces, (piece, kind)))
        final = best[n]
        if final is None:
            return None
        chunks = "".join(piece if kind == "unknown" else " " for piece, kind in final[1]).split()
        # Trust a split only if most of the token is accounted for. Unknown pieces of two or
        # more syllables count (수퍼컴 + 대회: 수퍼컴 is found by prefix later); lone unknown
        # syllables do not, so 군데 stays whole (a typo of 군대) instead of 군 + 데.
        explained = n - sum(len(c) for c in chunks if len(c) == 1)
        if not any(kind == "word" for _, kind in final[1]) or explained * 2 <= n:
            return None
        terms: list[str] = []
        chunk = ""
        for piece, kind in (*final[1], ("", "end")):
            if kind == "unknown":
                chunk += piece
                continue
            if chunk:
                stem = korean.strip_ending(chunk, self.lexicon)
                if len(stem) > 1 or stem in korean.MEANINGFUL_SYLLABLES:
                    terms.append(stem)
                chunk = ""
            if kind == "word":
                terms.extend(korean.WH_FORMS.get(piece, piece).split())
        return [t for t in terms if _is_informative(t, self.lexicon)]


def _is_informative(term: str, lexicon: set[str]) -> bool:
    """Drop function words, and lone unknown syllables left over from splitting."""
    if not term or _is_function_word(term):
        return False
    return len(term) > 1 or term in lexicon or term in korean.MEANINGFUL_SYLLABLES


def _is_function_word(word: str) -> bool:
    return (
        word in korean.STOPWORDS_KO
        or word in korean.SUBJECT_KO
        or word in korean.GREETINGS_KO
        or word in korean.ENDINGS
    )


def _is_number(token: str) -> bool:
    return _NUMBER_RE.fullmatch(token) is not None
