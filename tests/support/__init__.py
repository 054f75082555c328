"""What the tests, the transcript recorder (tests/record_transcript.py) and bench/ share.

* ``standin``: the local Bot API stand-in (an aiohttp server that answers like Telegram);
* ``updates``: real Telegram update JSON to push into it;
* ``harness``: the real bot Application, long polling the stand-in;
* ``traffic``: people, questions and button taps pushed through it, and checks on the replies.

Fixtures built on these live in tests/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"
