"""The question is read once: `read_question` fills every field, and an answer reads its question exactly once."""

import pytest

from embeddings.build import build_index
from embeddings.stores.faiss_folder import load_index
from qa.answering import answer as answer_module
from qa.answering.answer import answer_question
from qa.answering.answerability import load_model
from qa.reading import question as question_module
from qa.reading.question import Question, as_question, read_question
from qa.retrieval.searcher import Searcher


def test_fields_by_hand():
    q = read_question("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên năm 2020?")
    assert (q.language, q.kind, q.counted, q.post) == ("vi", "how_many", "dang vien", None)
    assert q.names == ("Cần Thơ",) and q.aliases == (("can tho", "cantho"),)
    assert q.numbers == ("2020",) and q.years == {"2020"} and q.places == {"can tho"}
    assert q.folded.startswith("dang bo thanh pho can tho") and "can_tho" in q.pairs and "can_tho" in q.tokens
    assert not q.recent


def test_english_and_no_diacritics_read_alike():
    english = read_question("Who is the chairman of the Lao Cai People's Committee?")
    plain = read_question("ai la chu tich ubnd tinh lao cai")
    assert (english.language, english.kind, english.post) == ("en", "who", "chu tich")
    assert (plain.language, plain.kind, plain.post) == ("vi", "who", "chu tich ubnd tinh")
    assert english.places == plain.places == {"lao cai"}


def test_nfc_and_as_question():
    decomposed = "Ha\u0300 Nô\u0323i"  # "Hà Nội" typed with combining marks
    q = read_question(f"{decomposed} có bao nhiêu quận?")
    assert q.text.startswith("Hà Nội") and q.places == {"ha noi"}
    assert as_question(q) is q and isinstance(as_question("Ai?"), Question)
    with pytest.raises(AttributeError):
        q.text = "x"  # frozen


def test_an_answer_reads_its_question_once(tmp_path, corpus_copy, options, fake_encoder, monkeypatch):
    build_index(corpus_copy, tmp_path / "index", options, encoder=fake_encoder)
    searcher = Searcher(load_index(tmp_path / "index"), fake_encoder)
    reads = []
    original = question_module.read_question

    def counting(text):
        reads.append(text)
        return original(text)

    monkeypatch.setattr(question_module, "read_question", counting)  # what as_question calls
    monkeypatch.setattr(answer_module, "read_question", counting)  # the entrance of answer_question
    answer = answer_question("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", searcher, model=load_model())
    assert reads == ["Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?"]
    assert answer.evidence  # the signals were computed, all from that one reading
