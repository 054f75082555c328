"""Typo look-up: one jamo edit away, keyboard neighbours cheaper, any input safe."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering.korean import typo_key, typo_similarity
from bot.answering.typos import TypoIndex

VOCABULARY = ["연봉", "졸업", "출국", "군대", "연구", "인공지능", "나이", "openai"]


@pytest.fixture(scope="module")
def index() -> TypoIndex:
    return TypoIndex(VOCABULARY)


@pytest.mark.parametrize(
    ("typo", "word"),
    [
        pytest.param("연뵹", "연봉", id="neighbouring-vowel"),
        pytest.param("졸엄", "졸업", id="neighbouring-consonant"),
        pytest.param("출궄", "출국", id="aspirated-consonant"),
        pytest.param("군데", "군대", id="ae-e-confusion"),
        pytest.param("인공지는", "인공지능", id="long-word"),
        pytest.param("인공지능ㅇ", "인공지능", id="extra-jamo"),
        pytest.param("openia", "openai", id="latin-swap-is-two-edits"),
    ],
)
def test_finds_the_intended_word(index: TypoIndex, typo: str, word: str) -> None:
    found = dict(index.lookup(typo, cutoff=0.6))
    assert word in found


@pytest.mark.parametrize(
    ("word", "not_a_typo_of"),
    [("인구", "연구"), ("결혼", "연봉"), ("나비", "나이")],
)
def test_unrelated_words_are_not_corrected(index: TypoIndex, word: str, not_a_typo_of: str) -> None:
    assert not_a_typo_of not in dict(index.lookup(word, cutoff=0.85))


def test_keyboard_neighbours_cost_less_than_distant_keys() -> None:
    near = typo_similarity(typo_key("연뵹"), typo_key("연봉"))  # ㅛ is next to ㅗ
    far = typo_similarity(typo_key("인구"), typo_key("연구"))  # ㅣ is far from ㅕ
    assert near > far


def test_short_words_are_never_corrected(index: TypoIndex) -> None:
    assert index.lookup("나", cutoff=0.0) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_lookup_never_raises_and_respects_cutoff(index: TypoIndex, text: str) -> None:
    for word, similarity in index.lookup(text, cutoff=0.85):
        assert word in VOCABULARY
        assert 0.85 <= similarity <= 1.0
