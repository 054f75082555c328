"""Compile `knowledge/` into a SQLite database, and read it back.

The database is a build artefact: it is rebuilt whenever the knowledge files or the analysis
code change, into a temporary file that atomically replaces the old one, so a reader never
sees a half-built database. At run time it is opened read-only.

Schema (the one place it is written down):

    meta(key PRIMARY KEY, value)
        schema_version, fingerprint (knowledge files + analysis code), built_at,
        article_* bibliographic fields, subject_term and subject_forms (space-separated).
    article(id = 1, body)                      the verbatim article body
    entries(id PRIMARY KEY, position, topic, topic_en, answer_ko, answer_en, quote,
            popular, source)                   one row per curated fact
    questions(entry_id, position, text, lang, terms)
                                               alternate questions; terms = analysed terms,
                                               space-separated
    keywords(entry_id, keyword)                curated keywords as written
    facts(entry_id, position, type, value, about, ko, en, quote)
                                               typed facts an entry states; about is a JSON
                                               list of words
    aliases(variant PRIMARY KEY, canonical)    transliterations folded before matching
    names(name PRIMARY KEY)                    people and organisations (normalised)
    lexicon(term PRIMARY KEY)                  the words the analyser splits unspaced text
                                               with; queries are analysed with the same set
    neighbours(word, kind, term)               words the knowledge does not use: kind 'contrast'
                                               (a sibling or antonym of `term`), 'real' (a
                                               dictionary word, not a typo of a known term)
                                               or 'name' (a proper noun, of something else)
    vocabulary(term, entry_id, strength)       inverted index: which entries a term points
                                               at, and how strongly (1.0 curated, 0.6 from
                                               the quote or answer)
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import stat
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.answering import indexing
from bot.answering.neighbours import Neighbours
from bot.answering.neighbours import version as neighbours_version
from bot.errors import KnowledgeDatabaseError, KnowledgeError
from bot.knowledge import files as knowledge_files
from bot.models import ArticleInfo, Entry, Fact, FactType, Subject

log = logging.getLogger(__name__)

SCHEMA_VERSION = "4"
# The code whose changes change what a build writes: rebuild when any of it changes.
_ANALYSIS_SOURCES = (
    "answering/analysis.py",  # is_question decides which about-words the build indexes
    "answering/korean.py",
    "answering/normalize.py",
    "answering/indexing.py",
    "answering/scoring.py",
    "answering/neighbours.py",
    "knowledge/database.py",
)

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE article (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
CREATE TABLE entries (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, topic TEXT NOT NULL, topic_en TEXT NOT NULL,
    answer_ko TEXT NOT NULL, answer_en TEXT NOT NULL, quote TEXT NOT NULL,
    popular INTEGER NOT NULL, source TEXT NOT NULL
);
CREATE TABLE questions (
    entry_id TEXT NOT NULL REFERENCES entries(id), position INTEGER NOT NULL,
    text TEXT NOT NULL, lang TEXT NOT NULL, terms TEXT NOT NULL
);
CREATE TABLE keywords (entry_id TEXT NOT NULL REFERENCES entries(id), keyword TEXT NOT NULL);
CREATE TABLE facts (
    entry_id TEXT NOT NULL REFERENCES entries(id), position INTEGER NOT NULL,
    type TEXT NOT NULL, value TEXT NOT NULL, about TEXT NOT NULL, ko TEXT NOT NULL,
    en TEXT NOT NULL, quote TEXT NOT NULL
);
CREATE TABLE aliases (variant TEXT PRIMARY KEY, canonical TEXT NOT NULL);
CREATE TABLE names (name TEXT PRIMARY KEY);
CREATE TABLE lexicon (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE neighbours (
    word TEXT NOT NULL, kind TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (word, term)
) WITHOUT ROWID;
CREATE TABLE vocabulary (
    term TEXT NOT NULL, entry_id TEXT NOT NULL REFERENCES entries(id), strength REAL NOT NULL,
    PRIMARY KEY (term, entry_id)
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    entry_id: str
    text: str
    lang: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CompiledKnowledge:
    """The compiled knowledge, as read back from SQLite."""

    article: ArticleInfo
    body: str
    entries: tuple[Entry, ...]
    questions: tuple[StoredQuestion, ...]
    aliases: dict[str, str]
    names: frozenset[str]
    lexicon: frozenset[str]
    vocabulary: dict[str, dict[str, float]]  # term -> {entry id: strength}
    neighbours: Neighbours
    subject: Subject


def fingerprint(knowledge_dir: Path) -> str:
    """Changes whenever the knowledge files or the code that analyses them change."""
    digest = hashlib.sha256(knowledge_files.fingerprint(knowledge_dir).encode())
    digest.update(SCHEMA_VERSION.encode())
    digest.update(neighbours_version().encode())
    here = Path(__file__).resolve().parent.parent
    for name in _ANALYSIS_SOURCES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


async def build(knowledge_dir: Path, db_path: Path) -> Path:
    """Validate `knowledge_dir` and compile it into `db_path`, replacing it atomically."""
    started = time.perf_counter()
    source = knowledge_files.load(knowledge_dir)
    analysis = indexing.analyse(source)
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".build-", suffix=".sqlite3", dir=db_path.parent)
    except OSError as exc:  # a read-only folder or filesystem, a full disk…
        raise KnowledgeDatabaseError(
            f"cannot write the knowledge database beside {db_path} ({exc}); make its folder "
            "writable, or set DATABASE_PATH to a writable place"
        ) from exc
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        async with aiosqlite.connect(tmp_path) as db:
            await db.executescript(SCHEMA)
            meta = {
                "schema_version": SCHEMA_VERSION,
                "fingerprint": fingerprint(knowledge_dir),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "subject_term": source.subject.term,
                "subject_forms": " ".join(sorted(source.subject.forms)),
                **{
                    f"article_{k}": getattr(source.article, k)
                    for k in knowledge_files.ARTICLE_FIELDS
                },
            }
            await db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            await db.execute("INSERT INTO article VALUES (1, ?)", (source.body,))
            await db.executemany(
                "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.id,
                        i,
                        e.topic,
                        e.topic_en,
                        e.answer_ko,
                        e.answer_en,
                        e.quote,
                        int(e.popular),
                        e.source,
                    )
                    for i, e in enumerate(source.entries)
                ],
            )
            await db.executemany(
                "INSERT INTO questions VALUES (?, ?, ?, ?, ?)", analysis.question_rows
            )
            await db.executemany(
                "INSERT INTO keywords VALUES (?, ?)",
                [(e.id, k) for e in source.entries for k in e.keywords],
            )
            await db.executemany(
                "INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        e.id,
                        i,
                        f.type.value,
                        f.value,
                        json.dumps(f.about, ensure_ascii=False),
                        f.ko,
                        f.en,
                        f.quote,
                    )
                    for e in source.entries
                    for i, f in enumerate(e.facts)
                ],
            )
            await db.executemany("INSERT INTO aliases VALUES (?, ?)", source.aliases.items())
            await db.executemany("INSERT INTO names VALUES (?)", [(n,) for n in analysis.names])
            await db.executemany(
                "INSERT INTO lexicon VALUES (?)", [(t,) for t in sorted(analysis.lexicon)]
            )
            found = analysis.neighbours
            await db.executemany(
                "INSERT INTO neighbours VALUES (?, ?, ?)",
                [
                    (w, "contrast", t)
                    for w, ts in sorted(found.contrasts.items())
                    for t in sorted(ts)
                ]
                + [(w, "real", "") for w in sorted(found.real_words - set(found.contrasts))]
                + [(w, "name", "") for w in sorted(found.proper_nouns)],
            )
            await db.executemany(
                "INSERT INTO vocabulary VALUES (?, ?, ?)",
                [(t, entry_id, s) for (t, entry_id), s in sorted(analysis.vocabulary.items())],
            )
            await db.commit()
        os.replace(tmp_path, db_path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
    log.info(
        "built %s: %d entries, %d questions, %d terms in %.2fs",
        db_path,
        len(source.entries),
        len(analysis.question_rows),
        len(analysis.vocabulary),
        time.perf_counter() - started,
    )
    return db_path


def require_regular_file(db_path: Path) -> None:
    """Refuse a FIFO, a device or a directory: opening one can block forever."""
    try:
        mode = os.stat(db_path).st_mode
    except OSError as exc:
        raise KnowledgeDatabaseError(
            f"cannot read the knowledge database {db_path} ({exc}); run 'python -m bot build'"
        ) from exc
    if not stat.S_ISREG(mode):
        raise KnowledgeDatabaseError(
            f"the knowledge database {db_path} is not a regular file; point DATABASE_PATH at "
            "the file 'python -m bot build' writes"
        )


def connect_read_only(db_path: Path) -> aiosqlite.Connection:
    """An aiosqlite connection that cannot write: the bot never changes its knowledge."""
    return aiosqlite.connect(f"file:{db_path}?mode=ro", uri=True)


def is_current(db_path: Path, knowledge_dir: Path) -> bool:
    """True when `db_path` exists, is readable and was built from the current knowledge."""
    if not db_path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
    except sqlite3.DatabaseError:
        return False
    return row is not None and row[0] == fingerprint(knowledge_dir)


async def ensure_built(db_path: Path, knowledge_dir: Path) -> Path:
    """Rebuild the database when it is missing, corrupt or older than the knowledge files."""
    if knowledge_dir.is_dir() and not is_current(db_path, knowledge_dir):
        reason = "missing" if not db_path.exists() else "stale or unreadable"
        log.info("knowledge database %s is %s; rebuilding", db_path, reason)
        try:
            await build(knowledge_dir, db_path)
        except KnowledgeError as exc:
            built_at = last_good_build(db_path)
            if built_at is None:
                raise
            # One bad edit must not stop the bot: keep answering from the last good build.
            log.warning(
                "knowledge/ has %d error(s), so the last good knowledge database %s "
                "(built %s) stays in use; fix them and run 'python -m bot build':\n%s",
                len(exc.problems),
                db_path,
                built_at,
                exc,
            )
    elif not db_path.is_file():
        raise KnowledgeDatabaseError(
            f"no knowledge database at {db_path} and no knowledge folder at {knowledge_dir}; "
            "set KNOWLEDGE_DIR to the folder holding article.txt, article.yaml and entries/ "
            "(and DATA_DIR to a writable folder for the databases)"
        )
    return db_path


def last_good_build(db_path: Path) -> str | None:
    """When `db_path` is a complete build this code can read: its build time, else None."""
    if not db_path.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
            rows = dict(
                db.execute(
                    "SELECT key, value FROM meta WHERE key IN ('schema_version', 'built_at')"
                ).fetchall()
            )
    except sqlite3.DatabaseError:
        return None
    if rows.get("schema_version") != SCHEMA_VERSION:
        return None  # built by another version: its tables may not be what load() reads
    return str(rows.get("built_at", "at an unknown time"))


async def load(db_path: Path) -> CompiledKnowledge:
    """Read the whole compiled knowledge base, opening the file read-only."""
    await asyncio.to_thread(require_regular_file, db_path)  # a stat can block on a mount
    try:
        async with connect_read_only(db_path) as db:
            meta_rows = await (await db.execute("SELECT key, value FROM meta")).fetchall()
            (body,) = await (await db.execute("SELECT body FROM article")).fetchone() or ("",)
            entry_rows = await (
                await db.execute(
                    "SELECT id, topic, topic_en, answer_ko, answer_en, quote, popular, source "
                    "FROM entries ORDER BY position"
                )
            ).fetchall()
            keyword_rows = await (
                await db.execute("SELECT entry_id, keyword FROM keywords")
            ).fetchall()
            question_rows = await (
                await db.execute(
                    "SELECT entry_id, text, lang, terms FROM questions ORDER BY entry_id, position"
                )
            ).fetchall()
            fact_rows = await (
                await db.execute(
                    "SELECT entry_id, type, value, about, ko, en, quote FROM facts "
                    "ORDER BY entry_id, position"
                )
            ).fetchall()
            alias_rows = await (
                await db.execute("SELECT variant, canonical FROM aliases")
            ).fetchall()
            name_rows = await (await db.execute("SELECT name FROM names")).fetchall()
            lexicon_rows = await (await db.execute("SELECT term FROM lexicon")).fetchall()
            neighbour_rows = await (
                await db.execute("SELECT word, kind, term FROM neighbours")
            ).fetchall()
            vocab_rows = await (
                await db.execute("SELECT term, entry_id, strength FROM vocabulary")
            ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise KnowledgeDatabaseError(
            f"cannot read the knowledge database {db_path} ({exc}); "
            "delete it and run 'python -m bot build'"
        ) from exc
    meta = {str(key): str(value) for key, value in meta_rows}
    keywords: dict[str, list[str]] = defaultdict(list)
    for entry_id, keyword in keyword_rows:
        keywords[entry_id].append(keyword)
    facts: dict[str, list[Fact]] = defaultdict(list)
    for entry_id, kind, value, about, ko, en, quote in fact_rows:
        facts[entry_id].append(Fact(FactType(kind), value, tuple(json.loads(about)), ko, en, quote))
    questions_by_entry: dict[str, list[str]] = defaultdict(list)
    questions = []
    for entry_id, text, lang, terms in question_rows:
        questions_by_entry[entry_id].append(text)
        questions.append(StoredQuestion(entry_id, text, lang, tuple(terms.split())))
    entries = tuple(
        Entry(
            id=r[0],
            topic=r[1],
            topic_en=r[2],
            answer_ko=r[3],
            answer_en=r[4],
            quote=r[5],
            questions=tuple(questions_by_entry[r[0]]),
            keywords=tuple(keywords[r[0]]),
            popular=bool(r[6]),
            source=r[7],
            facts=tuple(facts[r[0]]),
        )
        for r in entry_rows
    )
    vocabulary: dict[str, dict[str, float]] = defaultdict(dict)
    for term, entry_id, strength in vocab_rows:
        vocabulary[term][entry_id] = strength
    article = ArticleInfo(**{k: meta[f"article_{k}"] for k in knowledge_files.ARTICLE_FIELDS})
    return CompiledKnowledge(
        article=article,
        body=body,
        entries=entries,
        questions=tuple(questions),
        aliases={str(variant): str(canonical) for variant, canonical in alias_rows},
        names=frozenset(n for (n,) in name_rows),
        lexicon=frozenset(t for (t,) in lexicon_rows),
        vocabulary=dict(vocabulary),
        neighbours=Neighbours(
            contrasts=_contrasts(neighbour_rows),
            real_words=frozenset(w for w, kind, _ in neighbour_rows if kind == "real"),
            proper_nouns=frozenset(w for w, kind, _ in neighbour_rows if kind == "name"),
        ),
        subject=Subject(meta["subject_term"], frozenset(meta["subject_forms"].split())),
    )


def _contrasts(rows: Iterable[Iterable[str]]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for word, kind, term in (tuple(row) for row in rows):
        if kind == "contrast":
            found[word].add(term)
    return {word: frozenset(terms) for word, terms in found.items()}
