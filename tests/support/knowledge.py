"""Small knowledge folders: the project's article and aliases with entries a test writes."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support import KNOWLEDGE_DIR

AGE_ENTRY = """\
- id: age
  topic: 나이
  topic_en: Age
  answer_ko: 김태훈씨는 만 26세입니다.
  answer_en: He is 26.
  quote: 올해 만 26세의 김씨가
  questions:
    - 몇 살이야?
    - How old is he?
  keywords: [나이, age]
"""


def knowledge_folder(root: Path, entries: str, *, file_name: str = "facts.yaml") -> Path:
    """`root` made a knowledge folder: knowledge/'s article.txt, article.yaml and aliases.yaml,
    and `entries` (YAML text) as entries/`file_name`."""
    (root / "entries").mkdir(parents=True)
    for name in ("article.txt", "article.yaml", "aliases.yaml"):
        shutil.copy(KNOWLEDGE_DIR / name, root / name)
    (root / "entries" / file_name).write_text(entries, encoding="utf-8")
    return root


def small_knowledge(root: Path, marker: str) -> Path:
    """A one-entry knowledge folder whose answer starts with `marker`."""
    return knowledge_folder(root, AGE_ENTRY.replace("answer_ko: ", f"answer_ko: {marker} "))
