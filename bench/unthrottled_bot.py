"""`python -m bot run`, with the send limiter's 30/s cap off, for the throughput benchmark.

Everything else is the real command: settings from the environment, the engine, handlers,
long polling, signal handling. See bench/endtoend.py for why the limit is loosened.
"""

from __future__ import annotations

import sys

from bench.endtoend import unthrottled_sends


def main() -> int:
    from bot.cli import main as bot_main

    with unthrottled_sends():
        return bot_main(["run"])


if __name__ == "__main__":
    sys.exit(main())
