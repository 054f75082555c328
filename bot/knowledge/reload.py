"""Notice, cheaply, that the knowledge database file was replaced by a rebuild.

`python -m bot build` writes a new file and renames it over the old one, so the path then
names a different file (new inode). The bot keeps its engine in memory; before handling an
update it asks `ReplacementWatch.check()`, which looks at the file (one `stat`) at most once
per interval and says whether it was replaced or has gone missing since it was last loaded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What distinguishes one version of a file from the next: inode, mtime and size."""

    inode: int
    mtime_ns: int
    size: int


def identify(path: Path) -> FileIdentity | None:
    """The identity of the file at `path`, or None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return FileIdentity(info.st_ino, info.st_mtime_ns, info.st_size)


class Change(Enum):
    """What happened to the watched file since it was last marked."""

    NONE = "none"
    REPLACED = "replaced"
    MISSING = "missing"


class ReplacementWatch:
    """Tells, at most once per `interval` seconds, whether a file was replaced or removed."""

    def __init__(
        self, path: Path, interval: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self.interval = interval
        self._clock = clock
        self._seen: FileIdentity | None = None
        self._missing_reported = False
        self._next_look = float("-inf")

    def mark(self) -> None:
        """Remember the file as it is now; call just before loading it."""
        self._seen = identify(self.path)
        self._missing_reported = False

    def due(self) -> bool:
        """Whether `check` would look at the file now (it does at most once per interval)."""
        return self._clock() >= self._next_look

    def check(self) -> Change:
        """REPLACED once per new version, MISSING once per disappearance, else NONE."""
        now = self._clock()
        if now < self._next_look:
            return Change.NONE
        self._next_look = now + self.interval
        current = identify(self.path)
        if current is None:
            if self._missing_reported:
                return Change.NONE
            self._missing_reported = True
            return Change.MISSING
        self._missing_reported = False
        return Change.NONE if current == self._seen else Change.REPLACED
