"""The chat UI for real: `qa chat` in a subprocess, headless Debian Chromium via Playwright, and gradio_client."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ui.render import answer_markdown, escape_text, sources_html

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def test_escape_blocks_html_and_markdown():
    nasty = "<script>alert(1)</script> ![x](http://evil/x.png) [link](javascript:alert(1)) **b**"
    out = escape_text(nasty)
    assert "<script>" not in out and "](" not in out and "http://" not in out and "**" not in out


def test_answer_markdown_links_only_our_markers():
    answer = {
        "question": "q",
        "query": "q",
        "answer": "Câu <b>một</b> [1]. Câu hai [2?]",
        "abstained": False,
        "citations": [],
        "hits": [],
    }
    md = answer_markdown(answer)
    assert '<a class="cite" href="#src-1" data-n="1">[1]</a>' in md and 'class="cite unsupported"' in md
    assert "<b>" not in md and "&lt;b&gt;" in md


def test_sources_highlight_exact_span():
    hit = {
        "chunk_id": "c1",
        "doc_id": "d",
        "title": "T <i>",
        "date": "2022-01-01",
        "source": "s",
        "author": None,
        "start": 100,
        "end": 120,
        "text": "Trước. Câu trích! Sau.",
    }
    cite = {
        "n": 1,
        "chunk_id": "c1",
        "doc_id": "d",
        "title": "T <i>",
        "date": "2022-01-01",
        "source": "s",
        "author": None,
        "start": 107,
        "end": 117,
        "quote": "Câu trích!",
    }
    html = sources_html({"citations": [cite], "hits": [hit]})
    assert '<mark class="cited">Câu trích!</mark>' in html and 'id="src-1"' in html and "<i>" not in html


def test_answer_span_is_marked_inside_the_quote():
    hit = {"chunk_id": "c1", "doc_id": "d", "title": "T", "date": None, "source": None, "author": None}
    hit |= {"start": 0, "end": 40, "text": "Đảng bộ có 55.369 đảng viên. Câu khác."}
    cite = {**hit, "n": 1, "start": 0, "end": 28, "quote": "Đảng bộ có 55.369 đảng viên.", "answer_start": 11, "answer_end": 17}
    html = sources_html({"citations": [cite], "hits": [hit]})
    assert '<mark class="cited">Đảng bộ có <mark class="answer">55.369</mark> đảng viên.</mark>' in html


def test_confidence_and_searched_query_are_shown():
    md = answer_markdown({"question": "q", "query": "q2", "answer": "A [1]", "confidence": 0.874, "citations": [], "hits": []})
    assert "Độ tin cậy: 87%" in md and "Đã tìm: q2" in md
    assert "Confidence: 87%" in answer_markdown({"question": "q", "query": "q", "answer": "A", "confidence": 0.874}, "en")


def test_streaming_steps_grow_one_cited_group_at_a_time():
    from ui.render import answer_steps

    answer = {"question": "q", "query": "q", "answer": "Một [1] Hai [2] Ba [3]", "citations": [], "hits": []}
    steps = answer_steps(answer)
    assert len(steps) == 3 and steps[-1] == answer_markdown(answer)
    assert ">[1]</a>" in steps[0] and "[2]" not in steps[0] and ">[2]</a>" in steps[1] and "[3]" not in steps[1]
    assert answer_steps({"error": "x"}) == [answer_markdown({"error": "x"})]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_chat(env: dict):
    """Run `qa chat` on a free port with `env`; (process, url) once it says it is ready."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "chat", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url, deadline, lines = None, time.time() + 120, []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line)
        if m := re.search(r"chat ready: (http://\S+)", line):
            url = m.group(1)
            break
    if url is None:
        proc.kill()
        pytest.fail("qa chat did not start:\n" + "".join(lines))
    assert url.startswith("http://127.0.0.1:")  # localhost by default
    return proc, url


@pytest.fixture(scope="module")
def app_url(real_index_dir, tmp_path_factory):
    feedback = tmp_path_factory.mktemp("fb") / "feedback.jsonl"
    proc, url = _start_chat({**os.environ, "QA_INDEX_DIR": str(real_index_dir), "QA_FEEDBACK_FILE": str(feedback), "CI": "true"})
    yield url, feedback
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is missing: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


@pytest.mark.slow
@pytest.mark.browser
def test_browser_question_citation_highlight_and_reload(app_url, browser, tmp_path):
    url, feedback = app_url
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.locator("#question textarea").fill("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?")
    page.locator("#send").click()
    page.wait_for_selector("#sources .source", timeout=60000)
    chat_text = page.locator("#chat").inner_text()
    assert "55.369" in chat_text and re.search(r"\[\d\]", chat_text)
    first_source = page.locator("#sources .source").first
    assert "Xây dựng, chỉnh đốn Đảng" in first_source.inner_text() and "002_ec9a05d4f704e603" in first_source.inner_text()
    page.locator("#chat a.cite").first.click()
    page.wait_for_selector("#sources .source.active mark.cited", timeout=5000)
    assert "55.369" in page.locator("#sources .source.active mark.cited").inner_text()
    page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)

    # feedback with a comment: thumbs down appends a JSON line with the question and citations
    page.locator("#feedback-comment textarea").fill("thiếu số chi bộ")
    page.locator("#chat").get_by_role("button", name=re.compile("dislike", re.IGNORECASE)).last.click()
    page.wait_for_function("() => document.querySelector('#feedback-status').innerText.includes('Cảm ơn')", timeout=10000)
    import json

    row = json.loads(feedback.read_text(encoding="utf-8").splitlines()[-1])
    assert (
        row["verdict"] == "not_helpful"
        and row["comment"] == "thiếu số chi bộ"
        and row["citations"]
        and row["index_version"].startswith("v-")
    )
    # a reload keeps the conversation and its citations
    page.reload()
    page.wait_for_selector("#sources .source", timeout=30000)
    assert "55.369" in page.locator("#chat").inner_text()

    # the index panel rebuilds in place (nothing changed: quick) and the UI switches to English
    page.get_by_text("Chỉ mục", exact=True).click()
    page.locator("#rebuild").click()
    page.wait_for_function("() => document.body.innerText.includes('Đã cập nhật chỉ mục')", timeout=60000)
    page.get_by_text("Cài đặt", exact=True).click()
    page.locator("#language").get_by_text("English").click()
    page.wait_for_function("() => document.querySelector('#send').innerText.includes('Send')", timeout=10000)
    assert "Sources" in page.locator("#sources").inner_text()
    page.close()


@pytest.mark.slow
@pytest.mark.browser
def test_browser_injection_and_abstention(app_url, browser):
    url, _ = app_url
    page = browser.new_page()
    page.goto(url)
    payload = (
        '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script> ![x](http://example.com/x.png) Dự báo thời tiết?'
    )
    page.locator("#question textarea").fill(payload)
    page.locator("#send").click()
    page.wait_for_selector("#sources .sources-title", timeout=60000)
    page.wait_for_function("() => !document.querySelector('#chat').innerText.includes('Đang tìm')", timeout=60000)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#chat img[src='x'], #chat script, #chat img[src*='example.com']").count() == 0
    text = page.locator("#chat").inner_text()
    assert "không chứa thông tin" in text and "<img" in text  # shown as text, not markup
    assert "Có thể liên quan" in page.locator("#sources").inner_text()
    page.close()


@pytest.mark.slow
def test_gradio_client_api(app_url):
    from gradio_client import Client

    url, _ = app_url
    client = Client(url, verbose=False)
    result = client.predict("Hải Phòng kiến nghị gì với Trung ương?", 5, "hybrid", "vi", api_name="/ask")
    assert result["abstained"] is False and result["citations"]
    assert result["citations"][0]["doc_id"] == "001_528bc86e38a8c041"
    assert all(f"[{c['n']}]" in result["answer"] for c in result["citations"])
    searched = client.predict("can tho", 3, "bm25", api_name="/search")
    assert len(searched["hits"]) == 3
    empty = client.predict("   ", 5, "hybrid", "vi", api_name="/ask")
    assert "error" in empty and "trống" in empty["error"]


LOAD_QUESTIONS = [
    "Hải Phòng kiến nghị gì với Trung ương?",
    "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?",
    "can tho co bao nhieu chi bo truc thuoc",
    "What did Hai Phong propose to the Central Committee?",
    "Dự báo thời tiết ngày mai?",
    "Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới?",
]


@pytest.mark.slow
def test_twenty_concurrent_clients(app_url, tmp_path):
    """20 gradio_client users asking for a bounded time: no errors, every answer well-formed; p95 written out."""
    import json
    import threading

    from gradio_client import Client

    url, _ = app_url
    seconds, latencies, errors = 20.0, [], []
    lock = threading.Lock()

    def user(i: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(repr(exc))
            return
        end, n = time.time() + seconds, i
        while time.time() < end:
            q = LOAD_QUESTIONS[n % len(LOAD_QUESTIONS)]
            n += 1
            started = time.perf_counter()
            try:
                result = client.predict(q, 5, "hybrid", "vi", api_name="/ask")
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - started
            ok = (
                "error" not in result
                and isinstance(result.get("abstained"), bool)
                and all(f"[{c['n']}]" in result["answer"] for c in result["citations"])
            )
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(f"malformed answer for {q!r}: {str(result)[:200]}")

    threads = [threading.Thread(target=user, args=(i,)) for i in range(20)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=seconds + 120)
    assert not errors, errors[:5]
    assert len(latencies) >= 20
    ordered = sorted(latencies)
    report = {
        "clients": 20,
        "seconds": seconds,
        "answers": len(ordered),
        "p50_s": round(ordered[len(ordered) // 2], 3),
        "p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "max_s": round(ordered[-1], 3),
    }
    (tmp_path / "load.json").write_text(json.dumps(report, indent=2))
    print("load:", report)


NEW_ARTICLE = """Cầu Vĩnh Hưng được thông xe sau 14 tháng thi công

Thứ Ba, 12/11/2024, 09:30 (GMT+7)

Sáng 12/11, tỉnh Sóc Trăng tổ chức lễ thông xe cầu Vĩnh Hưng bắc qua sông Mỹ Thanh, với tổng vốn đầu tư 412 tỷ đồng.

Cầu dài 1.280 mét, rộng 12 mét, do Công ty Cổ phần Xây dựng Cửu Long thi công trong 14 tháng.

Ông Lâm Văn Khải, Giám đốc Sở Giao thông vận tải, cho biết cầu rút ngắn quãng đường từ huyện Trần Đề về trung tâm tỉnh thêm 18 km.

Theo Báo Sóc Trăng
"""


def _user_cache_files() -> set[str]:
    """Everything in the user's cache (embeddings.encoders.convert.cache_root) but the converted model's folder."""
    from embeddings.encoders.convert import cache_root

    root = cache_root()
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.relative_to(root).parts[0] != "models"}
        if root.exists()
        else set()
    )


def _home_cache_entries() -> set[str]:
    """What lies in the user's own ~/.cache and ~/.config (Chromium, dconf and matplotlib write there if let)."""
    home = Path.home()
    return {str(p.relative_to(home)) for d in (home / ".cache", home / ".config") if d.exists() for p in d.rglob("*")} - {
        str(p.relative_to(home)) for p in (home / ".cache" / "qa-news" / "models").rglob("*")
    }


ROWS_JS = "document.querySelectorAll('#articles-table .virtual-row')"  # gr.Dataframe renders only rows in view


def _table_rows(page) -> list[list[str]]:
    """The Articles table's rendered rows, as cell texts."""
    return page.evaluate(
        f"() => [...{ROWS_JS}].map(row => [...row.querySelectorAll('[role=gridcell]')].map(c => c.innerText.trim()))"
    )


def _filter_rows(page, text: str, expected: int) -> list[list[str]]:
    """Type `text` in the table's search box; the rows left once there are `expected` of them."""
    page.locator("#articles-table input.search-input").fill(text)
    page.wait_for_function(f"() => {ROWS_JS}.length === {expected}", timeout=10000)
    return _table_rows(page)


def _sort_rows(page, column: int, order: str) -> list[list[str]]:
    """Sort the table with a column header's menu ("Sort ascending" / "Sort descending"); the rendered rows."""
    page.keyboard.press("Escape")
    header = page.locator("#articles-table th").nth(column)
    header.click()
    header.locator("button.cell-menu-button").click()
    page.get_by_text(order, exact=True).first.click()
    page.wait_for_timeout(300)
    return _table_rows(page)


@pytest.mark.slow
@pytest.mark.browser
def test_browser_articles_panel_upload_filter_remove(real_index_dir, browser, tmp_path):
    """Upload a text and a Word file, read their rows and the Vietnamese summary, ask what only one answers,
    filter the table, remove both from it; the app leaves the user's cache as it was and removes its upload folder."""
    import shutil

    from .conftest import CORPUS
    from .format_files import ISSUE24_PARAGRAPHS, ISSUE24_TITLE, make_docx

    cache_before, home_before = _user_cache_files(), _home_cache_entries()
    corpus, index, uploads = tmp_path / "corpus", tmp_path / "index", tmp_path / "gradio-uploads"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(real_index_dir, index)
    uploads.mkdir()
    text_file = tmp_path / "cau-vinh-hung.txt"
    text_file.write_text(NEW_ARTICLE, encoding="utf-8")
    word_file = make_docx(tmp_path / "bai-bao.docx", ISSUE24_PARAGRAPHS, core_title="Word Document", heading=False)
    env = {**os.environ, "QA_INDEX_DIR": str(index), "QA_CORPUS_DIR": str(corpus), "CI": "true"}
    env |= {"QA_FEEDBACK_FILE": str(tmp_path / "fb.jsonl"), "GRADIO_TEMP_DIR": str(uploads)}
    proc, url = _start_chat(env)
    question = "Cầu Vĩnh Hưng dài bao nhiêu mét?"
    try:
        assert [p.name.startswith("run-") for p in uploads.iterdir()] == [True]  # this run's own folder
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("#articles-panel button").first.click()  # open the Articles accordion
        page.wait_for_selector("#articles-upload", timeout=30000)
        page.locator("#articles-upload input[type=file]").set_input_files([str(text_file), str(word_file)])
        page.wait_for_function("() => document.querySelector('#articles-log').innerText.includes('Đã thêm')", timeout=240000)
        log = page.locator("#articles-log").inner_text()
        summary = re.search(r"Đã thêm 2 bài \((\d+) đoạn\), cập nhật chỉ mục trong \d+,\d s", log)
        assert summary, log
        details = re.search(r"Chi tiết: tệp (.+?) · phiên bản v-\S+", log)
        assert details and sorted(details[1].split(", ")) == ["bai-bao.docx", "cau-vinh-hung.txt"], log
        [text_row] = _filter_rows(page, "Vĩnh Hưng", 1)  # the table's search box filters the rows
        assert text_row[:3] == ["Cầu Vĩnh Hưng được thông xe sau 14 tháng thi công", "2024-11-12", "Báo Sóc Trăng"]
        assert text_row[4:] == ["TXT", "cau-vinh-hung.txt"]
        [word_row] = _filter_rows(page, "bai-bao", 1)
        assert word_row[:3] == [ISSUE24_TITLE, "2024-03-12", "baotiengiang.vn"]  # not "Word Document", and dated
        assert word_row[4:] == ["DOCX", "bai-bao.docx"]
        assert int(text_row[3]) > 0 and int(word_row[3]) > 0 and int(text_row[3]) + int(word_row[3]) == int(summary[1])
        assert [r[1] for r in _filter_rows(page, "không rõ năm", 1)] == ["--03-25 (không rõ năm)"]  # the seed's year-less one
        page.locator("#articles-table input.search-input").fill("")
        assert _sort_rows(page, 1, "Sort ascending")[0][1] == "--03-25 (không rõ năm)"  # by date: year-less first
        assert _sort_rows(page, 1, "Sort descending")[0][:2] == [
            "Cầu Vĩnh Hưng được thông xe sau 14 tháng thi công",
            "2024-11-12",
        ]
        page.keyboard.press("Escape")

        page.locator("#question textarea").fill(question)
        page.locator("#send").click()
        page.wait_for_function("() => document.querySelector('#sources').innerText.includes('Vĩnh Hưng')", timeout=120000)
        assert "1.280" in page.locator("#chat").inner_text()

        # select the Word file's row (filtered down to it), remove it
        assert [r[0] for r in _filter_rows(page, "Rạch Miễu", 1)] == [ISSUE24_TITLE]
        page.locator("#articles-table .virtual-row [role=gridcell]").first.click()
        page.wait_for_function("() => document.querySelector('#articles-selected').innerText.includes('Đã chọn')", timeout=10000)
        assert "bai-bao.docx" in page.locator("#articles-selected").inner_text()
        page.locator("#articles-remove").click()
        page.wait_for_function("() => document.querySelector('#articles-log').innerText.includes('Đã xoá')", timeout=240000)
        assert re.search(r"Đã xoá 1 bài, cập nhật chỉ mục trong \d+,\d s", page.locator("#articles-log").inner_text())
        assert not (corpus / "bai-bao.docx").exists()
        assert _filter_rows(page, "Rạch Miễu", 0) == []

        # the uploaded text article: selected from the table, removed; its answer goes with it
        _filter_rows(page, "Vĩnh Hưng", 1)
        page.locator("#articles-table .virtual-row [role=gridcell]").first.click()
        page.wait_for_function(
            "() => document.querySelector('#articles-selected').innerText.includes('Vĩnh Hưng')", timeout=10000
        )
        page.locator("#articles-remove").click()
        page.wait_for_function(
            "() => document.querySelector('#articles-log').innerText.includes('cau-vinh-hung.txt')", timeout=240000
        )
        assert not (corpus / "cau-vinh-hung.txt").exists()
        assert _filter_rows(page, "Vĩnh Hưng", 0) == []

        page.locator("#new-chat").click()
        # subtle: wait for the new chat to be empty first; the old answer (and its sources) would satisfy the wait below
        page.wait_for_function("() => !document.querySelector('#chat').innerText.includes('1.280')", timeout=30000)
        page.locator("#question textarea").fill(question)
        page.locator("#send").click()
        page.wait_for_function(  # this answer's end: an answer shows its confidence, a refusal says the articles do not
            "() => { const chat = document.querySelector('#chat').innerText;"
            " return !chat.includes('Đang tìm') && (chat.includes('Độ tin cậy') || chat.includes('Các bài báo')); }",
            timeout=120000,
        )
        assert "1.280" not in page.locator("#chat").inner_text()
        assert "Vĩnh Hưng" not in page.locator("#sources").inner_text()
        page.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert list(uploads.iterdir()) == []  # the app removed its upload folder when it stopped
    assert _user_cache_files() == cache_before  # nothing but the converted model in the user's cache
    assert sorted(_home_cache_entries() - home_before) == []  # and nothing of Chromium's either
