"""Reply HTML: escaping, blockquote placement, citation line and Telegram's 4096 limit.

Every produced text is checked with the stand-in's Telegram HTML parser, which rejects
what Telegram would reject.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.answering.engine import Engine
from bot.models import Answer, ArticleInfo, Lang, Suggestion
from bot.telegram import formatting
from tests.support.standin import parse_telegram_html
from tests.support.updates import utf16_len

ARTICLE = ArticleInfo(
    title="쓸만하니 머스크가 채갔다, 한국선 씨마른 AI 인재",
    newspaper="중앙일보",
    newspaper_en="JoongAng Ilbo",
    date="2018-08-27",
    reporter="허정원",
    reporter_en="Heo Jeong-won",
)
HOSTILE = "<b>&</b>"
HOSTILE_ESCAPED = "&lt;b&gt;&amp;&lt;/b&gt;"


def answered(
    answer: str = "답입니다.",
    quote: str = "인용문이다.",
    lang: Lang = "ko",
    question: str = "질문?",
) -> Answer:
    return Answer(question, True, answer, quote, 100.0, "salary", lang)


def declined(question: str, lang: Lang = "ko", suggestions: int = 3) -> Answer:
    offered = tuple(Suggestion(f"id-{i}", f"제안 {i}?") for i in range(suggestions))
    return Answer(question, False, "", "", 10.0, None, lang, offered)


def visible(html: str) -> tuple[str, list[str]]:
    """(plain text, entity types) as Telegram would show it; raises on invalid HTML."""
    text, entities = parse_telegram_html(html)
    assert utf16_len(text) <= formatting.MAX_MESSAGE_CHARS
    return text, [e["type"] for e in entities]


# ------------------------------------------------------------------------------ answers


def test_answer_has_text_then_blockquote_then_citation() -> None:
    html = formatting.answer_html(answered("연봉은 3억원입니다.", "연봉은 3억원이다."), ARTICLE)
    text, types = visible(html)
    assert types.count("blockquote") == 1
    lines = text.split("\n")
    assert lines[0] == "연봉은 3억원입니다."
    assert "연봉은 3억원이다." in lines
    assert lines[-1] == "📰 쓸만하니 머스크가 채갔다, 한국선 씨마른 AI 인재 · 중앙일보 · 2018-08-27"
    quote_at = html.index("<blockquote>연봉은 3억원이다.</blockquote>")
    assert quote_at > html.index("연봉은 3억원입니다.")


def test_english_citation_names_joongang_ilbo() -> None:
    text, _ = visible(formatting.answer_html(answered("He is 26.", lang="en"), ARTICLE))
    assert text.endswith(f"{ARTICLE.title} · JoongAng Ilbo · 2018-08-27")


def test_knowledge_text_is_escaped_in_answers() -> None:
    html = formatting.answer_html(answered(f"answer {HOSTILE}", f"quote {HOSTILE}"), ARTICLE)
    assert html.count(HOSTILE_ESCAPED) == 2
    text, types = visible(html)
    assert text.count(HOSTILE) == 2
    assert "bold" not in types


def test_article_fields_with_markup_and_braces_are_escaped() -> None:
    odd = ArticleInfo("<i>{title}</i> & co", "<b>", "<b>", "2018", "x", "x")
    text, types = visible(formatting.answer_html(answered(), odd))
    assert "<i>{title}</i> & co · <b> · 2018" in text
    assert types == ["blockquote", "italic"]


def test_every_knowledge_entry_renders_valid_html(engine: Engine) -> None:
    for entry in engine.entries:
        for lang in ("ko", "en"):
            answer = engine.answer_entry(entry.id, lang=lang)
            _, types = visible(formatting.answer_html(answer, engine.article))
            assert "blockquote" in types, entry.id
            _, types = visible(formatting.fact_html(answer))
            assert "blockquote" in types, entry.id


def test_fact_is_one_line_answer_plus_quote_without_citation() -> None:
    html = formatting.fact_html(answered("첫 줄\n둘째 줄", "인용"))
    text, types = visible(html)
    assert text == "첫 줄 둘째 줄\n인용"
    assert types == ["bold", "blockquote"]


# ------------------------------------------------------------------------------ declines


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_decline_echoes_the_question_escaped_and_has_no_blockquote(lang: Lang) -> None:
    html = formatting.decline_html(declined(f"what about {HOSTILE}?", lang))
    assert HOSTILE_ESCAPED in html
    assert "<blockquote" not in html
    text, types = visible(html)
    assert HOSTILE in text
    assert "blockquote" not in types


def test_decline_says_the_article_does_not_cover_it_in_the_askers_language() -> None:
    korean, _ = visible(formatting.decline_html(declined("날씨?", "ko")))
    english, _ = visible(formatting.decline_html(declined("weather?", "en")))
    assert "기사에는" in korean and "없어요" in korean and "물어보셨나요" in korean
    assert "The article doesn't cover" in english and "Did you mean" in english


def test_decline_without_suggestions_points_to_topics() -> None:
    text, _ = visible(formatting.decline_html(declined("?", "en", suggestions=0)))
    assert "/topics" in text and "Did you mean" not in text


def test_answer_html_of_a_decline_is_the_decline() -> None:
    answer = declined("날씨?")
    assert formatting.answer_html(answer, ARTICLE) == formatting.decline_html(answer)
    assert formatting.fact_html(answer) == formatting.decline_html(answer)


def test_long_question_echo_is_shortened() -> None:
    text, _ = visible(formatting.decline_html(declined("가" * 5000)))
    assert "가" * formatting.MAX_ECHO_CHARS not in text
    assert "…" in text


# ------------------------------------------------------------------------------ the 4096 cap


def test_huge_answer_and_quote_are_cut_to_4096_without_breaking_markup() -> None:
    html = formatting.answer_html(answered("&<>" * 3000, "😀<" * 3000), ARTICLE)
    text, types = visible(html)
    assert utf16_len(text) >= formatting.MAX_MESSAGE_CHARS - 2  # cut close to the limit
    assert types == ["blockquote", "italic"]
    assert text.count("…") == 2
    assert text.endswith("2018-08-27")


def test_quote_keeps_at_least_half_the_room() -> None:
    html = formatting.answer_html(answered("a" * 10_000, "q" * 100), ARTICLE)
    text, _ = visible(html)
    assert "q" * 100 in text  # a short quote is never cut for a long answer


def test_visible_length_matches_the_telegram_parser() -> None:
    html = formatting.answer_html(answered(f"{HOSTILE} 😀 'quote' \"x\"", "&amp;"), ARTICLE)
    text, _ = parse_telegram_html(html)
    assert formatting.visible_length(html) == utf16_len(text)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    answer=st.text(max_size=6000),
    quote=st.text(min_size=1, max_size=6000).filter(str.strip),
    lang=st.sampled_from(["ko", "en"]),
)
def test_any_answer_text_gives_valid_html_within_4096(answer: str, quote: str, lang: Lang) -> None:
    for html in (
        formatting.answer_html(answered(answer, quote, lang), ARTICLE),
        formatting.fact_html(answered(answer, quote, lang)),
    ):
        _, types = visible(html)
        assert "blockquote" in types


@settings(max_examples=150, deadline=None)
@given(question=st.text(max_size=5000), lang=st.sampled_from(["ko", "en"]))
def test_any_question_gives_a_valid_decline_within_4096(question: str, lang: Lang) -> None:
    _, types = visible(formatting.decline_html(declined(question, lang)))
    assert "blockquote" not in types


@given(text=st.text(max_size=300), limit=st.integers(min_value=0, max_value=200))
def test_truncate_respects_the_limit_in_utf16_units(text: str, limit: int) -> None:
    cut = formatting.truncate(text, limit)
    assert utf16_len(cut) <= limit
    if utf16_len(text) <= limit:
        assert cut == text


def test_short_answer_is_the_first_sentence_on_one_line() -> None:
    assert formatting.short_answer("He is 26.\nHe went to UNIST.") == "He is 26."
    assert formatting.short_answer("3.5 million won. More.") == "3.5 million won."
    long = formatting.short_answer("x" * 500)
    assert len(long) == formatting.MAX_DESCRIPTION_CHARS and long.endswith("…")


# ------------------------------------------------------------------------------ other texts


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_welcome_explains_examples_groups_and_inline(lang: Lang) -> None:
    examples = [Suggestion(f"e{i}", f"Example {i} {HOSTILE}?") for i in range(4)]
    html = formatting.welcome_html(
        ARTICLE, lang, bot_username="article_qa_bot", topic_count=57, examples=examples
    )
    text, _ = visible(html)
    assert text.count(HOSTILE) == 4  # examples echoed, escaped
    assert "@article_qa_bot" in text and "/ask@article_qa_bot" in text and "/topics" in text
    assert "57" in text and ARTICLE.title in text
    if lang == "en":
        assert "In groups" in text and "Anywhere" in text
    else:
        assert "그룹에서는" in text and "어느 채팅에서나" in text


@pytest.mark.parametrize(
    ("lang", "paper", "reporter"),
    [
        ("ko", "중앙일보", "허정원"),
        ("en", "JoongAng Ilbo", "Heo Jeong-won"),
    ],
)
def test_about_lists_title_paper_date_reporter(lang: Lang, paper: str, reporter: str) -> None:
    text, _ = visible(formatting.about_html(ARTICLE, lang))
    for part in (ARTICLE.title, paper, "2018-08-27", reporter):
        assert part in text


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_short_texts_are_valid_and_language_specific(lang: Lang) -> None:
    replies = [
        formatting.ask_usage_html(lang, "ask", "article_qa_bot"),
        formatting.topics_html(lang, 0, 3),
        texts.PLEASE_SEND_TEXT(lang),
        texts.UNKNOWN_COMMAND(lang),
        texts.SLOW_DOWN(lang),
        texts.ERROR_APOLOGY(lang),
    ]
    for html in replies:
        text, _ = visible(html)
        has_hangul = any("가" <= ch <= "힣" for ch in text)
        assert has_hangul == (lang == "ko"), text
    # Callback alerts are plain text limited to 200 characters by Telegram.
    for alert in (texts.STALE_BUTTON(lang), texts.VOTE_THANKS(lang)):
        assert 0 < len(alert) <= 200
