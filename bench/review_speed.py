"""How long `python -m bot review` takes on N logged unanswered questions (default 1,000).

    .venv/bin/python -m bench.review_speed [--questions 1000] [--runs 5]

Fills a temporary state database with N distinct questions (Korean and English, varied
wordings, counts 1-50), then times the whole command, process start-up included, in text
and JSON form, and the grouping alone. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot import review
from bot.state import StateStore, UnansweredQuestion, UnansweredRow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SUBJECTS = ["김태훈", "김씨", "그", "오픈AI", "머스크", "유니스트", "he", "Kim", "OpenAI", "Musk"]
TOPICS = [
    "결혼", "여자친구", "고향", "키", "취미", "혈액형", "MBTI", "종교", "부모님", "형제", "연애",
    "좋아하는 음식", "주소", "전화번호", "생일", "군대 계급", "토익 점수", "학점", "차", "집값",
    "girlfriend", "hometown", "height", "hobby", "religion", "birthday", "car", "GPA", "pets",
]  # fmt: skip
ENDINGS = ["?", "은?", "는 뭐야?", " 알려줘", "이 어떻게 돼?", " 있어?", " what?", " 궁금해"]


def questions(count: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    made: dict[str, None] = {}
    while len(made) < count:
        text = f"{rng.choice(SUBJECTS)} {rng.choice(TOPICS)}{rng.choice(ENDINGS)} {len(made)}"
        made[text] = None
    return list(made)


async def fill(path: Path, count: int) -> None:
    store = await StateStore.open(path, salt="bench")
    rng = random.Random(7)
    try:
        for text in questions(count):
            record = UnansweredQuestion(
                text, review.normalised(text), rng.choice([None, "age", "salary"]), 20.0, True
            )
            for _ in range(rng.randint(1, 50)):
                store.log_unanswered(record)
        await store.flush_counts()
    finally:
        await store.close()


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--questions", type=int, default=1000)
    options.add_argument("--runs", type=int, default=5)
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.sqlite3"
        asyncio.run(fill(path, args.questions))
        env = {**os.environ, "STATE_DATABASE_PATH": str(path), "TELEGRAM_BOT_TOKEN": ""}
        command = [sys.executable, "-m", "bot", "review", "--limit", "1000000"]
        for label, extra in (("review", []), ("review --json", ["--json"])):
            runs = [timed(command + extra, env) for _ in range(args.runs)]
            print(
                f"{label:14s} {args.questions} questions: median {statistics.median(runs):.2f} s, "
                f"max {max(runs):.2f} s over {args.runs} runs (process start-up included)"
            )
        rows = asyncio.run(_rows(path))
        started = time.perf_counter()
        groups = review.group(rows)
        print(
            f"grouping alone: {time.perf_counter() - started:.3f} s "
            f"({len(rows)} rows -> {len(groups)} groups)"
        )


async def _rows(path: Path) -> list[UnansweredRow]:
    store = await StateStore.open(path, salt="bench")
    try:
        return await store.unanswered()
    finally:
        await store.close()


if __name__ == "__main__":
    main()
