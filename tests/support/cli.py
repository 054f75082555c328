"""`python -m bot` as a subprocess, the way a user runs it from the project folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support import PROJECT_ROOT


def run_cli(
    *args: str,
    stdin: str = "",
    db: Path,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with DATABASE_PATH=`db` and `env` on top of this environment."""
    # An empty token overrides any developer's .env, so the console chat is what starts.
    environment = {**os.environ, "DATABASE_PATH": str(db), "TELEGRAM_BOT_TOKEN": "", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=environment,
        timeout=120,
        check=False,
    )
