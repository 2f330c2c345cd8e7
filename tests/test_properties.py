"""Property-based tests: the tokenizer, the chunker's offsets and the answer builder's citations."""

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embeddings.chunk import chunk_document, make_splitter
from embeddings.lexical import TOKEN_MODES, fold, tokenize
from embeddings.sentences import MAX_QUOTE_CHARS
from embeddings.types import Chunk, Document
from qa.answering.answer import assemble
from qa.answering.sentences import split_sentences
from qa.retrieval.searcher import Hit

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐÂ"
text_st = st.text(alphabet=st.sampled_from(list(VIET + " .,!?…;:\n\t-\"'()0123456789🙂<>&")), max_size=600)
any_text = st.text(max_size=300)


@settings(deadline=None)
@given(any_text, st.sampled_from(TOKEN_MODES))
def test_tokenizer_never_fails_and_folds(text, mode):
    tokens = tokenize(text, mode)
    assert all(t and t == t.lower() for t in tokens)
    if mode.startswith("folded"):
        assert all(fold(t) == t for t in tokens)
    # the same text in NFD gives the same tokens
    assert tokenize(unicodedata.normalize("NFD", text), mode) == tokens


def _count(text: str) -> int:
    return len(text.split()) + text.count(",")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_st, st.integers(8, 60), st.integers(0, 7))
def test_chunk_offsets_always_map_back(body, size, overlap):
    body = body.strip() or "x"
    doc = Document("d", "T", body, "h")
    for c in chunk_document(doc, make_splitter(size, overlap, _count)):
        assert doc.text[c.start : c.end] == c.text and c.text.strip() == c.text and c.text


@settings(max_examples=60, deadline=None)
@given(st.lists(text_st, min_size=1, max_size=4), st.data())
def test_citations_point_to_listed_sources(bodies, data):
    hits = []
    for i, body in enumerate(bodies):
        doc = Document(f"d{i}", "T", "intro\n\n" + (body.strip() or "x"), "h")
        start = 7
        chunk = Chunk(f"c{i}", doc.doc_id, start, len(doc.text), doc.text[start:], "T", None)
        hits.append(Hit(chunk, doc, 1.0, i + 1))
    sentences = [s for i, h in enumerate(hits) for s in split_sentences(i, h)]
    for s in sentences:
        assert hits[s.hit_index].document.text[s.start : s.end] == s.text
    chosen = data.draw(st.lists(st.sampled_from(sentences), unique=True, max_size=4)) if sentences else []
    chosen = sorted(chosen, key=lambda s: (s.hit_index, s.start))
    text, citations = assemble(chosen, hits)
    assert [c.n for c in citations] == list(range(1, len(citations) + 1))
    for c in citations:
        assert hits[[h.chunk.chunk_id for h in hits].index(c.chunk_id)].document.text[c.start : c.end] == c.quote
        assert f"[{c.n}]" in text
        assert len(c.quote) <= MAX_QUOTE_CHARS or c.quote in {s.text for s in chosen}  # merged quotes stay short
    import re

    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} - {c.n for c in citations} <= {
        int(n) for s in chosen for n in re.findall(r"\[(\d+)\]", s.text)
    }


def test_adjacent_sentences_share_a_citation_only_while_it_stays_short():
    sentence = "Câu văn dài về kết quả của hội nghị tổng kết, có nhiều số liệu và tên người " * 2
    body = " ".join(f"{sentence.strip()} số {i}." for i in range(3))
    doc = Document("d", "T", body, "h")
    hit = Hit(Chunk("c", "d", 0, len(body), body, "T", None), doc, 1.0, 1)
    chosen = split_sentences(0, hit)
    assert len(chosen) == 3 and all(len(s.text) < MAX_QUOTE_CHARS for s in chosen)
    _, citations = assemble(chosen, [hit])
    assert all(len(c.quote) <= MAX_QUOTE_CHARS for c in citations) and len(citations) >= 2
    assert "".join(c.quote for c in citations).replace(" ", "") == body.replace(" ", "")  # nothing lost or repeated
