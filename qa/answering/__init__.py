"""Answering: hits -> an `Answer` with [n] citations, or a refusal. Answerability (signals and the fitted model),
sentence choice, follow-ups, the LLM path; the question itself is read by `qa.reading`.

May import: `qa.reading`, `qa.retrieval`, `qa.params`, `qa.messages`, `qa.errors`, `embeddings.lexical`, `embeddings.sentences`, `embeddings.types`.
Must not import: `qa.evaluation`, `qa.cli`, `ui`, and no store or encoder directly (they come through the `Searcher`).
"""

from .answer import Answer, Citation, answer_question, answer_to_dict, clean_question, hit_to_dict
from .answerability import DEFAULT_MODEL_PATH, AnswerabilityModel, load_model

__all__ = [
    "DEFAULT_MODEL_PATH",
    "Answer",
    "AnswerabilityModel",
    "Citation",
    "answer_question",
    "answer_to_dict",
    "clean_question",
    "hit_to_dict",
    "load_model",
]
