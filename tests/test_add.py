"""Adding articles: URLs through a local HTTP server (SSRF protection off only here), files, and `qa add`."""

from __future__ import annotations

import argparse
import http.server
import threading

import pytest

from embeddings.errors import CorpusError
from embeddings.ingest.corpus import add_file, remove_article, safe_name
from embeddings.ingest.fetch import check_url, fetch_article, file_name_for
from embeddings.ingest.load import load_corpus
from qa.cli.add import add_items, register

from .format_files import FORMATS_DATA, image_pdf, make_docx

METRO = (FORMATS_DATA / "metro.html").read_bytes()
PAGES = {
    "/tin/xe-buyt-dien.html": ("text/html; charset=utf-8", METRO),
    "/tin/khong-co-bai.html": ("text/html", b"<html><body><nav>Trang ch\xe1\xbb\xa7</nav></body></html>"),
    "/files/bao-cao.pdf": ("application/pdf", b"%PDF-1.7\n%fake\n"),
    "/big.html": ("text/html", b"<html><body>" + b"<p>x</p>" * 800_000 + b"</body></html>"),  # 6.4 MB
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path not in PAGES:
            self.send_error(404)
            return
        content_type, body = PAGES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetch_saves_the_raw_page_under_a_safe_name(server, tmp_path):
    url = f"{server}/tin/xe-buyt-dien.html"
    path = fetch_article(url, tmp_path, ssrf_protection=False)
    assert path == tmp_path / "127.0.0.1_tin_xe-buyt-dien.html"
    assert path.read_bytes() == METRO
    # the same page again: the file already there, no copy
    assert fetch_article(url, tmp_path, ssrf_protection=False) == path
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    doc = load_corpus(tmp_path).documents[0]
    assert (doc.doc_id, doc.title, doc.date) == (
        path.stem,
        "Đà Lạt khởi công tuyến xe buýt điện nối sân bay Liên Khương",
        "2025-10-14",
    )


def test_a_different_page_with_the_same_name_does_not_overwrite(server, tmp_path):
    taken = tmp_path / "127.0.0.1_tin_xe-buyt-dien.html"
    taken.write_text("another article", encoding="utf-8")
    path = fetch_article(f"{server}/tin/xe-buyt-dien.html", tmp_path, ssrf_protection=False)
    assert path.name == "127.0.0.1_tin_xe-buyt-dien-2.html"
    assert taken.read_text(encoding="utf-8") == "another article"


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/files/bao-cao.pdf", "not a web page (application/pdf)"),
        ("/tin/khong-co-bai.html", "no article body"),
        ("/missing.html", "HTTP 404"),
        ("/big.html", "could not be downloaded (larger than 5 MB)"),
    ],
)
def test_bad_pages_are_refused_and_nothing_is_written(server, tmp_path, path, reason):
    url = f"{server}{path}"
    with pytest.raises(CorpusError) as err:
        fetch_article(url, tmp_path, ssrf_protection=False)
    assert str(err.value).startswith(f"{url}: ") and reason in str(err.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://127.0.0.1:9/x.html", "is a private or local address (127.0.0.1)"),
        ("http://localhost/x.html", "is a private or local address"),
        ("http://10.1.2.3/x.html", "is a private or local address (10.1.2.3)"),
        ("http://[::1]/x.html", "is a private or local address (::1)"),
        ("http://169.254.169.254/latest/meta-data/", "is a private or local address (169.254.169.254)"),
        ("ftp://example.com/x", "not a web address"),
        ("file:///etc/passwd", "not a web address"),
        ("http://no-such-host.invalid/x", "unreachable, the host no-such-host.invalid cannot be resolved"),
    ],
)
def test_private_and_unreachable_urls_are_refused_with_protection_on(tmp_path, url, reason):
    with pytest.raises(CorpusError) as err:
        fetch_article(url, tmp_path)
    assert str(err.value).startswith(f"{url}: ") and reason in str(err.value)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_protection_also_holds_inside_trafilatura(server):
    """Our check skipped: trafilatura's own connection vetting still refuses loopback (defence in depth)."""
    from trafilatura.downloads import fetch_response

    from embeddings.ingest.fetch import _config

    assert fetch_response(f"{server}/tin/xe-buyt-dien.html", config=_config(True)) is None
    assert fetch_response(f"{server}/tin/xe-buyt-dien.html", config=_config(False)).status == 200


def test_closed_port_is_unreachable(tmp_path):
    with pytest.raises(CorpusError, match=r"^http://127.0.0.1:9/x.html: could not be downloaded \("):
        fetch_article("http://127.0.0.1:9/x.html", tmp_path, ssrf_protection=False)


def test_check_url_returns_the_host():
    assert check_url("http://127.0.0.1:8000/a", ssrf_protection=False) == "127.0.0.1"


def test_file_names():
    assert file_name_for("https://vnexpress.net/thoi-su/ha-noi-mo-rong-duong-4951234.html?utm=x") == (
        "vnexpress.net_thoi-su_ha-noi-mo-rong-duong-4951234.html"
    )
    assert file_name_for("https://báo.vn/tin-tức/đà-nẵng") == "bao.vn_tin-tuc_da-nang.html"
    assert safe_name("../../etc/Bài báo: Hà Nội?.PDF") == "Bai_bao_Ha_Noi.pdf"
    assert safe_name("..\\..\\win\\tin.docx") == "tin.docx"
    assert safe_name("...") == "article"


def test_add_file_validates_copies_and_never_overwrites(tmp_path):
    corpus = tmp_path / "corpus"
    source = make_docx(tmp_path / "Cầu Trần Hoàng Na.docx")
    path, existed = add_file(source, corpus)
    assert (path, existed) == (corpus / "Cau_Tran_Hoang_Na.docx", False)
    assert add_file(source, corpus) == (path, True)  # same bytes: not copied twice
    other = tmp_path / "x.txt"
    other.write_text("Một bài báo khác về Cần Thơ có tiêu đề dài\n\nNội dung khác.", encoding="utf-8")
    assert add_file(other, corpus, name="Cau_Tran_Hoang_Na.txt")[0] == corpus / "Cau_Tran_Hoang_Na.txt"
    assert add_file(other, corpus, name="../Cau Tran Hoang Na.docx.txt")[0] == corpus / "Cau_Tran_Hoang_Na.docx.txt"
    assert sorted(p.name for p in corpus.iterdir()) == [
        "Cau_Tran_Hoang_Na.docx",
        "Cau_Tran_Hoang_Na.docx.txt",
        "Cau_Tran_Hoang_Na.txt",
    ]


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("virus.exe", lambda p: p.write_bytes(b"MZ..."), "virus.exe: unsupported file type .exe"),
        ("scan.pdf", image_pdf, "scan.pdf: no text layer (scanned?)"),
        ("fake.docx", lambda p: p.write_text("not a zip", encoding="utf-8"), "fake.docx: not a valid DOCX file"),
        ("empty.txt", lambda p: p.write_bytes(b""), "empty.txt: the file is empty"),
    ],
)
def test_add_file_refuses_bad_files_before_writing(tmp_path, name, make, reason):
    source = tmp_path / name
    make(source)
    corpus = tmp_path / "corpus"
    with pytest.raises(CorpusError) as err:
        add_file(source, corpus)
    assert str(err.value).startswith(reason)
    assert not corpus.exists() or list(corpus.iterdir()) == []


def test_remove_article(tmp_path):
    (tmp_path / "a.txt").write_text("Một bài báo thử nghiệm về Cần Thơ\n\nNội dung.", encoding="utf-8")
    assert remove_article("a", tmp_path) == [tmp_path / "a.txt"]
    with pytest.raises(CorpusError, match="no article 'a'"):
        remove_article("a", tmp_path)


def test_add_items_mixes_urls_and_files_and_reports_each_failure(server, tmp_path):
    corpus = tmp_path / "corpus"
    docx = make_docx(tmp_path / "cau.docx")
    items = [f"{server}/tin/xe-buyt-dien.html", str(docx), f"{server}/missing.html", str(tmp_path / "nope.txt")]
    added, errors = add_items(items, corpus, ssrf_protection=False)
    assert added == [
        f"added {items[0]} -> {corpus / '127.0.0.1_tin_xe-buyt-dien.html'}",
        f"added {items[1]} -> {corpus / 'cau.docx'}",
    ]
    assert [e.split(":")[0] for e in errors] == [f"{server}/missing.html".split(":")[0], "nope.txt"]
    assert "HTTP 404" in errors[0] and "cannot be read" in errors[1]


def _parser():
    from qa.cli.common import subcommand_adder

    parser = argparse.ArgumentParser(prog="qa")
    register(subcommand_adder(parser.add_subparsers(dest="command", required=True)))
    return parser


def test_register_defines_the_add_command(tmp_path):
    args = _parser().parse_args(["add", "https://example.com/a.html", "b.pdf", "--corpus", str(tmp_path), "--quiet"])
    assert (args.items, args.corpus, args.wait, args.func.__name__) == (
        ["https://example.com/a.html", "b.pdf"],
        tmp_path,
        60.0,
        "cmd_add",
    )


@pytest.mark.slow
def test_qa_add_indexes_the_good_items_and_reports_the_bad(tmp_path, capsys):
    from embeddings.stores.faiss_folder import load_index

    index_dir, corpus_copy = tmp_path / "index", tmp_path / "corpus"
    docx = make_docx(tmp_path / "cau.docx")
    argv = ["add", str(docx), "http://127.0.0.1:9/x.html", "--corpus", str(corpus_copy), "--index-dir", str(index_dir), "--quiet"]
    args = _parser().parse_args(argv)
    assert args.func(args) == 1  # one refused
    out = capsys.readouterr().out
    assert f"added {docx} -> {corpus_copy / 'cau.docx'}" in out
    assert "error: http://127.0.0.1:9/x.html: 127.0.0.1 is a private or local address (127.0.0.1)" in out
    assert "documents: 1 added, 0 changed, 0 removed, 0 unchanged, 0 skipped" in out
    assert "cau" in load_index(index_dir).documents
