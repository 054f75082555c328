"""Command-line front end: build, ask, eval, chat and run."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bot import logs, texts
from bot.answering.engine import Engine
from bot.config import Settings
from bot.errors import ConfigurationError, KnowledgeDatabaseError, KnowledgeError
from bot.knowledge import database
from bot.knowledge.files import fold_whitespace
from bot.models import Answer

log = logging.getLogger(__name__)

COMMANDS = {
    "build": "compile knowledge/ into the SQLite database",
    "ask": "answer questions (argument, or '-' for one per line on stdin)",
    "eval": "score a question file in the dev.tsv format",
    "chat": "console chat with the same answers as the bot",
    "run": "run the Telegram bot (long polling, or a webhook)",
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answers questions about one news article, quoting it word for word. "
        "With no command: runs the bot if TELEGRAM_BOT_TOKEN is set, else the console chat.",
    )
    root.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level")
    commands = root.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("build", help=COMMANDS["build"], description=COMMANDS["build"])
    ask = commands.add_parser("ask", help=COMMANDS["ask"], description=COMMANDS["ask"])
    ask.add_argument("question", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    evaluate = commands.add_parser("eval", help=COMMANDS["eval"], description=COMMANDS["eval"])
    evaluate.add_argument("file", type=Path, help="TSV with columns category, question, expected")
    evaluate.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        metavar="PCT",
        help="exit non-zero when overall accuracy is below PCT (0-100)",
    )
    evaluate.add_argument("--show-failures", action="store_true", help="list every miss")
    commands.add_parser("chat", help=COMMANDS["chat"], description=COMMANDS["chat"])
    run = commands.add_parser("run", help=COMMANDS["run"], description=COMMANDS["run"])
    run.add_argument("--webhook-url", help="serve a webhook at this public URL instead of polling")
    run.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook listen port")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings()
    logs.configure(
        logging.DEBUG if args.verbose else settings.log_level.upper(),
        telegram_wire=settings.log_telegram_wire,
    )
    command = args.command
    if command is None:
        if settings.telegram_bot_token is None:
            print(
                "No TELEGRAM_BOT_TOKEN set, so starting the console chat instead of the bot.\n"
                "To go live: get a token from @BotFather, put TELEGRAM_BOT_TOKEN=... in .env "
                "(see .env.example), and run this again.\n",
                file=sys.stderr,
            )
            command = "chat"
        else:
            command = "run"
    try:
        if command == "build":
            settings.check_database_paths()
            asyncio.run(database.build(settings.knowledge_dir, settings.database_path))
            print(f"built {settings.database_path}")
            return 0
        if command == "run":
            from bot.telegram.app import run_bot  # Telegram is only imported when needed.

            return run_bot(
                settings,
                webhook_url=getattr(args, "webhook_url", None),
                listen=getattr(args, "listen", "127.0.0.1"),
                port=getattr(args, "port", 8443),
            )
        engine = asyncio.run(Engine.open(settings.database_path, settings.knowledge_dir))
    except (ConfigurationError, KnowledgeError, KnowledgeDatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if command == "ask":
        return ask(engine, args.question, as_json=args.json)
    if command == "eval":
        return evaluate(
            engine, args.file, min_accuracy=args.min_accuracy, show_failures=args.show_failures
        )
    return chat(engine)


def ask(engine: Engine, question: str, *, as_json: bool, out: TextIO = sys.stdout) -> int:
    questions: Iterable[str] = sys.stdin if question == "-" else [question]
    for line in questions:
        text = line.rstrip("\r\n")
        if question == "-" and not text.strip():
            continue
        answer = engine.ask(text)
        if as_json:
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
            out.flush()
        else:
            out.write(render(answer) + "\n")
    return 0


def render(answer: Answer) -> str:
    """A plain-text reply for the terminal."""
    if answer.answered:
        return f"{answer.answer}\n  “{fold_whitespace(answer.quote)}”  (score {answer.score:.0f})"
    lines = [texts.DECLINE(answer.lang)]
    if answer.suggestions:
        lines.append(texts.MAYBE(answer.lang))
        lines.extend(f"  - {s.question}" for s in answer.suggestions)
    return "\n".join(lines)


def chat(engine: Engine, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    out.write(f"{engine.article.title} ({engine.article.newspaper}, {engine.article.date})\n")
    out.write(texts.CHAT_PROMPT("ko") + "\n")
    while True:
        out.write("> ")
        out.flush()
        line = stdin.readline()
        if not line:
            out.write("\n")
            return 0
        if line.strip():
            out.write(render(engine.ask(line.strip())) + "\n")


@dataclass
class _Tally:
    total: int = 0
    correct: int = 0
    wrong: int = 0
    declined: int = 0
    failures: list[str] = field(default_factory=list)


NEGATIVE_CATEGORIES = frozenset({"neg", "hardneg"})


def evaluate(
    engine: Engine,
    path: Path,
    *,
    min_accuracy: float,
    show_failures: bool,
    out: TextIO = sys.stdout,
) -> int:
    """Score a dev.tsv-style file; exit code 1 when accuracy is below `min_accuracy`."""
    tallies: dict[str, _Tally] = {}
    body = fold_whitespace(engine.knowledge.body)
    bad_quotes = 0
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("category\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            print(f"{path}:{line_no}: expected 3 tab-separated columns", file=sys.stderr)
            return 2
        category, question, expected = parts
        tally = tallies.setdefault(category, _Tally())
        tally.total += 1
        answer = engine.ask(question)
        if answer.answered and fold_whitespace(answer.quote) not in body:
            bad_quotes += 1
        haystack = fold_whitespace(answer.answer) + " " + fold_whitespace(answer.quote)
        if expected == "-":
            ok = not answer.answered
        else:
            ok = answer.answered and any(
                fold_whitespace(k) in haystack for k in expected.split("|")
            )
        if ok:
            tally.correct += 1
        elif answer.answered:
            tally.wrong += 1
            tally.failures.append(f"[{category}] {question!r} → {answer.id} ({answer.score:.0f})")
        else:
            tally.declined += 1
            tally.failures.append(f"[{category}] {question!r} declined ({answer.score:.0f})")
    out.write(f"{'category':10s} {'correct':>9s} {'wrong':>6s} {'declined':>9s}\n")
    for category, t in tallies.items():
        out.write(f"{category:10s} {t.correct:4d}/{t.total:<4d} {t.wrong:6d} {t.declined:9d}\n")
    total = sum(t.total for t in tallies.values())
    correct = sum(t.correct for t in tallies.values())
    accuracy = 100 * correct / total if total else 0.0
    out.write(f"overall {correct}/{total} ({accuracy:.1f}%), non-verbatim quotes {bad_quotes}\n")
    if show_failures:
        for t in tallies.values():
            for failure in t.failures:
                out.write(f"  {failure}\n")
    return 1 if accuracy < min_accuracy or bad_quotes else 0
