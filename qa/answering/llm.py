"""Optional generative answers through any OpenAI-compatible chat endpoint, with checked citations.

The model gets the numbered passages and must cite them as [n]. Its reply is then checked:
a marker pointing to no passage is removed and flagged; each cited sentence must be supported
by its passage (word-pair overlap or embedding similarity with one of the passage's sentences),
else it is flagged. Every citation still carries an exact span of its article. Any failure or
timeout falls back to the extractive answer. Not here: streaming and tool calls.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import replace

from embeddings.lexical import syllables
from qa.errors import LLMError
from qa.messages import t
from qa.reading.asking import question_language
from qa.retrieval.searcher import syllable_pairs, syllable_set

from .answer import Answer, Citation
from .sentences import split_sentences

SUPPORT_MIN_OVERLAP = 0.5  # share of the sentence's word pairs found in the passage sentence
SUPPORT_MIN_COSINE = 0.88  # e5 cosines of unrelated sentences sit around 0.75-0.8
_MARKER = re.compile(r"\[(\d+)\]")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|(?<=\])\s+(?=[A-ZĐÀ-Ỹ])")


def build_messages(question: str, passages: list[str], lang: str = "vi") -> list[dict]:
    numbered = "\n\n".join(f"[{i}] {p}" for i, p in enumerate(passages, start=1))
    return [
        {"role": "system", "content": t("llm_system", lang)},
        {"role": "user", "content": t("llm_user", lang, passages=numbered, question=question)},
    ]


def call_chat(base_url: str, model: str, api_key: str, messages: list[dict], timeout: float) -> str:
    """POST {base_url}/chat/completions; returns the reply text or raises LLMError."""
    body = json.dumps({"model": model, "messages": messages, "temperature": 0}).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/chat/completions",
        data=body,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
        return str(data["choices"][0]["message"]["content"])
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"{exc.__class__.__name__}: {exc}") from None


def _pairs(text: str) -> frozenset[str]:
    """Word pairs of a sentence, or its syllables when it has a single one."""
    return syllable_pairs(text) or syllable_set(text)


def support(sentence: str, passage_sentences: list[str], encoder=None) -> tuple[float, float, int]:
    """(best word-pair overlap, best cosine, index of the best passage sentence) for one answer sentence."""
    mine = _pairs(_MARKER.sub("", sentence))
    overlaps = [len(mine & _pairs(p)) / len(mine) if mine else 0.0 for p in passage_sentences]
    cosines = [0.0] * len(passage_sentences)
    if encoder is not None and passage_sentences:
        vectors = encoder.encode([_MARKER.sub("", sentence), *passage_sentences], "passage")
        cosines = (vectors[1:] @ vectors[0]).tolist()
    scores = [max(o / SUPPORT_MIN_OVERLAP, c / SUPPORT_MIN_COSINE) for o, c in zip(overlaps, cosines)]
    best = max(range(len(scores)), key=scores.__getitem__) if scores else 0
    return (max(overlaps, default=0.0), max(cosines, default=0.0), best)


def check_reply(reply: str, base: Answer, encoder=None, lang: str = "vi") -> Answer:
    """Verify a model reply against the passages it was given (base.hits); returns the generative Answer."""
    hits = list(base.hits)
    warnings: list[str] = []
    sentences_out, citations = [], {}
    for sentence in [s for s in _SENTENCE.split(reply.strip()) if s.strip()]:
        numbers = [int(n) for n in _MARKER.findall(sentence)]
        bad = [n for n in numbers if not 1 <= n <= len(hits)]
        for n in bad:
            sentence = sentence.replace(f"[{n}]", "")
            warnings.append(t("llm_bad_marker", lang, n=n))
        good = [n for n in numbers if 1 <= n <= len(hits)]
        text = " ".join(sentence.split())
        if not good:
            if _pairs(text) and len(syllables(text)) > 3 and not bad:
                warnings.append(t("llm_uncited", lang, s=text[:80]))
            sentences_out.append(text)
            continue
        for n in dict.fromkeys(good):
            hit = hits[n - 1]
            spans = split_sentences(n - 1, hit)
            overlap, cosine, best = support(text, [s.text for s in spans], encoder)
            if overlap < SUPPORT_MIN_OVERLAP and cosine < SUPPORT_MIN_COSINE:
                warnings.append(t("llm_unsupported", lang, s=text[:80], n=n))
                text = text.replace(f"[{n}]", f"[{n}?]")
            elif spans and n not in citations:
                citations[n] = Citation.of(n, hit, spans[best].start, spans[best].end)
        sentences_out.append(text)
    if not citations:
        raise LLMError("the reply cites no passage that supports it")
    return replace(
        base,
        text=" ".join(sentences_out),
        citations=tuple(citations[n] for n in sorted(citations)),
        mode="generative",
        warnings=tuple(warnings),
    )


def generate_answer(base: Answer, settings, encoder=None) -> Answer:
    """The generative answer when an endpoint is configured and answers well; else `base` with a warning."""
    if not settings.llm_base_url or base.abstained or not base.hits:
        return base
    lang = question_language(base.question)  # answer in the language asked, whatever the UI language
    messages = build_messages(base.question, [h.chunk.text for h in base.hits], lang)
    try:
        reply = call_chat(settings.llm_base_url, settings.llm_model, settings.llm_api_key, messages, settings.llm_timeout)
        return check_reply(reply, base, encoder, settings.lang)  # warnings are for the reader: UI language
    except LLMError as exc:
        return replace(base, warnings=(*base.warnings, t("llm_failed", settings.lang, e=exc)))
