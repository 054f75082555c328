"""Warm latency per conversation turn: every turn of the repository's held-out conversations
(tests/data/dialogs*.tsv), each read with its conversation's context, as the bot does.

    .venv/bin/python -m bench.conversation [--repeats 5]

Prints p50 / p99 / max in milliseconds over all turns; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

from bot.answering.context import Turn
from bot.answering.engine import Engine
from bot.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DIALOG_FILES = sorted((PROJECT_ROOT / "tests" / "data").glob("dialogs*.tsv"))


def dialogs(paths: list[Path]) -> list[list[str]]:
    """The questions of each conversation, in order."""
    found: dict[str, list[str]] = {}
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith(("#", "dialog\t")):
                continue
            dialog, _, question, _ = line.split("\t")
            found.setdefault(f"{path.name}:{dialog}", []).append(question)
    return list(found.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    settings = Settings()
    engine = asyncio.run(Engine.open(settings.database_path, settings.knowledge_dir))
    conversations = dialogs(DIALOG_FILES)
    timings: list[float] = []
    for round_ in range(args.repeats + 1):  # the first round warms the caches
        for questions in conversations:
            context: Turn | None = None
            for question in questions:
                started = time.perf_counter()
                decision = engine.reply(question, context=context)
                context = decision.next_turn(context)
                if round_:
                    timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(
        f"{len(timings)} turns of {len(conversations)} conversations: "
        f"p50 {statistics.median(timings):.3f} ms, p99 {p99:.3f} ms, max {timings[-1]:.3f} ms"
    )


if __name__ == "__main__":
    main()
