"""Checks of the evaluation datasets tests/data/dev_*.jsonl against their corpus folders.

Format (JSON Lines, UTF-8, NFC), one question per line:
    {"id": "s099", "question": "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?",
     "answers": ["với 55.369 đảng viên"], "answer": "55.369", "type": "how_many", "slice": "vi",
     "category": "answerable", "group": "s099", "doc": "002_ec9a05d4f704e603", "split": "tune"}
- answers: evidence copied verbatim from the article body; [] = the articles cannot answer it.
- answer: the short answer, inside one of the evidence strings (null when unanswerable).
- type: who | how_many | when | where | what | why | yes_no; slice: vi | no_diacritics | english.
- category: answerable | near_miss (same kind of question about an entity, time or fact the articles do
  not give) | off_topic (outside the corpus); doc is null for the last two.
- group: id of the answerable question a variant or near miss derives from (its own id for a base;
  "s-off-NN" for off-topic); split: sha1(group) % 10 < 3 -> heldout else tune, so no variant of a
  question sits in the other split.

Evidence is matched against the body as the loader sees it (`read_article(path).text`: header, captions
and footer removed), after NFC and whitespace collapsing. Left out on purpose: whether the questions are
good ones (a reading job) and retrieval quality (`qa eval`). No model is loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from embeddings.ingest.load import corpus_files, read_article

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
# dataset file -> the corpus folder its `doc` ids refer to; a new dev_*.jsonl must be added here
CORPUS_FOR = {
    "dev_seed.jsonl": ROOT / "corpus",
    "dev_news2.jsonl": DATA / "news2",
    "dev_news3.jsonl": DATA / "news3",
    "dev_news4.jsonl": DATA / "news4",
    "dev_news5.jsonl": DATA / "news5",
}
DATASETS = sorted(DATA.glob("dev_*.jsonl"))

REQUIRED = ("id", "question", "answers", "type", "slice", "category", "group", "doc", "split")
TYPES = {"who", "how_many", "when", "where", "what", "why", "yes_no"}
SLICES = {"vi", "no_diacritics", "english"}
CATEGORIES = {"answerable", "near_miss", "off_topic"}
SPLITS = {"tune", "heldout"}
MIN_UNANSWERABLE = 0.35
HELDOUT_RANGE = (0.2, 0.4)


def norm(text: str) -> str:
    """NFC + runs of whitespace collapsed to one space, so line breaks in the article do not matter."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def split_for(group: str) -> str:
    """The split rule: sha1(group) % 10 < 3 -> heldout (about 30%), else tune. >>> split_for("s001") -> 'heldout'."""
    return "heldout" if int(hashlib.sha1(group.encode()).hexdigest(), 16) % 10 < 3 else "tune"


def has_diacritics(text: str) -> bool:
    decomposed = unicodedata.normalize("NFD", text)
    return any(unicodedata.combining(ch) for ch in decomposed) or "đ" in text.lower()


@cache
def rows_of(path: Path) -> tuple[dict, ...]:
    """Parsed lines of a dataset; a line that is not a JSON object fails the test that reads it."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            pytest.fail(f"{path.name} line {number}: invalid JSON ({exc.msg})")
        if not isinstance(row, dict):
            pytest.fail(f"{path.name} line {number}: expected a JSON object, got {type(row).__name__}")
        rows.append(row)
    return tuple(rows)


@cache
def articles_for(path: Path) -> dict[str, str]:
    """doc id -> normalized body text of the corpus folder that `path` refers to."""
    if path.name not in CORPUS_FOR:
        pytest.fail(f"{path.name}: no corpus folder known; add it to CORPUS_FOR in tests/test_dataset.py")
    folder = CORPUS_FOR[path.name]
    if not folder.is_dir():
        pytest.fail(f"{path.name}: its corpus folder {folder} does not exist")
    return {file.stem: norm(read_article(file).text) for file in corpus_files(folder)}


def is_answerable(row: dict) -> bool:
    return row["category"] == "answerable"


# ---- checks: pure functions over parsed rows, each returning its problems (empty list = fine)


def field_problems(rows: Sequence[dict]) -> list[str]:
    """Required fields, allowed values, and the answerable/unanswerable shape (evidence, answer, doc)."""
    problems = []
    for row in rows:
        rid = row.get("id", "?")
        missing = [key for key in REQUIRED if key not in row]
        if missing:
            problems.append(f"{rid}: missing {missing}")
            continue
        for key, allowed in (("type", TYPES), ("slice", SLICES), ("category", CATEGORIES), ("split", SPLITS)):
            if row[key] not in allowed:
                problems.append(f"{rid}: {key}={row[key]!r} not in {sorted(allowed)}")
        if not isinstance(row["question"], str) or not row["question"].strip():
            problems.append(f"{rid}: empty question")
        if not isinstance(row["answers"], list) or not all(isinstance(a, str) and a.strip() for a in row["answers"]):
            problems.append(f"{rid}: answers must be a list of non-empty strings")
        elif is_answerable(row) != bool(row["answers"]):
            problems.append(f"{rid}: category {row['category']} with {len(row['answers'])} evidence string(s)")
        if is_answerable(row):
            if not isinstance(row.get("answer"), str) or not row["answer"].strip():
                problems.append(f"{rid}: answerable without a short answer")
            if not isinstance(row["doc"], str):
                problems.append(f"{rid}: answerable without a doc")
        elif row["doc"] is not None or row.get("answer") is not None:
            problems.append(f"{rid}: unanswerable needs doc null and no answer")
    return problems


def duplicate_ids(rows: Sequence[dict]) -> list[str]:
    seen, duplicates = set(), []
    for row in rows:
        if row["id"] in seen:
            duplicates.append(row["id"])
        seen.add(row["id"])
    return duplicates


def text_problems(rows: Sequence[dict]) -> list[str]:
    """Text not in NFC, and questions of the no_diacritics slice that still carry diacritics."""
    problems = []
    for row in rows:
        texts = [row["question"], *row["answers"], row.get("answer") or ""]
        if any(unicodedata.normalize("NFC", t) != t for t in texts):
            problems.append(f"{row['id']}: not NFC")
        if row["slice"] == "no_diacritics" and has_diacritics(row["question"]):
            problems.append(f"{row['id']}: no_diacritics question with diacritics")
    return problems


def evidence_problems(rows: Sequence[dict], articles: dict[str, str]) -> list[str]:
    """Evidence not verbatim in its article (articles: doc id -> norm(body)), answer not inside its evidence."""
    problems = []
    for row in filter(is_answerable, rows):
        body = articles.get(row["doc"])
        if body is None:
            problems.append(f"{row['id']}: unknown doc {row['doc']!r}")
            continue
        problems += [f"{row['id']}: evidence {ev!r} not in {row['doc']}" for ev in row["answers"] if norm(ev) not in body]
        if not any(norm(row["answer"]) in norm(ev) for ev in row["answers"]):
            problems.append(f"{row['id']}: answer {row['answer']!r} in no evidence string")
    return problems


def group_problems(rows: Sequence[dict]) -> list[str]:
    """A variant or near miss names an answerable question's id as group; off-topic groups are their own."""
    answerable_ids = {row["id"] for row in rows if is_answerable(row)}
    problems = []
    for row in rows:
        if row["category"] == "off_topic" and row["group"] in answerable_ids:
            problems.append(f"{row['id']}: off-topic in the group of answerable {row['group']}")
        elif row["category"] != "off_topic" and row["group"] not in answerable_ids:
            problems.append(f"{row['id']}: group {row['group']!r} is no answerable question")
    return problems


def split_problems(rows: Sequence[dict]) -> list[str]:
    """Rows whose split breaks the sha1 rule, and groups spread over both splits."""
    splits_of_group = defaultdict(set)
    problems = []
    for row in rows:
        splits_of_group[row["group"]].add(row["split"])
        if row["split"] != split_for(row["group"]):
            problems.append(f"{row['id']}: split {row['split']} but group {row['group']} -> {split_for(row['group'])}")
    problems += [f"group {g}: both splits" for g, splits in splits_of_group.items() if len(splits) > 1]
    return problems


def share(rows: Sequence[dict], predicate) -> float:
    return sum(map(predicate, rows)) / len(rows)


# ---- the datasets present in tests/data

each_dataset = pytest.mark.parametrize("path", DATASETS, ids=[p.name for p in DATASETS])


@each_dataset
def test_every_line_is_a_json_object(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [n for n, line in enumerate(lines, start=1) if not line.strip()] == []  # no blank lines
    assert len(rows_of(path)) == len(lines)


@each_dataset
def test_fields_and_allowed_values(path):
    assert field_problems(rows_of(path)) == []


@each_dataset
def test_ids_are_unique(path):
    assert duplicate_ids(rows_of(path)) == []


@each_dataset
def test_text_is_nfc_and_slices_match(path):
    assert text_problems(rows_of(path)) == []


@each_dataset
def test_evidence_in_article_and_answer_in_evidence(path):
    assert evidence_problems(rows_of(path), articles_for(path)) == []


@each_dataset
def test_groups_derive_from_answerable_questions(path):
    assert group_problems(rows_of(path)) == []


@each_dataset
def test_split_follows_the_group_rule(path):
    assert split_problems(rows_of(path)) == []


@each_dataset
def test_shares(path):
    rows = rows_of(path)
    unanswerable = share(rows, lambda row: not is_answerable(row))
    heldout = share(rows, lambda row: row["split"] == "heldout")
    assert unanswerable >= MIN_UNANSWERABLE, f"{path.name}: only {unanswerable:.1%} unanswerable"
    assert HELDOUT_RANGE[0] <= heldout <= HELDOUT_RANGE[1], f"{path.name}: heldout share {heldout:.1%}"


# ---- the checks themselves, on a hand-made dataset with known faults


def test_split_rule_by_hand():
    """Groups whose sha1 % 10 was worked out once by hand: s001 -> 0, s003 -> 4, s-off-01 -> 6."""
    assert [split_for(g) for g in ("s001", "s003", "s-off-01")] == ["heldout", "tune", "tune"]


def test_checks_catch_a_broken_dataset():
    articles = {"d1": norm("Đảng bộ   Cần Thơ có\n55.369 đảng viên.")}  # whitespace collapsed before matching
    ok = {"answers": ["Cần Thơ có 55.369 đảng viên"], "answer": "55.369", "type": "how_many", "slice": "vi"}
    ok |= {"category": "answerable", "doc": "d1"}
    rows = [
        ok | {"id": "s001", "question": "Cần Thơ có bao nhiêu đảng viên?", "group": "s001", "split": "heldout"},  # fine
        ok
        | {"id": "s003", "question": "can tho có bao nhieu dang vien", "slice": "no_diacritics"}  # diacritic "ó"
        | {"group": "s003", "split": "heldout", "answer": "55.370"},  # split should be tune; answer not in evidence
        ok
        | {"id": "s003", "question": "Cần Thơ?", "answers": ["Cần Thơ có 55.369 Đảng viên"]}  # duplicate id
        | {"group": "s001", "split": "tune", "type": "how_much"},  # evidence case differs; unknown type; split
        {"id": "s004", "question": "Long An có bao nhiêu đảng viên?", "answers": [], "answer": None}
        | {"type": "how_many", "slice": "vi", "category": "near_miss", "group": "s009", "doc": None, "split": "heldout"},
        {"id": "s005", "question": "Giá xăng?", "answers": [], "type": "what", "slice": "vi", "category": "off_topic"}
        | {"group": "s001", "doc": "d1", "split": "heldout"},  # doc must be null; joins an answerable group
    ]
    assert field_problems(rows) == [
        "s003: type='how_much' not in ['how_many', 'what', 'when', 'where', 'who', 'why', 'yes_no']",
        "s005: unanswerable needs doc null and no answer",
    ]
    assert duplicate_ids(rows) == ["s003"]
    assert text_problems(rows) == ["s003: no_diacritics question with diacritics"]
    assert evidence_problems(rows, articles) == [
        "s003: answer '55.370' in no evidence string",
        "s003: evidence 'Cần Thơ có 55.369 Đảng viên' not in d1",
    ]
    assert group_problems(rows) == [
        "s004: group 's009' is no answerable question",
        "s005: off-topic in the group of answerable s001",
    ]
    assert split_problems(rows) == [
        "s003: split heldout but group s003 -> tune",
        "s003: split tune but group s001 -> heldout",
        "s004: split heldout but group s009 -> tune",
        "group s001: both splits",
    ]
