"""Measurements that need a process of their own (memory, build), run by `python -m bench`.

    python -m bench.worker build KNOWLEDGE_DIR DB_PATH [--profile OUT.prof]
    python -m bench.worker ask DB_PATH QUESTIONS.json [--repeat N] [--budget S] [--baseline]
                           [--profile OUT.prof]

Each prints one JSON object on its last line. A fresh process per measurement keeps resident
memory honest: it holds exactly one knowledge base and nothing the harness allocated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common import code_version, judge, percentile, proc_status, profiled

if TYPE_CHECKING:  # imported in the functions: memory is measured around the imports
    from bot.knowledge.database import CompiledKnowledge

SYNTHETIC_PREFIX = "syn-"


def build(knowledge_dir: Path, db_path: Path, profile: Path | None) -> dict[str, Any]:
    """Time `database.build` and report the file it wrote."""
    from bot.knowledge import database

    version = code_version()
    started = time.perf_counter()
    with profiled(profile):
        asyncio.run(database.build(knowledge_dir, db_path))
    seconds = time.perf_counter() - started
    status = proc_status()
    return {
        "code": version,
        "seconds": seconds,
        "db_bytes": db_path.stat().st_size,
        "peak_rss_kb": status.get("VmHWM"),
    }


def _timed(
    ask: Callable[[str], object], questions: list[str], repeat: int
) -> tuple[list[float], list[float]]:
    """Per-call latencies (ms) over `repeat` passes, and each pass's total (s)."""
    latencies: list[float] = []
    passes: list[float] = []
    for _ in range(repeat):
        pass_start = time.perf_counter()
        for question in questions:
            start = time.perf_counter()
            ask(question)
            latencies.append((time.perf_counter() - start) * 1000)
        passes.append(time.perf_counter() - pass_start)
    return latencies, passes


def _summary(latencies: list[float]) -> dict[str, float | int | None]:
    if not latencies:
        return {"p50_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None, "samples": 0}
    return {
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "mean_ms": sum(latencies) / len(latencies),
        "max_ms": max(latencies),
        "samples": len(latencies),
    }


def ask(
    db_path: Path,
    questions_path: Path,
    *,
    repeat: int,
    budget: float,
    baseline: bool,
    baseline_accuracy: bool,
    profile: Path | None,
) -> dict[str, Any]:
    """Load the engine, check the dev set, then time engine.ask (and the naive baseline)."""
    version = code_version()
    spec = json.loads(questions_path.read_text(encoding="utf-8"))
    dev = [(c, q, tuple(e) if e is not None else None) for c, q, e in spec["dev"]]
    probes = [(q, entry_id) for q, entry_id, _ in spec.get("probes", [])]

    from bot.answering.engine import Engine
    from bot.knowledge import database

    rss_before = proc_status()
    started = time.perf_counter()
    compiled = asyncio.run(database.load(db_path))
    loaded = time.perf_counter()
    rss_kb = proc_status()
    engine = Engine(compiled)
    ready = time.perf_counter()
    rss_loaded = proc_status()

    # One untimed pass: warms caches and records what the engine answers.
    outcomes = []
    for category, question, expected in dev:
        answer = engine.ask(question)
        outcomes.append(
            {
                "category": category,
                "question": question,
                "ok": judge(expected, answer.answered, answer.answer, answer.quote),
                "answered": answer.answered,
                "id": answer.id,
                "score": round(answer.score, 1),
            }
        )
    probe_ok = sum(engine.ask(q).id == entry_id for q, entry_id in probes)

    dev_questions = [q for _, q, _ in dev]
    probe_questions = [q for q, _ in probes]
    mixed = dev_questions + probe_questions
    first_pass = time.perf_counter()
    for question in mixed:
        engine.ask(question)
    pass_seconds = time.perf_counter() - first_pass
    repeats = max(1, min(repeat, int(budget / max(pass_seconds, 1e-9))))
    latencies, _ = _timed(engine.ask, mixed, repeats)
    n_dev = len(dev_questions)
    per_pass = len(mixed)
    dev_lat = [x for i, x in enumerate(latencies) if i % per_pass < n_dev]
    probe_lat = [x for i, x in enumerate(latencies) if i % per_pass >= n_dev]

    result: dict[str, Any] = {
        "code": version,
        "entries": len(compiled.entries),
        "questions_stored": len(compiled.questions),
        "terms": len(compiled.vocabulary),
        "load_s": loaded - started,
        "engine_init_s": ready - loaded,
        "postings": sum(len(p) for p in compiled.vocabulary.values()),
        "rss_before_load_kb": rss_before.get("VmRSS"),
        "rss_kb_read_kb": rss_kb.get("VmRSS"),
        "rss_loaded_kb": rss_loaded.get("VmRSS"),
        "repeats": repeats,
        "latency_all": _summary(latencies),
        "latency_dev": _summary(dev_lat),
        "latency_probes": _summary(probe_lat),
        "dev_total": len(outcomes),
        "dev_correct": sum(o["ok"] for o in outcomes),
        "stolen": sum(1 for o in outcomes if (o["id"] or "").startswith(SYNTHETIC_PREFIX)),
        "probe_correct": probe_ok,
        "probes": len(probes),
        "outcomes": outcomes,
    }
    if baseline:
        result["baseline"] = _baseline(compiled, dev, mixed, repeats, budget, baseline_accuracy)
    if profile:
        with profiled(profile):
            _timed(engine.ask, mixed, max(1, min(repeats, 3)))
    status = proc_status()
    result["rss_end_kb"] = status.get("VmRSS")
    result["peak_rss_kb"] = status.get("VmHWM")
    return result


def _baseline(
    compiled: CompiledKnowledge,
    dev: list[tuple[str, str, tuple[str, ...] | None]],
    mixed: list[str],
    repeats: int,
    budget: float,
    accuracy: bool,
) -> dict[str, Any]:
    """rapidfuzz.process.extractOne over every stored alternate question, same questions.

    On a large knowledge base one pass can take minutes, so the timed questions are cut to
    what fits in `budget` (at least 10, in order: dev questions first).
    """
    from rapidfuzz import fuzz, process, utils

    choices = [q.text for q in compiled.questions]
    owners = [q.entry_id for q in compiled.questions]
    entries = {e.id: e for e in compiled.entries}

    def naive(question: str) -> tuple[str, float, int] | None:
        return process.extractOne(
            question, choices, scorer=fuzz.WRatio, processor=utils.default_process
        )

    result: dict[str, Any] = {
        "scorer": "rapidfuzz.process.extractOne(scorer=fuzz.WRatio, processor=default_process)",
        "choices": len(choices),
    }
    if accuracy:
        top1 = answerable = 0
        for _, question, expected in dev:
            if expected is None:
                continue
            answerable += 1
            best = naive(question)
            if best is not None:
                entry = entries[owners[best[2]]]
                text = entry.answer_ko + " " + entry.answer_en
                top1 += judge(expected, True, text, entry.quote)
        result.update(top1_correct=top1, answerable=answerable)
    if not mixed:
        return result
    start = time.perf_counter()
    naive(mixed[0])
    one = max(time.perf_counter() - start, 1e-6)
    count = max(10, min(len(mixed), int(budget / one)))
    questions = mixed[:count]
    reps = max(1, min(repeats, int(budget / (one * len(questions)))))
    latencies, _ = _timed(naive, questions, reps)
    result.update(repeats=reps, questions_timed=len(questions), **_summary(latencies))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build")
    b.add_argument("knowledge_dir", type=Path)
    b.add_argument("db_path", type=Path)
    b.add_argument("--profile", type=Path)
    a = commands.add_parser("ask")
    a.add_argument("db_path", type=Path)
    a.add_argument("questions", type=Path)
    a.add_argument("--repeat", type=int, default=20)
    a.add_argument("--budget", type=float, default=60.0, help="seconds for the timed passes")
    a.add_argument("--baseline", action="store_true", help="also time the naive baseline")
    a.add_argument("--baseline-accuracy", action="store_true", help="and score its top-1")
    a.add_argument("--profile", type=Path)
    args = parser.parse_args(argv)
    if args.command == "build":
        result = build(args.knowledge_dir, args.db_path, args.profile)
    else:
        result = ask(
            args.db_path,
            args.questions,
            repeat=args.repeat,
            budget=args.budget,
            baseline=args.baseline,
            baseline_accuracy=args.baseline_accuracy,
            profile=args.profile,
        )
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
