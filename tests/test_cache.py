"""Caches are bounded by bytes, not by entry count (issue 13, #11).

100,000 distinct 256-character queries grew the engine from 49 to 159 MB when the matcher's
and the analyser's caches were bounded by how many entries they held.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.answering import cache, matcher
from bot.answering.cache import ByteBoundedCache, approx_size
from bot.answering.engine import Engine
from bot.knowledge import database

BUDGET = 256 * 1024


def test_the_cache_keeps_within_its_budget_dropping_the_oldest() -> None:
    kept: ByteBoundedCache[str, tuple[str, ...]] = ByteBoundedCache(10_000)
    for n in range(1000):
        kept.put(f"key-{n}", (f"value-{n}" * 5,))
        assert kept.size_bytes <= 10_000
    assert kept.get("key-999") is not None and kept.get("key-0") is None
    assert kept.size_bytes == sum(
        approx_size(k) + approx_size(kept.get(k)) + cache.ENTRY_OVERHEAD_BYTES
        for k in (f"key-{n}" for n in range(1000))
        if k in kept
    )


def random_queries(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    syllables = [chr(c) for c in range(0xAC00, 0xAC00 + 2000)]
    queries = []
    for _ in range(count):
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < 256:
            words.append("".join(rng.choice(syllables) for _ in range(rng.randint(2, 6))))
        queries.append(" ".join(words)[:256])
    return queries


async def test_distinct_long_queries_keep_the_engines_caches_within_their_byte_budgets(
    knowledge_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "DEFAULT_BUDGET_BYTES", BUDGET, raising=False)
    monkeypatch.setattr(matcher, "RESOLVE_CACHE_BYTES", BUDGET, raising=False)
    engine = Engine(await database.load(knowledge_db))  # built after the budgets are set
    for query in random_queries(300):
        engine.ask(query)
    m = engine.matcher
    for name, held in [
        ("resolved terms", m._resolved),
        ("token terms", m.analyzer._token_cache),
        ("compound splits", m.analyzer._compound_cache),
    ]:
        size = approx_size(getattr(held, "_items", held))
        assert size <= 1.25 * BUDGET, f"{name}: {size} bytes"  # the dict's spare room
    assert engine.ask("김태훈 연봉이 얼마야?").id == "salary"
