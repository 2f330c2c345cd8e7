"""The chat app's upload folder (issue 24, part 4): one per run, inside GRADIO_TEMP_DIR, gone when the app stops.

The whole path (a real `qa chat`, uploads, SIGTERM, the user's cache untouched) is in
tests/test_ui.py::test_browser_articles_panel_upload_filter_remove.
"""

from __future__ import annotations

import os

from ui.uploads import ENV, open_upload_folder, remove_upload_folder


def test_tests_never_upload_into_the_users_cache(upload_folder):
    from embeddings.encoders.convert import cache_root

    assert os.environ[ENV] == str(upload_folder)  # tests/conftest.py gives every test its own folder
    assert not upload_folder.resolve().is_relative_to(cache_root().resolve())


def test_a_run_gets_its_own_folder_and_removes_it(tmp_path, monkeypatch):
    base = tmp_path / "given"
    base.mkdir()
    (base / "someone-else.txt").write_text("x", encoding="utf-8")
    monkeypatch.setenv(ENV, str(base))
    folder = open_upload_folder(tmp_path / "unused-default")
    assert folder.path.parent == base and folder.path.name.startswith("run-") and os.environ[ENV] == str(folder.path)
    (folder.path / "abc123").mkdir()
    (folder.path / "abc123" / "bai.docx").write_bytes(b"PK")  # what Gradio writes for an upload
    remove_upload_folder(folder)
    assert sorted(p.name for p in base.iterdir()) == ["someone-else.txt"]  # the user's folder and its files stay
    assert os.environ[ENV] == str(base)


def test_the_default_base_goes_too_when_left_empty(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV)
    default = tmp_path / "cache" / "uploads"
    folder = open_upload_folder(default)
    assert folder.path.parent == default and folder.own_base
    remove_upload_folder(folder)
    assert not default.exists() and ENV not in os.environ
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == []


def test_another_runs_folder_keeps_the_base(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV)
    default = tmp_path / "uploads"
    first = open_upload_folder(default)
    monkeypatch.delenv(ENV)
    second = open_upload_folder(default)
    remove_upload_folder(first)
    assert default.exists() and second.path.exists()  # the other app is still running
    remove_upload_folder(second)
    assert not default.exists()
