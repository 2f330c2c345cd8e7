"""Errors of the question-answering layer: subclasses of the one hierarchy rooted at embeddings.errors.QAError."""

from embeddings.errors import ConfigError, QAError

__all__ = ["ConfigError", "DatasetError", "LLMError", "QAError", "QuestionError"]


class QuestionError(QAError):
    """The question is empty, too long or otherwise unusable."""


class DatasetError(QAError):
    """An evaluation dataset, run file or answerability model file has bad content."""


class LLMError(QAError):
    """The optional language-model endpoint failed or gave an unusable reply (the caller falls back)."""
