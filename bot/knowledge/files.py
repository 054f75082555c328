"""Load and validate the human-edited files in `knowledge/`.

Every problem is reported as ``file:line: what is wrong and how to fix it`` so that an editor
can jump straight to it. All problems are collected before raising, not just the first.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from bot.errors import KnowledgeError
from bot.models import ArticleInfo, Entry, Fact, FactType, Subject

ENTRY_FIELDS = {
    "id": "a stable id such as salary or openai-founder",
    "topic": "a short Korean label",
    "topic_en": "a short English label",
    "answer_ko": "the answer in Korean",
    "answer_en": "the answer in English",
    "quote": "a verbatim piece of the article body",
    "questions": "a list of ways people ask",
    "keywords": "a list of words pointing at this entry",
    "popular": "true or false",
    "facts": "a list of typed facts the entry states (type, value, about, ko, en)",
}
OPTIONAL_FIELDS = ("popular", "facts")
REQUIRED_FIELDS = tuple(f for f in ENTRY_FIELDS if f not in OPTIONAL_FIELDS)
# Facts whose value is the answer itself (a date, a number, a name): a fact's Korean sentence
# must say it exactly as the article does. Reasons and quotes may be paraphrased.
SHORT_FACTS = frozenset(FactType) - {
    FactType.REASON,
    FactType.METHOD,
    FactType.QUOTE,
    FactType.DEFINITION,
    FactType.THING,
}
FACT_FIELDS = {
    "type": "one of " + ", ".join(t.value for t in FactType),
    "value": "a short verbatim piece of the article body that is the fact",
    "about": "a list of words that single this fact out (optional)",
    "ko": "one short Korean sentence stating the fact (optional)",
    "en": "one short English sentence stating the fact (optional)",
}
ARTICLE_FIELDS = ("title", "newspaper", "newspaper_en", "date", "reporter", "reporter_en")
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SPACE_RE = re.compile(r"\s+")
# libyaml's parser when PyYAML was built with it: the same nodes and line marks, much faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class KnowledgeSource:
    """Everything the build step reads from `knowledge/`."""

    article: ArticleInfo
    body: str
    entries: tuple[Entry, ...]
    aliases: dict[str, str]
    names: tuple[str, ...]
    subject: Subject


def fold_whitespace(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def source_files(directory: Path) -> list[Path]:
    """The files whose content defines the knowledge base, in a stable order."""
    return sorted(
        p for p in directory.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml", ".txt"}
    )


def fingerprint(directory: Path) -> str:
    """A hash of the knowledge files, used to notice a stale database."""
    digest = hashlib.sha256()
    for path in source_files(directory):
        digest.update(str(path.relative_to(directory)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load(directory: Path) -> KnowledgeSource:
    """Read and validate `directory`; raise KnowledgeError listing every problem."""
    problems: list[str] = []
    article_path = directory / "article.yaml"
    article_node = _compose(article_path, problems)
    article, body_name = _article_info(article_path, article_node, problems)
    body = _article_body(directory / body_name, article_path, problems)
    folded_body = fold_whitespace(body)

    entries: list[Entry] = []
    seen: dict[str, str] = {}
    entry_files = _entry_files(directory / "entries", problems)
    if not entry_files:
        problems.append(f"{directory / 'entries'}:1: no *.yaml entry files; add at least one")
    for path in entry_files:
        node = _compose(path, problems)
        if node is None:
            continue
        if not isinstance(node, yaml.SequenceNode):
            problems.append(
                f"{path}:{_line(node)}: expected a list of entries (lines starting '- id:')"
            )
            continue
        for item in node.value:
            entry = _entry(path, item, folded_body, problems, raw_body=body)
            if entry is None:
                continue
            if entry.id in seen:
                problems.append(
                    f"{entry.source}: duplicate id {entry.id!r}, first used at {seen[entry.id]}; "
                    "give this entry another id"
                )
                continue
            seen[entry.id] = entry.source
            entries.append(entry)

    aliases, names, subject = _aliases(directory / "aliases.yaml", problems)
    if problems:
        raise KnowledgeError(problems)
    assert article is not None
    return KnowledgeSource(article, body, tuple(entries), aliases, names, subject)


def _compose(path: Path, problems: list[str]) -> yaml.Node | None:
    if not path.is_file():
        problems.append(f"{path}:1: file not found; restore it from git")
        return None
    text = _read_text(path, problems)
    if text is None:
        return None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 1
        problems.append(f"{path}:{line}: YAML syntax error: {exc.problem}; fix the syntax")
        return None
    if node is not None:
        _check_duplicate_keys(path, node, problems)
    return node


def _read_text(path: Path, problems: list[str]) -> str | None:
    """The file's text, or None after reporting that it is not UTF-8 (e.g. saved as CP949)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            f"{path}:{line}: not UTF-8 (byte 0x{raw[exc.start]:02x}); the knowledge files must "
            "be UTF-8: re-save the file as UTF-8 (e.g. iconv -f cp949 -t utf-8)"
        )
        return None


def _check_duplicate_keys(path: Path, node: yaml.Node, problems: list[str]) -> None:
    """Report a key given twice in one mapping at its second line (YAML keeps the last)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            first: dict[object, int] = {}
            for key_node, value_node in current.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is not None and key in first:
                    problems.append(
                        f"{path}:{_line(key_node)}: duplicate key {key!r}, first at line "
                        f"{first[key]}; keep one of them"
                    )
                elif key is not None:
                    first[key] = _line(key_node)
                stack.append(value_node)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)


def _article_body(body_path: Path, article_path: Path, problems: list[str]) -> str:
    """The article body; if it is missing, one problem (quotes are then not checked)."""
    if not body_path.is_file():
        problems.append(
            f"{body_path}: article body not found; put the article's text there, or set "
            f"body_file in {article_path} to the file that holds it"
        )
        return ""
    body = _read_text(body_path, problems)
    if body is None:
        return ""
    if not body.strip():
        problems.append(f"{body_path}:1: the article body is empty; paste the article's text")
    return body


def _entry_files(entries_dir: Path, problems: list[str]) -> list[Path]:
    """entries/**/*.yaml, subfolders included (sorted by path); hidden files are skipped.

    A `.yml` file would otherwise be silently ignored, so it is an error.
    """
    if not entries_dir.is_dir():
        return []
    files = []
    for path in sorted(entries_dir.rglob("*")):
        relative = path.relative_to(entries_dir)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix == ".yaml":
            files.append(path)
        elif path.suffix == ".yml":
            problems.append(f"{path}:1: entry files must end in .yaml; rename it")
    return files


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _scalar(node: yaml.Node) -> object:
    """The Python value of a composed node, built the way yaml.safe_load would."""
    return _LOADER("").construct_object(node, deep=True)


def _article_info(
    path: Path, node: yaml.Node | None, problems: list[str]
) -> tuple[ArticleInfo | None, str]:
    if node is None:
        return None, "article.txt"
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{path}:{_line(node)}: expected 'field: value' lines")
        return None, "article.txt"
    values = {k.value: (_scalar(v), _line(k)) for k, v in node.value}
    for key, (_, line) in values.items():
        if key not in (*ARTICLE_FIELDS, "body_file"):
            problems.append(
                f"{path}:{line}: unknown field {key!r}; "
                f"allowed: {', '.join(ARTICLE_FIELDS)}, body_file"
            )
    missing = [f for f in ARTICLE_FIELDS if not str(values.get(f, ("", 0))[0] or "").strip()]
    for field in missing:
        problems.append(f"{path}:1: missing or empty field {field!r}; add '{field}: ...'")
    if missing:
        return None, str(values.get("body_file", ("article.txt", 0))[0])
    info = ArticleInfo(**{f: str(values[f][0]).strip() for f in ARTICLE_FIELDS})
    return info, str(values.get("body_file", ("article.txt", 0))[0])


def _entry(
    path: Path, node: yaml.Node, body: str, problems: list[str], *, raw_body: str = ""
) -> Entry | None:
    where = f"{path}:{_line(node)}"
    if not isinstance(node, yaml.MappingNode):
        problems.append(f"{where}: expected an entry ('- id: ...' followed by its fields)")
        return None
    fields: dict[str, tuple[object, int]] = {}
    facts_node: yaml.Node | None = None
    for key_node, value_node in node.value:
        key = str(key_node.value)
        line = _line(key_node)
        if key not in ENTRY_FIELDS:
            problems.append(
                f"{path}:{line}: unknown field {key!r}; allowed fields: {', '.join(ENTRY_FIELDS)}"
            )
            continue
        if key == "facts":
            facts_node = value_node
        fields[key] = (_scalar(value_node), line)
    ok = True
    for key in REQUIRED_FIELDS:
        if key not in fields:
            problems.append(f"{where}: missing field {key!r} ({ENTRY_FIELDS[key]}); add it")
            ok = False
    if not ok:
        return None

    def text(key: str) -> str:
        value, line = fields[key]
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{path}:{line}: {key} is empty; write {ENTRY_FIELDS[key]}")
            return ""
        return value.strip()

    def text_list(key: str) -> tuple[str, ...]:
        value, line = fields[key]
        if not isinstance(value, list) or not value:
            problems.append(f"{path}:{line}: {key} must be a non-empty list; add '- ...' items")
            return ()
        items = []
        for offset, item in enumerate(value, start=1):
            if not isinstance(item, str | int | float) or not str(item).strip():
                problems.append(
                    f"{path}:{line + offset}: empty item in {key}; write text or delete the line"
                )
                continue
            items.append(str(item).strip())
        return tuple(items)

    entry_id = text("id")
    if entry_id and not ID_RE.fullmatch(entry_id):
        problems.append(
            f"{path}:{fields['id'][1]}: id {entry_id!r} must be lowercase letters, "
            "digits and dashes"
        )
    quote = text("quote")
    folded_quote = fold_whitespace(quote)
    if quote and body and folded_quote not in body:  # no body: reported once
        problems.append(
            f"{path}:{fields['quote'][1]}: quote is not verbatim in the article body; "
            "copy the exact characters from knowledge/article.txt"
        )
    popular, popular_line = fields.get("popular", (False, 0))
    if not isinstance(popular, bool):
        problems.append(f"{path}:{popular_line}: popular must be true or false")
    entry = Entry(
        id=entry_id,
        topic=text("topic"),
        topic_en=text("topic_en"),
        answer_ko=text("answer_ko"),
        answer_en=text("answer_en"),
        quote=quote,
        questions=text_list("questions"),
        keywords=text_list("keywords"),
        popular=popular is True,
        source=where,
        facts=tuple(
            replace(
                f,
                quote=quote
                if fold_whitespace(f.value) in folded_quote
                else sentence_of(f.value, raw_body or body),
            )
            for f in _facts(path, facts_node, body, problems)
        ),
    )
    return entry


_SENTENCE_END = re.compile(r"(?<=[.!?])[”’\"]?\s")


def sentence_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `body` in `fold_whitespace(body)`, in order.

    A line break always ends a sentence: a photo caption is not part of the next paragraph.
    """
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in body.splitlines():
        folded = fold_whitespace(line)
        if not folded:
            continue
        start = 0
        for end in [m.end() for m in _SENTENCE_END.finditer(folded)] + [len(folded)]:
            piece = folded[start:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append((offset + start + lead, offset + start + len(piece.rstrip())))
            start = end
        offset += len(folded) + 1  # the single space that folding leaves between lines
    return spans


def sentence_of(value: str, body: str) -> str:
    """The sentence of `body` in which `value` first occurs, whitespace folded."""
    folded = fold_whitespace(body)
    at = folded.find(fold_whitespace(value))
    if at < 0:
        return ""
    spans = sentence_spans(body)
    start = max((s for s, _ in spans if s <= at), default=0)
    end = min((e for _, e in spans if e >= at + len(fold_whitespace(value))), default=len(folded))
    return folded[start:end]


def _facts(path: Path, node: yaml.Node | None, body: str, problems: list[str]) -> tuple[Fact, ...]:
    """An entry's `facts:` list; every value must be verbatim in the (folded) article body."""
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        problems.append(f"{path}:{_line(node)}: facts must be a list of '- type: ...' items")
        return ()
    facts: list[Fact] = []
    for item in node.value:
        where = f"{path}:{_line(item)}"
        if not isinstance(item, yaml.MappingNode):
            problems.append(f"{where}: a fact needs 'type:' and 'value:' fields")
            continue
        values: dict[str, tuple[object, int]] = {}
        for key_node, value_node in item.value:
            key, line = str(key_node.value), _line(key_node)
            if key not in FACT_FIELDS:
                problems.append(
                    f"{path}:{line}: unknown fact field {key!r}; allowed: {', '.join(FACT_FIELDS)}"
                )
                continue
            values[key] = (_scalar(value_node), line)
        fact = _fact(where, path, values, body, problems)
        if fact is not None:
            facts.append(fact)
    return tuple(facts)


def _fact(
    where: str, path: Path, values: dict[str, tuple[object, int]], body: str, problems: list[str]
) -> Fact | None:
    kind, kind_line = values.get("type", ("", 0))
    value, value_line = values.get("value", ("", 0))
    ok = True
    try:
        fact_type = FactType(str(kind))
    except ValueError:
        at = f"{path}:{kind_line}" if kind_line else where
        problems.append(f"{at}: fact type {kind!r} is unknown; use {FACT_FIELDS['type']}")
        ok = False
    text = str(value).strip() if isinstance(value, str | int | float) else ""
    if not text:
        problems.append(f"{where}: fact value is missing; write {FACT_FIELDS['value']}")
        ok = False
    elif body and fold_whitespace(text) not in body:  # no body: reported once
        problems.append(
            f"{path}:{value_line}: fact value {text!r} is not verbatim in the article body; "
            "copy the exact characters from knowledge/article.txt"
        )
        ok = False
    about, about_line = values.get("about", ([], 0))
    if not isinstance(about, list) or not all(isinstance(a, str | int | float) for a in about):
        problems.append(f"{path}:{about_line}: fact about must be a list of words")
        ok = False
    sentences: dict[str, str] = {}
    for lang in ("ko", "en"):
        sentence, line = values.get(lang, ("", 0))
        if not isinstance(sentence, str):
            problems.append(f"{path}:{line}: fact {lang} must be one sentence of text")
            ok = False
        sentences[lang] = str(sentence).strip()
    says_value = fold_whitespace(text) in fold_whitespace(sentences.get("ko", ""))
    if ok and fact_type in SHORT_FACTS and sentences["ko"] and not says_value:
        problems.append(
            f"{path}:{values['ko'][1]}: the ko sentence must state the value {text!r} as "
            "written (it is what the user asked for); rewrite the sentence around it"
        )
        ok = False
    if not ok:
        return None
    assert isinstance(about, list)
    return Fact(
        type=fact_type,
        value=text,
        about=tuple(str(a).strip() for a in about if str(a).strip()),
        ko=sentences["ko"],
        en=sentences["en"],
    )


def _aliases(path: Path, problems: list[str]) -> tuple[dict[str, str], tuple[str, ...], Subject]:
    """aliases.yaml: `aliases: {canonical: [variants]}`, `names: [people and organisations]`
    and `subject: {term: name, forms: [ways to write it]}`. Problems point at their line."""
    node = _compose(path, problems)
    if node is None:
        return {}, (), Subject()
    allowed = ("aliases", "names", "subject")
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            f"{path}:{_line(node)}: expected only the keys 'aliases', 'names' and 'subject'"
        )
        return {}, (), Subject()
    sections: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key not in allowed:
            problems.append(
                f"{path}:{_line(key_node)}: unknown key {key!r}; expected only 'aliases', "
                "'names' and 'subject'"
            )
            continue
        sections[key] = value_node
    aliases, lines = _alias_map(path, sections.get("aliases"), problems)
    for canonical in sorted(set(aliases.values())):
        clashes = [v for v in aliases if v in canonical]
        if clashes:
            problems.append(
                f"{path}:{lines[canonical]}: canonical form {canonical!r} contains the variant "
                f"{clashes[0]!r}; rename one so normalising twice gives the same text"
            )
    names_node = sections.get("names")
    names = _scalar(names_node) if names_node is not None else None
    if names is None:
        names = []
    if not isinstance(names, list):
        assert names_node is not None
        problems.append(f"{path}:{_line(names_node)}: names must be a list ('- name' lines)")
        names = []
    return aliases, tuple(str(n) for n in names), _subject(path, sections.get("subject"), problems)


def _alias_map(
    path: Path, node: yaml.Node | None, problems: list[str]
) -> tuple[dict[str, str], dict[str, int]]:
    """variant → canonical, and the line of each canonical form."""
    aliases: dict[str, str] = {}
    lines: dict[str, int] = {}
    if node is None or _scalar(node) is None:
        return aliases, lines
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            f"{path}:{_line(node)}: aliases must map a canonical form to a list of variants"
        )
        return aliases, lines
    for key_node, value_node in node.value:
        canonical = str(_scalar(key_node))
        variants = _scalar(value_node)
        if not isinstance(variants, list) or not variants:
            problems.append(
                f"{path}:{_line(key_node)}: aliases.{canonical} must be a non-empty list of "
                "variants, e.g. [variant one, variant two]"
            )
            continue
        lines[canonical] = _line(key_node)
        for variant in variants:
            aliases[str(variant)] = canonical
    return aliases, lines


def _subject(path: Path, node: yaml.Node | None, problems: list[str]) -> Subject:
    data = _scalar(node) if node is not None else None
    if data is None:
        return Subject()
    if (
        not isinstance(data, dict)
        or set(data) != {"term", "forms"}
        or not isinstance(data["forms"], list)
        or not str(data["term"] or "").strip()
    ):
        line = _line(node) if node is not None else 1
        problems.append(
            f"{path}:{line}: subject must be 'term: the name' and 'forms: [every way to write it]'"
        )
        return Subject()
    term = str(data["term"]).strip()
    forms = {str(f).strip().casefold() for f in data["forms"] if str(f).strip()}
    return Subject(term, frozenset(forms | {term.casefold()}))
