"""Reply texts in Telegram's HTML dialect, built from engine answers. Knows nothing of Telegram.

Every piece of text that comes from a user or from the knowledge files goes through
`html.escape`, and every message is kept within Telegram's limit of 4096 characters
*after* entity parsing (what the reader sees, counted in UTF-16 code units).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from html import escape

from bot.models import Answer, ArticleInfo, Lang, Suggestion
from bot.state import Stats

MAX_MESSAGE_CHARS = 4096
# Telegram's limit for the description line of an inline result is not documented; clients
# show about two lines, so longer text would be cut off anyway.
MAX_DESCRIPTION_CHARS = 120
# A declined question is echoed back; a page-long echo would only bury the suggestions.
MAX_ECHO_CHARS = 200
ELLIPSIS = "…"

_SPACE_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?。])\s+")
_TAG_RE = re.compile(r"<[^>]*>")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#x?[0-9a-fA-F]+);")
# Kept although it is a format character: it glues emoji such as 👨‍👩‍👧 together.
_ZERO_WIDTH_JOINER = "\u200d"
# Control (Cc), format (Cf: zero-width, bidi overrides and isolates, BOM) and lone surrogates.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


class MessageTooLongError(ValueError):
    """The fixed parts of a reply alone exceed 4096 characters; shorten the template text."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def visible_length(html_text: str) -> int:
    """Length of `html_text` after entity parsing, i.e. without tags and with entities decoded."""
    return utf16_len(_ENTITY_RE.sub("x", _TAG_RE.sub("", html_text)))


def printable(text: str) -> str:
    """`text` for echoing: whitespace kept, other control/format/surrogate chars dropped."""
    # An echoed right-to-left override would reverse the rest of the bot's sentence, and NUL
    # or a lone surrogate can make Telegram refuse the whole message.
    return "".join(
        char
        for char in text
        if char.isspace()
        or char == _ZERO_WIDTH_JOINER
        or unicodedata.category(char) not in _INVISIBLE_CATEGORIES
    )


def one_line(text: str) -> str:
    """`text` with every run of whitespace (newlines included) folded into one space."""
    return _SPACE_RE.sub(" ", text).strip()


def truncate(text: str, limit: int) -> str:
    """Plain `text` cut to at most `limit` UTF-16 units, ending in '…' when it was cut.

    Works on plain text, before escaping, so a cut can never land inside a tag or an entity.
    """
    if utf16_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    budget = limit - utf16_len(ELLIPSIS)
    kept: list[str] = []
    used = 0
    for char in text:
        size = utf16_len(char)
        if used + size > budget:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


def short_answer(answer_text: str, limit: int = MAX_DESCRIPTION_CHARS) -> str:
    """The first sentence of an answer on one line, for inline result descriptions."""
    folded = one_line(answer_text)
    first = _SENTENCE_END_RE.split(folded, maxsplit=1)[0]
    return truncate(first, limit)


def citation(article: ArticleInfo, lang: Lang) -> str:
    """The one-line source, plain text: 'title · 중앙일보 · 2018-08-27'."""
    paper = article.newspaper_en if lang == "en" else article.newspaper
    return f"{article.title} · {paper} · {article.date}"


def _fit_answer_and_quote(answer: str, quote: str, budget: int) -> tuple[str, str]:
    """Shorten plain `answer`/`quote` so that together they use at most `budget` units."""
    if utf16_len(answer) + utf16_len(quote) <= budget:
        return answer, quote
    # The quote is the evidence, so it keeps at least half the room whatever the answer needs.
    quote_budget = min(utf16_len(quote), max(budget // 2, budget - utf16_len(answer)))
    return truncate(answer, budget - quote_budget), truncate(quote, quote_budget)


def _compose(template: str, answer: str, quote: str) -> str:
    """Fill `template` ({answer}, {quote} slots) with escaped text, shortened to fit 4096."""
    fixed = visible_length(template.format(answer="", quote=""))
    budget = MAX_MESSAGE_CHARS - fixed
    if budget < 2:
        raise MessageTooLongError(f"reply template leaves no room for the answer: {template!r}")
    answer, quote = _fit_answer_and_quote(answer, quote, budget)
    return template.format(answer=escape(answer), quote=escape(quote))


def answer_html(answer: Answer, article: ArticleInfo) -> str:
    """The full reply: the answer, the verbatim quote in a blockquote, then the citation."""
    if not answer.answered:
        return decline_html(answer)
    source = escape(citation(article, answer.lang))
    # Braces in the citation must not be read as format slots.
    source = source.replace("{", "{{").replace("}", "}}")
    template = "{answer}\n\n<blockquote>{quote}</blockquote>\n<i>📰 " + source + "</i>"
    return _compose(template, answer.answer.strip(), answer.quote.strip())


def fact_html(answer: Answer) -> str:
    """The short /fact form for groups: the answer on one line, then the quote."""
    if not answer.answered:
        return decline_html(answer)
    return _compose(
        "<b>{answer}</b>\n<blockquote>{quote}</blockquote>",
        one_line(answer.answer),
        answer.quote.strip(),
    )


def decline_html(answer: Answer) -> str:
    """Says the article does not cover the question; no blockquote, so it never looks sourced."""
    echo = escape(truncate(one_line(printable(answer.question)), MAX_ECHO_CHARS))
    if answer.lang == "en":
        text = f"The article doesn't cover “{echo}”." if echo else "The article doesn't cover that."
        if answer.suggestions:
            text += "\nDid you mean one of these? Tap one."
        else:
            text += "\nSend /topics to see what it does cover."
    else:
        text = f"기사에는 “{echo}”에 대한 내용이 없어요." if echo else "기사에는 그 내용이 없어요."
        if answer.suggestions:
            text += "\n혹시 이런 걸 물어보셨나요? 눌러 보세요."
        else:
            text += "\n/topics 로 기사가 다루는 주제를 볼 수 있어요."
    return text


def welcome_html(
    article: ArticleInfo,
    lang: Lang,
    *,
    bot_username: str,
    topic_count: int,
    examples: Sequence[Suggestion],
) -> str:
    """The /start and /help text: what the bot knows, examples, and group and inline use."""
    title = escape(article.title)
    name = escape(bot_username)
    if lang == "en":
        lines = [
            "<b>Hi! I answer questions about one news article.</b>",
            f"📰 <i>{title}</i> ({escape(article.newspaper_en)}, {escape(article.date)})",
            f"I know {topic_count} facts from it, and every answer quotes the article word "
            "for word. Ask in English or Korean.",
        ]
        if examples:
            lines += ["", "<b>Try asking:</b>"]
            lines += [f"• {escape(s.question)}" for s in examples]
            lines.append("(or tap a button below)")
        lines += [
            "",
            "<b>In groups:</b> mention me (@" + name + " your question), reply to one of my "
            "messages, or use /ask@" + name + " or /fact. I stay quiet otherwise.",
            "<b>Anywhere:</b> type @" + name + " and a question in any chat to send a fact.",
            "",
            "/topics — all topics · /about — the article · /help — this message",
        ]
    else:
        lines = [
            "<b>안녕하세요! 기사 한 편에 대한 질문에 답하는 봇이에요.</b>",
            f"📰 <i>{title}</i> ({escape(article.newspaper)}, {escape(article.date)})",
            f"이 기사의 사실 {topic_count}가지를 알고 있고, 답할 때마다 기사 원문을 그대로 "
            "인용해요. 한국어나 영어로 물어보세요.",
        ]
        if examples:
            lines += ["", "<b>이렇게 물어보세요:</b>"]
            lines += [f"• {escape(s.question)}" for s in examples]
            lines.append("(아래 버튼을 눌러도 돼요)")
        lines += [
            "",
            "<b>그룹에서는</b> 저를 부르거나(@" + name + " 질문), 제 메시지에 답장하거나, "
            "/ask@" + name + " 또는 /fact 를 쓰세요. 그 밖의 대화에는 끼어들지 않아요.",
            "<b>어느 채팅에서나</b> @" + name + " 뒤에 질문을 입력하면 답을 바로 보낼 수 있어요.",
            "",
            "/topics 주제 목록 · /about 기사 정보 · /help 도움말",
        ]
    return "\n".join(lines)


def about_html(article: ArticleInfo, lang: Lang) -> str:
    """The /about text: title, newspaper, date and reporter."""
    if lang == "en":
        return (
            "<b>About the article</b>\n"
            f"Title: {escape(article.title)}\n"
            f"Newspaper: {escape(article.newspaper_en)} ({escape(article.newspaper)})\n"
            f"Date: {escape(article.date)}\n"
            f"Reporter: {escape(article.reporter_en)} ({escape(article.reporter)})"
        )
    return (
        "<b>기사 정보</b>\n"
        f"제목: {escape(article.title)}\n"
        f"신문: {escape(article.newspaper)}\n"
        f"날짜: {escape(article.date)}\n"
        f"기자: {escape(article.reporter)}"
    )


def ask_usage_html(lang: Lang, command: str, bot_username: str) -> str:
    """Help for a bare /ask or /fact, which came without a question."""
    cmd = escape(command)
    name = escape(bot_username)
    if lang == "en":
        return (
            f"Put your question after the command, e.g. <code>/{cmd} How old is Kim "
            f"Taehoon?</code>\nIn groups you can also write <code>@{name} question</code>."
        )
    return (
        f"명령 뒤에 질문을 써 주세요. 예: <code>/{cmd} 김태훈씨는 몇 살이야?</code>\n"
        f"그룹에서는 <code>@{name} 질문</code> 처럼 불러도 돼요."
    )


def topics_html(lang: Lang, page: int, pages: int) -> str:
    """The header above the /topics keyboard."""
    if lang == "en":
        return f"<b>Topics</b> ({page + 1}/{pages}) — tap one to get its answer."
    return f"<b>주제 목록</b> ({page + 1}/{pages}) — 누르면 답을 보여 드려요."


def please_send_text(lang: Lang) -> str:
    """Reply to stickers, photos and other non-text messages in private chat."""
    if lang == "en":
        return "I can only read text. Please type your question about the article."
    return "글자만 읽을 수 있어요. 기사에 대한 질문을 글로 보내 주세요."


def unknown_command(lang: Lang) -> str:
    """Reply to a command the bot does not have."""
    if lang == "en":
        return "I don't know that command. Send /help to see what I can do."
    return "모르는 명령이에요. /help 로 쓸 수 있는 명령을 확인하세요."


def slow_down(lang: Lang) -> str:
    """The one notice a user gets when they exceed their per-user rate limit."""
    if lang == "en":
        return "You're sending questions very fast. Please wait a few seconds."
    return "질문이 너무 빨라요. 잠시 후에 다시 물어봐 주세요."


def stats_html(stats: Stats, lang: Lang) -> str:
    """The admin-only /stats text: questions, answered, declined and feedback votes."""
    if lang == "en":
        return (
            "<b>Statistics</b>\n"
            f"Questions: {stats.questions}\n"
            f"Answered: {stats.answered}\n"
            f"Declined: {stats.declined}\n"
            f"Feedback: 👍 {stats.votes_up} · 👎 {stats.votes_down}"
        )
    return (
        "<b>통계</b>\n"
        f"질문: {stats.questions}\n"
        f"답변: {stats.answered}\n"
        f"답할 수 없음: {stats.declined}\n"
        f"의견: 👍 {stats.votes_up} · 👎 {stats.votes_down}"
    )


def vote_thanks(lang: Lang) -> str:
    """Toast after a 👍/👎 tap."""
    return "Thanks for the feedback!" if lang == "en" else "의견 고마워요!"


def stale_button(lang: Lang) -> str:
    """Alert for a button whose data the bot did not make or no longer knows."""
    if lang == "en":
        return "This button no longer works. Please ask again or send /topics."
    return "이 버튼은 더 이상 쓸 수 없어요. 다시 물어보거나 /topics 를 보내 주세요."


def error_apology(lang: Lang) -> str:
    """Sent in private chat when handling a message failed unexpectedly."""
    if lang == "en":
        return "Sorry, something went wrong on my side. Please try again."
    return "죄송해요, 처리하다 문제가 생겼어요. 다시 시도해 주세요."
