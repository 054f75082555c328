"""Command-line front end: build, ask, eval, chat and run."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import logging
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot import logs, review, state, texts
from bot.answering.context import Conversations, Turn
from bot.answering.engine import Decision, Engine
from bot.config import Settings, load_settings
from bot.errors import (
    ConfigurationError,
    InputFileError,
    KnowledgeDatabaseError,
    KnowledgeError,
    StartupError,
    StateStoreError,
)
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
    "review": "the most frequent unanswered questions, grouped, with a suggested action",
    "backup": "copy the state database safely, even while the bot runs",
}
# Errors whose message already says what to fix: one `error:` line, exit 2, no traceback.
USER_ERRORS = (
    ConfigurationError,
    KnowledgeError,
    KnowledgeDatabaseError,
    StateStoreError,
    InputFileError,
    StartupError,
)
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def version() -> str:
    try:
        return importlib.metadata.version("article-bot")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bot",
        description="Answers questions about one news article, quoting it word for word. "
        "With no command: runs the bot if TELEGRAM_BOT_TOKEN is set, else the console chat.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    # Accepted before and after the command; SUPPRESS keeps a subcommand from resetting them.
    common = argparse.ArgumentParser(add_help=False)
    for target, suppress in ((root, False), (common, True)):
        target.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS if suppress else False,
            help="log at DEBUG level",
        )
        target.add_argument(
            "--env-file",
            type=Path,
            default=argparse.SUPPRESS if suppress else None,
            metavar="PATH",
            help="read settings from this file instead of .env beside knowledge/",
        )
    commands = root.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name, help=COMMANDS[name], description=COMMANDS[name], parents=[common]
        )

    command("build")
    ask = command("ask")
    ask.add_argument("question", help="the question, or '-' to read one per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--explain",
        action="store_true",
        help="also show why: the answer type, the best entries with their scores, what is missing",
    )
    ask.add_argument(
        "--chats",
        action="store_true",
        help="with '-': read CHAT_ID<TAB>question lines and keep a conversation per chat id",
    )
    evaluate = command("eval")
    evaluate.add_argument("file", type=Path, help="TSV with columns category, question, expected")
    evaluate.add_argument(
        "--min-accuracy",
        type=float,
        default=0.0,
        metavar="PCT",
        help="exit non-zero when overall accuracy is below PCT (0-100)",
    )
    evaluate.add_argument("--show-failures", action="store_true", help="list every miss")
    command("chat")
    run = command("run")
    run.add_argument("--webhook-url", help="serve a webhook at this public URL instead of polling")
    run.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    run.add_argument("--port", type=int, default=8443, help="webhook listen port")
    review = command("review")
    review.add_argument("--json", action="store_true", help="print one JSON object per line")
    review.add_argument(
        "--limit", type=int, default=20, metavar="N", help="show at most N groups (default 20)"
    )
    backup = command("backup")
    backup.add_argument("path", type=Path, help="the copy to write (a file, or a folder)")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _dispatch(args)
    except USER_ERRORS as exc:
        if args.verbose:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C in ask, eval or build: no traceback
        print(file=sys.stderr)
        return EXIT_INTERRUPTED


def _dispatch(args: argparse.Namespace) -> int:
    settings = load_settings(args.env_file)
    command = args.command
    if command is None:
        command = _default_command(settings)
    level = logging.DEBUG if args.verbose else logging.getLevelNamesMapping()[settings.log_level]
    if command == "chat" and not args.verbose:
        # Progress lines (a first-run build) would land in the middle of the conversation.
        level = max(level, logging.WARNING)
    logs.configure(level, telegram_wire=settings.log_telegram_wire)
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
    if command == "review":
        return review_command(settings, as_json=args.json, limit=args.limit)
    if command == "backup":
        copy = state.backup(settings.state_database_path, args.path)
        print(f"backed up {settings.state_database_path} to {copy}")
        return 0
    if command == "eval":
        # Checked before the engine loads, so a mistyped path fails fast.
        rows = read_eval_file(args.file)
    engine = asyncio.run(Engine.open(settings.database_path, settings.knowledge_dir))
    if command == "ask":
        return ask(engine, args.question, as_json=args.json, explain=args.explain, chats=args.chats)
    if command == "eval":
        return evaluate(
            engine, rows, min_accuracy=args.min_accuracy, show_failures=args.show_failures
        )
    return chat(engine)


def _default_command(settings: Settings) -> str:
    """`run` with a token; else the console chat, but only when a person is at a terminal."""
    if settings.telegram_bot_token is not None:
        return "run"
    if not sys.stdin.isatty():
        # A service manager or a script: starting a chat nobody sees would look like success.
        raise ConfigurationError(
            "TELEGRAM_BOT_TOKEN is not set and there is no terminal for the console chat; "
            "put TELEGRAM_BOT_TOKEN=... in .env beside knowledge/ (or pass --env-file), "
            "or run 'python -m bot chat' explicitly"
        )
    print(
        "No TELEGRAM_BOT_TOKEN set, so starting the console chat instead of the bot.\n"
        "To go live: get a token from @BotFather, put TELEGRAM_BOT_TOKEN=... in .env "
        "(see .env.example), and run this again.\n",
        file=sys.stderr,
    )
    return "chat"


def review_command(
    settings: Settings, *, as_json: bool, limit: int, out: TextIO = sys.stdout
) -> int:
    """Print the most frequent unanswered questions, grouped, with a suggested action."""
    path = settings.state_database_path
    if not path.is_file():
        print(f"no questions logged yet: {path} does not exist", file=sys.stderr)
        return 0
    rows = asyncio.run(_logged_questions(settings))
    groups = review.group(rows)[: max(limit, 0)]
    if as_json:
        for item in groups:
            out.write(json.dumps(item.to_json(), ensure_ascii=False) + "\n")
        return 0
    if not groups:
        out.write("no unanswered questions logged\n")
        return 0
    sources = _entry_sources(settings)
    total = sum(r.count for r in rows)
    out.write(f"{total} unanswered questions, {len(rows)} different, most frequent first\n")
    for item in groups:
        out.write(f"\n{item.count:5d}×  {item.question}\n")
        for variant in item.variants:
            out.write(f"        also: {variant}\n")
        where = sources.get(item.nearest or "", "")
        nearest = f"{item.nearest} (score {item.score:.0f}{', ' + where if where else ''})"
        out.write(f"        nearest: {nearest if item.nearest else 'none'}\n")
        out.write(f"        → {item.suggestion()}\n")
    return 0


async def _logged_questions(settings: Settings) -> list[state.UnansweredRow]:
    salt = settings.feedback_salt
    store = await state.StateStore.open(
        settings.state_database_path, salt=salt.get_secret_value() if salt else None
    )
    try:
        # Retention is enforced here too, so a review never shows what should be gone.
        await store.purge_unanswered(timedelta(days=settings.unanswered_retention_days))
        return await store.unanswered()
    finally:
        await store.close()


def _entry_sources(settings: Settings) -> dict[str, str]:
    """Entry id → 'file:line', from the compiled knowledge if there is one (no rebuild)."""
    try:
        compiled = asyncio.run(database.load(settings.database_path))
    except (KnowledgeDatabaseError, KeyError, OSError):
        return {}
    return {e.id: _relative(e.source) for e in compiled.entries}


def _relative(source: str) -> str:
    """'file:line' with the file relative to the current directory when it is below it."""
    path = Path(source)
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return source


def ask(
    engine: Engine,
    question: str,
    *,
    as_json: bool,
    explain: bool = False,
    chats: bool = False,
    out: TextIO = sys.stdout,
) -> int:
    questions: Iterable[str] = sys.stdin if question == "-" else [question]
    # One conversation per chat id, as the bot keeps per private chat; never idle here.
    conversations = Conversations(idle_seconds=float("inf"))
    for line in questions:
        text = line.rstrip("\r\n")
        if question == "-" and not text.strip():
            continue
        chat_id = ""
        if chats:
            chat_id, tab, text = text.partition("\t")
            if not tab:
                chat_id, text = "", chat_id
        context = conversations.get(chat_id) if chats else None
        decision = engine.reply(text, context=context)
        if chats:
            turn = decision.next_turn(context)
            if turn is not None:
                conversations.remember(chat_id, turn)
        answer = decision.answer
        if as_json:
            fields = answer.to_json()
            if explain:
                fields["explain"] = explanation(decision)
            out.write(json.dumps(fields, ensure_ascii=False) + "\n")
            out.flush()
        else:
            out.write(render(answer) + "\n")
            if explain:
                out.write(render_explanation(decision) + "\n")
    return 0


def explanation(decision: Decision) -> dict[str, object]:
    """Why a question was answered or declined, as JSON."""
    return {
        "answer_type": decision.analysis.answer_type.value,
        "excluding": decision.analysis.excluding,
        "candidates": [
            {
                "id": match.entry.id,
                "score": round(match.score, 1),
                "coverage": round(match.coverage, 2),
                "closest_question": match.question,
                "fact": check.fact.value if check.fact else None,
                "pinned": check.pinned,
                "missing": check.missing.value if check.missing else None,
                "conflicts": list(check.conflicts),
                "strays": round(check.strays, 2),
                "restates": check.restates,
            }
            for match, check in decision.considered
        ],
    }


def render_explanation(decision: Decision) -> str:
    """`explanation` for the terminal, one candidate a line."""
    data = explanation(decision)
    lines = [
        f"  answer type: {data['answer_type']}" + (" (excluding)" if data["excluding"] else "")
    ]
    for match, check in decision.considered:
        verdict = (
            f"missing {check.missing.value}"
            if check.missing
            else f"contradicts {', '.join(check.conflicts)}"
            if check.conflicts
            else f"fact {check.fact.value!r}"
            + (" (pinned)" if check.pinned else "")
            + (" (the question's own figure)" if check.restates else "")
            if check.fact
            else "ok"
        )
        if check.strays and not check.missing and not check.conflicts:
            verdict += f", strays {check.strays:.2f}"
        lines.append(f"  {match.score:5.1f} {match.entry.id:<28} {verdict}  ← {match.question}")
    if not decision.considered:
        lines.append("  no entry scored high enough to check")
    return "\n".join(lines)


def render(answer: Answer) -> str:
    """A plain-text reply for the terminal."""
    if answer.answered:
        return f"{answer.answer}\n  “{fold_whitespace(answer.quote)}”  (score {answer.score:.0f})"
    lines = [texts.DECLINE(answer.lang)]
    if answer.missing in texts.MISSING and answer.nearest:
        missing = texts.MISSING[answer.missing](answer.lang)
        lines = [texts.DECLINE_MISSING(answer.lang, topic=answer.nearest, missing=missing)]
    if answer.suggestions:
        lines.append(texts.MAYBE(answer.lang))
        lines.extend(f"  - {s.question}" for s in answer.suggestions)
    return "\n".join(lines)


def chat(engine: Engine, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Question and answer on the console until Ctrl-D or Ctrl-C (both exit 0)."""
    out.write(f"{engine.article.title} ({engine.article.newspaper}, {engine.article.date})\n")
    out.write(texts.CHAT_PROMPT("ko") + "\n")
    read = _line_reader(stdin, out)
    context: Turn | None = None  # follow-ups ("그거 얼마 동안 했어?") read with the last answer
    while True:
        try:
            line = read()
        except (EOFError, KeyboardInterrupt):
            out.write("\n")
            return 0
        if line.strip():
            decision = engine.reply(line.strip(), context=context)
            context = decision.next_turn(context)
            out.write(render(decision.answer) + "\n")


def _line_reader(stdin: TextIO, out: TextIO) -> Callable[[], str]:
    """`input()` with readline's line editing and history at a terminal, plain reads else."""
    if stdin is sys.stdin and out is sys.stdout and stdin.isatty():
        with contextlib.suppress(ImportError):  # not on every platform (Windows)
            import readline  # noqa: F401  (importing it is what gives input() editing)
        return lambda: input("> ")

    def read() -> str:
        out.write("> ")
        out.flush()
        line = stdin.readline()
        if not line:
            raise EOFError
        return line

    return read


@dataclass
class _Tally:
    total: int = 0
    correct: int = 0
    wrong: int = 0
    declined: int = 0
    failures: list[str] = field(default_factory=list)


NEGATIVE_CATEGORIES = frozenset({"neg", "hardneg"})


@dataclass(frozen=True, slots=True)
class EvalRow:
    """One question of an eval file."""

    line: int
    category: str
    question: str
    expected: str


def read_eval_file(path: Path) -> list[EvalRow]:
    """The rows of a dev.tsv-style file, or an InputFileError naming the file (and line)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = raw.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            f"{path}:{bad_line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
        ) from None
    rows = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#") or line.startswith("category\t"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise InputFileError(
                f"{path}:{line_no}: expected 3 tab-separated columns (category, question, "
                f"expected), found {len(parts)}"
            )
        rows.append(EvalRow(line_no, *parts))
    if not rows:
        raise InputFileError(
            f"{path}: no questions in it; write lines of category<TAB>question<TAB>expected"
        )
    return rows


def evaluate(
    engine: Engine,
    rows: Sequence[EvalRow],
    *,
    min_accuracy: float,
    show_failures: bool,
    out: TextIO = sys.stdout,
) -> int:
    """Score dev.tsv-style rows; exit code 1 (saying why) below `min_accuracy` or when a
    quote is not verbatim."""
    tallies: dict[str, _Tally] = {}
    body = fold_whitespace(engine.knowledge.body)
    bad_quotes = 0
    for row in rows:
        category, question, expected = row.category, row.question, row.expected
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
    shortfalls = []
    if accuracy < min_accuracy:
        shortfalls.append(
            f"accuracy {accuracy:.1f}% ({correct}/{total}) is below --min-accuracy "
            f"{min_accuracy:g}%"
        )
    if bad_quotes:
        shortfalls.append(f"{bad_quotes} answers quoted text that is not verbatim in the article")
    for shortfall in shortfalls:
        print(f"error: {shortfall}", file=sys.stderr)
    return 1 if shortfalls else 0
