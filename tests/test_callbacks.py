"""Signed button data: round trips, the 64-byte limit, and rejection of anything forged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.answering.engine import Engine
from bot.telegram.callbacks import (
    MAX_CALLBACK_BYTES,
    Action,
    CallbackDataTooLongError,
    CallbackSigner,
    InvalidCallbackError,
    Kind,
    derive_secret,
)

SIGNER = CallbackSigner(b"k" * 32)
OTHER = CallbackSigner(b"x" * 32)
LONGEST_ID = "a" * 44


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_round_trip(kind: Kind, lang: str) -> None:
    value = "3" if kind is Kind.TOPICS_PAGE else "openai-founder"
    data = SIGNER.make(kind, value, lang)  # type: ignore[arg-type]
    assert SIGNER.parse(data) == Action(kind, value, lang)  # type: ignore[arg-type]


def test_helpers_make_the_expected_actions() -> None:
    assert SIGNER.parse(SIGNER.answer("salary", "en")) == Action(Kind.ANSWER, "salary", "en")
    assert SIGNER.parse(SIGNER.vote("age", up=True, lang="ko")).kind is Kind.VOTE_UP
    assert SIGNER.parse(SIGNER.vote("age", up=False, lang="ko")).kind is Kind.VOTE_DOWN
    assert SIGNER.parse(SIGNER.topics_page(12, "ko")).page == 12


def test_every_knowledge_entry_fits_in_64_bytes(engine: Engine) -> None:
    for entry in engine.entries:
        for kind in (Kind.ANSWER, Kind.VOTE_UP, Kind.VOTE_DOWN):
            assert len(SIGNER.make(kind, entry.id, "en").encode()) <= MAX_CALLBACK_BYTES


def test_the_longest_allowed_id_fits_and_one_more_is_refused() -> None:
    assert len(SIGNER.answer(LONGEST_ID, "ko").encode()) == MAX_CALLBACK_BYTES
    with pytest.raises(CallbackDataTooLongError, match="at most 44 characters"):
        SIGNER.answer(LONGEST_ID + "a", "ko")


@pytest.mark.parametrize("value", ["", "a|b", "한글", "a b", "a:b"])
def test_values_outside_the_id_alphabet_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="entry id"):
        SIGNER.answer(value, "ko")


def test_data_signed_with_another_key_is_rejected() -> None:
    with pytest.raises(InvalidCallbackError):
        SIGNER.parse(OTHER.answer("salary", "ko"))


def test_changing_the_entry_keeps_the_old_signature_invalid() -> None:
    data = SIGNER.answer("salary", "ko")
    forged = data.replace("salary", "age")
    with pytest.raises(InvalidCallbackError):
        SIGNER.parse(forged)


def test_every_single_character_change_is_rejected() -> None:
    data = SIGNER.vote("salary", up=True, lang="ko")
    for i, original in enumerate(data):
        for replacement in {"a", "Z", "0", "|", "-", "_", "ㄱ"} - {original}:
            tampered = data[:i] + replacement + data[i + 1 :]
            with pytest.raises(InvalidCallbackError):
                SIGNER.parse(tampered)


@pytest.mark.parametrize(
    "garbage",
    [
        None,
        "",
        "|",
        "||",
        "ak|salary|",
        "ak|salary",
        "salary",
        "a" * 65,
        "ak||AAAAAAAAAAAAAAAA",
        "zz|salary|AAAAAAAAAAAAAAAA",
        "\x00",
        "ak|salary|" + "A" * 16,
    ],
)
def test_garbage_is_rejected(garbage: str | None) -> None:
    with pytest.raises(InvalidCallbackError):
        SIGNER.parse(garbage)


@given(st.text(max_size=80))
def test_arbitrary_strings_never_parse(data: str) -> None:
    with pytest.raises(InvalidCallbackError):
        SIGNER.parse(data)


@given(
    value=st.from_regex(r"[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,2}", fullmatch=True),
    position=st.integers(min_value=0),
    replacement=st.characters(),
)
def test_tampering_anywhere_is_detected(value: str, position: int, replacement: str) -> None:
    data = SIGNER.answer(value, "ko")
    position %= len(data)
    tampered = data[:position] + replacement + data[position + 1 :]
    if tampered == data:
        assert SIGNER.parse(tampered).value == value
    else:
        with pytest.raises(InvalidCallbackError):
            SIGNER.parse(tampered)


def test_derived_secret_depends_on_the_token_and_hides_it() -> None:
    token = "123456:ABCDEF"
    secret = derive_secret(token)
    assert secret != derive_secret("123456:ABCDEG")
    assert token.encode() not in secret and len(secret) == 32


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="CALLBACK_SECRET"):
        CallbackSigner(b"")
