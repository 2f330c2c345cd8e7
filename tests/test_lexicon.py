"""The word lists of qa/reading/lexicon: NFC, no duplicates, every file loaded by the code, and the format's errors."""

import importlib
import unicodedata

import pytest

from qa.reading import lexicon

FILES = sorted(p.name for p in lexicon.FOLDER.iterdir() if p.suffix in (".txt", ".tsv"))


def _entries(name: str) -> list[str]:
    text = (lexicon.FOLDER / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_there_are_lists():
    assert "institutions.txt" in FILES and "cities.txt" in FILES and len(FILES) >= 15


@pytest.mark.parametrize("name", FILES)
def test_every_list_is_nfc_and_without_duplicates(name):
    entries = _entries(name)
    assert entries, f"{name} is empty"
    assert [e for e in entries if unicodedata.normalize("NFC", e) != e] == []
    keys = [e.split("\t")[0].lower() for e in entries]
    assert sorted({k for k in keys if keys.count(k) > 1}) == []


def test_every_list_is_loaded_by_the_code():
    for module in ("qa.reading.asking", "qa.reading.evidence", "qa.reading.places"):
        importlib.import_module(module)
    assert sorted(set(FILES) - lexicon.LOADED) == []


def test_lists_reach_the_code():
    from qa.reading import asking, evidence, places

    assert "bộ chính trị" in evidence.INSTITUTIONS and "bo chinh tri" in evidence.INSTITUTIONS  # exact and folded
    assert len(places.PROVINCES) == 63
    assert asking.role_of("Ai là Chủ tịch UBND tỉnh Lào Cai?") == "chu tich ubnd tinh"
    assert evidence.aliases_of("Hanoi") == ("ha noi", "hanoi", "tp ha noi")


def test_a_malformed_file_is_named(tmp_path, monkeypatch):
    (tmp_path / "broken.tsv").write_text("# comment\nonly-one-column\n", encoding="utf-8")
    (tmp_path / "decomposed.txt").write_text(unicodedata.normalize("NFD", "Hà Nội") + "\n", encoding="utf-8")
    monkeypatch.setattr(lexicon, "FOLDER", tmp_path)
    lexicon._lines.cache_clear()
    try:
        with pytest.raises(lexicon.LexiconError, match="broken.tsv"):
            lexicon.table("broken")
        with pytest.raises(lexicon.LexiconError, match="not NFC"):
            lexicon.words("decomposed")
    finally:
        lexicon._lines.cache_clear()
