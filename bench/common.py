"""Shared helpers: paths, the dev set and its scoring rules, percentiles, memory, machine."""

from __future__ import annotations

import contextlib
import cProfile
import json
import math
import os
import platform
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.knowledge.files import fold_whitespace

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
DEV_TSV = PROJECT_ROOT.parent / "shared" / "eval" / "dev.tsv"
OWN_QUESTIONS_TSV = PROJECT_ROOT / "tests" / "data" / "paraphrases.tsv"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable


@dataclass(frozen=True, slots=True)
class DevQuestion:
    """One row of dev.tsv; `expected` is None when the bot must decline."""

    category: str
    question: str
    expected: tuple[str, ...] | None


def dev_set_path() -> Path:
    """The shared development set beside the project, or else the repository's own
    paraphrases (same format), so that a fresh clone measures latency on real questions."""
    return DEV_TSV if DEV_TSV.is_file() else OWN_QUESTIONS_TSV


def load_dev(path: Path = DEV_TSV) -> list[DevQuestion]:
    """The questions of `path`, or [] when the file is missing.

    The lines `python -m bot eval` reads (bot.cli.evaluate): no blank, `#` or header lines.
    """
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("category\t"):
            continue
        category, question, expected = line.split("\t")
        rows.append(
            DevQuestion(category, question, None if expected == "-" else tuple(expected.split("|")))
        )
    return rows


def judge(expected: tuple[str, ...] | None, answered: bool, answer: str, quote: str) -> bool:
    """bot.cli.evaluate's rule (and score.py's), with its whitespace folding: a key phrase in
    the answer or quote; no expectation means the bot must decline."""
    if expected is None:
        return not answered
    text = fold_whitespace(answer) + " " + fold_whitespace(quote)
    return answered and any(fold_whitespace(k) in text for k in expected)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 = median of the sorted values, p99 = 99th)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(pct / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS, VmHWM (peak RSS) and VmSize of a process, in kB, from /proc."""
    wanted = ("VmRSS", "VmHWM", "VmSize")
    found: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return found
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in wanted:
            found[key] = int(value.split()[0])
    return found


def code_version() -> str:
    """The commit plus a digest of bot/*.py as they are now (the code changes under us)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "bot").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    return f"{commit} bot/*.py sha256:{digest.hexdigest()[:10]}"


def mb(kilobytes: float | None) -> float | None:
    """kB → MB (10^6 bytes), or None."""
    return None if kilobytes is None else round(kilobytes * 1024 / 1e6, 1)


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "bot", "knowledge"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb * 1024 / 1e9, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit + ("+local changes in bot/ or knowledge/" if dirty else ""),
    }


def bench_env(**overrides: str | Path) -> dict[str, str]:
    """The environment for a bot subprocess: no inherited bot settings, then `overrides`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "KNOWLEDGE_", "DATABASE_", "STATE_", "USER_RATE"))
    }
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def run_json(
    args: Sequence[str],
    *,
    timeout: float | None,
    env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run a bench helper that prints one JSON object on its last stdout line."""
    proc = subprocess.run(
        list(args), capture_output=True, text=True, timeout=timeout, env=env, cwd=PROJECT_ROOT
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"{' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


@contextlib.contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    """cProfile the block and dump the stats to `path`; with None, just run the block."""
    if path is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    yield
    profiler.disable()
    profiler.dump_stats(path)


def top_functions(stats_path: Path | str, limit: int = 12) -> list[dict[str, Any]]:
    """The hottest functions of a cProfile dump, by own time, with their cumulative time."""
    import pstats

    stats = pstats.Stats(str(stats_path))
    rows = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short_path(filename)}:{line}({name})",
                "calls": calls,
                "own_s": round(tottime, 4),
                "cumulative_s": round(cumtime, 4),
            }
        )
    rows.sort(key=lambda r: r["own_s"], reverse=True)
    return rows[:limit]


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return Path(filename).name if filename.startswith("/") else filename


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number for the table, or '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{digits}f}{unit}"
