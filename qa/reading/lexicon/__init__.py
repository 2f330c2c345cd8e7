"""The word lists question reading relies on, as plain UTF-8 files beside this module (README.md: what each is for).

Each file is read once, on first use. `words(name)` gives the entries of `name.txt` (one per line), `table(name)`
the two columns of `name.tsv`, `groups(name)` the " | "-separated forms of each line; lines starting with "#" are
comments. Imports nothing from the project: language data, no logic.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent
LOADED: set[str] = set()  # file names read so far (a test checks that every file is used)


class LexiconError(ValueError):
    """A word-list file that breaks the format (not NFC, a malformed row): the message names the file and line."""


@cache
def _lines(file_name: str) -> tuple[str, ...]:
    path = FOLDER / file_name
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if unicodedata.normalize("NFC", line) != line:
            raise LexiconError(f"{path}:{number} is not NFC; normalize the file (unicodedata.normalize('NFC', text))")
        out.append(line.strip())
    LOADED.add(file_name)
    return tuple(out)


def words(name: str) -> tuple[str, ...]:
    """The entries of `name.txt`, in file order: words("provinces")[0] == "An Giang"."""
    return _lines(f"{name}.txt")


def table(name: str) -> tuple[tuple[str, str], ...]:
    """The (left, right) rows of `name.tsv`, in file order."""
    rows = []
    for line in _lines(f"{name}.tsv"):
        left, tab, right = line.partition("\t")
        if not tab or not left.strip() or not right.strip():
            raise LexiconError(f"{FOLDER / name}.tsv: row {line!r} needs two columns separated by a tab")
        rows.append((left.strip(), right.strip()))
    return tuple(rows)


def groups(name: str) -> tuple[tuple[str, ...], ...]:
    """The groups of `name.txt`, one per line, forms separated by " | "."""
    return tuple(tuple(form.strip() for form in line.split(" | ")) for line in words(name))
