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

from bot import texts
from bot.errors import MessageTooLongError
from bot.models import Answer, ArticleInfo, Lang, Suggestion
from bot.review import Action, ReviewGroup
from bot.state import EntryVotes, Stats

MAX_MESSAGE_CHARS = 4096
# Telegram's limit for the description line of an inline result is not documented; clients
# show about two lines, so longer text would be cut off anyway.
MAX_DESCRIPTION_CHARS = 120
# A declined question is echoed back; a page-long echo would only bury the suggestions.
MAX_ECHO_CHARS = 200
# /stats lists this many unanswered-question groups and entries with votes, each cut short,
# so the message stays far below Telegram's limit.
STATS_TOP_UNANSWERED = 5
STATS_TOP_VOTED = 10
STATS_QUESTION_CHARS = 80
ELLIPSIS = "…"

_SPACE_RE = re.compile(r"\s+")
_SENTENCE_END_RE = re.compile(r"(?<=[.!?。])\s+")
_TAG_RE = re.compile(r"<[^>]*>")
_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#x?[0-9a-fA-F]+);")
# Kept although it is a format character: it glues emoji such as 👨‍👩‍👧 together.
_ZERO_WIDTH_JOINER = "\u200d"
# Control (Cc), format (Cf: zero-width, bidi overrides and isolates, BOM) and lone surrogates.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


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
    lang = answer.lang
    echo = escape(truncate(one_line(printable(answer.question)), MAX_ECHO_CHARS))
    if answer.missing in texts.MISSING and answer.nearest:
        missing = texts.MISSING[answer.missing](lang)
        text = texts.DECLINE_MISSING(lang, topic=escape(answer.nearest), missing=missing)
    else:
        text = texts.DECLINE_ECHO(lang, echo=echo) if echo else texts.DECLINE_PLAIN(lang)
    follow_up = texts.DID_YOU_MEAN if answer.suggestions else texts.SEE_TOPICS
    return f"{text}\n{follow_up(lang)}"


def welcome_html(
    article: ArticleInfo,
    lang: Lang,
    *,
    bot_username: str,
    topic_count: int,
    examples: Sequence[Suggestion],
) -> str:
    """The /start and /help text: what the bot knows, examples, and group and inline use."""
    bot = escape(bot_username)
    paper = article.newspaper_en if lang == "en" else article.newspaper
    lines = [
        f"<b>{texts.WELCOME_TITLE(lang)}</b>",
        f"📰 <i>{escape(article.title)}</i> ({escape(paper)}, {escape(article.date)})",
        texts.WELCOME_FACTS(lang, count=topic_count),
    ]
    if examples:
        lines += ["", f"<b>{texts.WELCOME_TRY(lang)}</b>"]
        lines += [f"• {escape(s.question)}" for s in examples]
        lines.append(texts.WELCOME_BUTTONS(lang))
    lines += [
        "",
        f"<b>{texts.WELCOME_GROUPS_HEAD(lang)}</b> {texts.WELCOME_GROUPS(lang, bot=bot)}",
        f"<b>{texts.WELCOME_INLINE_HEAD(lang)}</b> {texts.WELCOME_INLINE(lang, bot=bot)}",
        "",
        texts.WELCOME_COMMANDS(lang),
    ]
    return "\n".join(lines)


def about_html(article: ArticleInfo, lang: Lang) -> str:
    """The /about text: title, newspaper, date and reporter."""
    fields = {
        "title": escape(article.title),
        "newspaper": escape(article.newspaper),
        "newspaper_en": escape(article.newspaper_en),
        "date": escape(article.date),
        "reporter": escape(article.reporter),
        "reporter_en": escape(article.reporter_en),
    }
    lines = [texts.ABOUT_TITLE, texts.ABOUT_NEWSPAPER, texts.ABOUT_DATE, texts.ABOUT_REPORTER]
    return "\n".join([f"<b>{texts.ABOUT_HEAD(lang)}</b>", *(t(lang, **fields) for t in lines)])


def ask_usage_html(lang: Lang, command: str, bot_username: str, example: str = "") -> str:
    """Help for a bare /ask or /fact, which came without a question."""
    usage = f"/{command} {example}" if example else f"/{command}"
    mention = f"<code>@{escape(bot_username)} {texts.ASK_USAGE_QUESTION(lang)}</code>"
    return (
        f"{texts.ASK_USAGE(lang)}<code>{escape(usage)}</code>\n"
        f"{texts.ASK_USAGE_GROUPS(lang, mention=mention)}"
    )


def topics_html(lang: Lang, page: int, pages: int) -> str:
    """The header above the /topics keyboard."""
    return f"<b>{texts.TOPICS_HEAD(lang)}</b> ({page + 1}/{pages}) — {texts.TOPICS_HINT(lang)}"


def stats_html(
    stats: Stats,
    lang: Lang,
    *,
    unanswered: Sequence[ReviewGroup] = (),
    votes: Sequence[EntryVotes] = (),
) -> str:
    """The admin-only /stats text: totals, the top unanswered questions, votes per entry."""
    lines = [
        f"<b>{texts.STATS_HEAD(lang)}</b>",
        texts.STATS_QUESTIONS(lang, count=stats.questions),
        texts.STATS_ANSWERED(lang, count=stats.answered),
        texts.STATS_DECLINED(lang, count=stats.declined),
        texts.STATS_VOTES(lang, up=stats.votes_up, down=stats.votes_down),
    ]
    if unanswered:
        lines += ["", f"<b>{texts.STATS_UNANSWERED_HEAD(lang)}</b>"]
        for group in unanswered[:STATS_TOP_UNANSWERED]:
            question = escape(truncate(one_line(printable(group.question)), STATS_QUESTION_CHARS))
            if group.action is Action.ADD_QUESTION and group.nearest is not None:
                hint = texts.STATS_UNANSWERED_NEAREST(lang, entry=escape(group.nearest))
            else:
                hint = texts.STATS_UNANSWERED_OFF_TOPIC(lang)
            lines.append(f"• {question} ({group.count}×) → {hint}")
    if votes:
        lines += ["", f"<b>{texts.STATS_VOTES_HEAD(lang)}</b>"]
        lines += [
            f"• {escape(v.entry_id)}: 👍 {v.up} · 👎 {v.down}" for v in votes[:STATS_TOP_VOTED]
        ]
    return "\n".join(lines)
