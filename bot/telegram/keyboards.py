"""Inline keyboards as plain data: rows of (label, callback_data). Knows nothing of Telegram."""

from __future__ import annotations

from collections.abc import Sequence

from bot.models import Entry, Lang, Suggestion
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.formatting import truncate

Button = tuple[str, str]
Rows = list[list[Button]]

TOPICS_PER_PAGE = 8
# Long labels are cut by Telegram clients anyway; keep them readable on a phone.
MAX_LABEL_CHARS = 60


def feedback_rows(signer: CallbackSigner, entry_id: str, lang: Lang) -> Rows:
    """👍/👎 under an answer."""
    return [
        [
            ("👍", signer.vote(entry_id, up=True, lang=lang)),
            ("👎", signer.vote(entry_id, up=False, lang=lang)),
        ]
    ]


def question_rows(signer: CallbackSigner, suggestions: Sequence[Suggestion], lang: Lang) -> Rows:
    """One button per suggested question ('did you mean', or /start examples)."""
    return [
        [(truncate(s.question, MAX_LABEL_CHARS), signer.answer(s.id, lang))] for s in suggestions
    ]


def page_count(total: int, per_page: int = TOPICS_PER_PAGE) -> int:
    """How many /topics pages `total` entries need (at least one)."""
    return max(1, -(-total // per_page))


def clamp_page(page: int, total: int, per_page: int = TOPICS_PER_PAGE) -> int:
    """`page` moved into the pages that `total` entries fill (a stale button may point past)."""
    return min(max(page, 0), page_count(total, per_page) - 1)


def topic_rows(
    signer: CallbackSigner,
    entries: Sequence[Entry],
    lang: Lang,
    page: int,
    per_page: int = TOPICS_PER_PAGE,
) -> Rows:
    """One page of the /topics keyboard, with ◀/▶ page turns when there is more than a page."""
    pages = page_count(len(entries), per_page)
    page = clamp_page(page, len(entries), per_page)
    shown = entries[page * per_page : (page + 1) * per_page]
    rows: Rows = [
        [(truncate(e.label(lang), MAX_LABEL_CHARS), signer.answer(e.id, lang))] for e in shown
    ]
    turns: list[Button] = []
    if page > 0:
        turns.append(("◀", signer.topics_page(page - 1, lang)))
    if page < pages - 1:
        turns.append(("▶", signer.topics_page(page + 1, lang)))
    if turns:
        rows.append(turns)
    return rows
