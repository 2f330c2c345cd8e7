"""The XLM-R SentencePiece Unigram tokenizer of the converted model, in plain Python, loading in ~0.1 s.

Why: `tokenizers.Tokenizer.from_file` spends ~1 s of CPU and ~300 MB building its trie of 250,002
pieces, which was most of the ONNX query path's cold start. The same ids come from a dict lookup
of every substring (pieces are at most 16 characters) and the Viterbi search `tokenizers` runs
(`Unigram::encode_optimized`): best total score, an unknown character costs min(score) - 10,
consecutive unknowns fuse into one <unk>. Ids are tested equal to `tokenizers` on the corpus.
Normalization as tokenizer.json says: NFKC, every Unicode white space -> " ", runs of spaces -> one,
then Metaspace (" " -> "▁", "▁" prepended, split before each "▁").
`from_tokenizer_json` refuses (returns None) any tokenizer.json of another shape; callers then use
`tokenizers`. Not handled: pairs of texts (we never encode pairs).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import numpy as np

SPACE = "▁"
UNK_PENALTY = 10.0  # tokenizers' K_UNK_PENALTY
# Rust's \s (Unicode White_Space), which is what the Replace normalizer matches; Python's \s differs (\x1c-\x1f)
_WHITE = re.compile("[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_SPACES = re.compile(" {2,}")
_RUNS = re.compile("[^" + _WHITE.pattern[1:-1] + "]+")  # runs of characters that are not (Rust's) white space
_EXPECTED = {
    "normalizer": {
        "type": "Sequence",
        "normalizers": [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": "\\s"}, "content": " "},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ],
    },
    "pre_tokenizer": {"type": "Metaspace", "replacement": SPACE, "prepend_scheme": "always", "split": True},
}


def normalize(text: str) -> str:
    """tokenizer.json's normalizer: 'Hà\u00a0Nội\n\nx' -> 'Hà Nội x'."""
    return _SPACES.sub(" ", _WHITE.sub(" ", unicodedata.normalize("NFKC", text)))


def metaspace_words(text: str) -> list[str]:
    """Metaspace pre-tokenizer (prepend always, split): 'Hà Nội' -> ['▁Hà', '▁Nội']."""
    text = text.replace(" ", SPACE)
    if not text.startswith(SPACE):
        text = SPACE + text
    return [SPACE + part for part in text[1:].split(SPACE)]


class UnigramTokenizer:
    """Text -> XLM-R ids (`<s> ... </s>`, truncated to max_tokens), without the `tokenizers` trie."""

    def __init__(self, pieces: list[str], scores: list[float], unk_id: int, bos_id: int, eos_id: int, specials: dict[str, int]):
        self.ids = dict(zip(pieces, range(len(pieces))))  # a repeated piece keeps its last id, as in tokenizers
        self.scores = scores
        self.longest = max(map(len, pieces))
        self.unk_id, self.bos_id, self.eos_id = unk_id, bos_id, eos_id
        self.unk_score = min(scores) - UNK_PENALTY
        self.specials = specials
        self._special_re = re.compile("|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True)))

    @classmethod
    def from_files(cls, folder: Path) -> UnigramTokenizer:
        """Load what `write_vocab` saved (pieces.txt, scores.npy, meta.json)."""
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        pieces = (folder / "pieces.txt").read_text(encoding="utf-8").split("\n")
        scores = np.load(folder / "scores.npy").tolist()
        return cls(pieces, scores, meta["unk_id"], meta["bos_id"], meta["eos_id"], meta["specials"])

    def word_ids(self, word: str) -> list[int]:
        """Viterbi over one pre-tokenized word: the segmentation with the highest total piece score."""
        n = len(word)
        best = [0.0] * (n + 1)
        start_of = [-1] * (n + 1)
        piece_of = [0] * (n + 1)
        for start in range(n):
            base = best[start]
            single = False
            for end in range(start + 1, min(n, start + self.longest) + 1):
                pid = self.ids.get(word[start:end])
                if pid is None:
                    continue
                score = base + self.scores[pid]
                if start_of[end] < 0 or score > best[end]:
                    best[end], start_of[end], piece_of[end] = score, start, pid
                single = single or end == start + 1
            if not single:  # no piece for this character: <unk>
                score = base + self.unk_score
                if start_of[start + 1] < 0 or score > best[start + 1]:
                    best[start + 1], start_of[start + 1], piece_of[start + 1] = score, start, self.unk_id
        out: list[int] = []
        end = n
        while end > 0:
            pid = piece_of[end]
            if not (pid == self.unk_id and out and out[-1] == self.unk_id):  # subtle: consecutive unknowns fuse
                out.append(pid)
            end = start_of[end]
        return out[::-1]

    def encode(self, text: str, max_tokens: int = 512) -> list[int]:
        """'<s>' + ids + '</s>', at most max_tokens ids (truncated at the end, like sentence-transformers)."""
        ids: list[int] = []
        position = 0
        for match in self._special_re.finditer(text) if self.specials else ():
            ids += self._segment(text[position : match.start()])
            ids.append(self.specials[match.group()])
            position = match.end()
        ids += self._segment(text[position:])
        return [self.bos_id, *ids[: max(0, max_tokens - 2)], self.eos_id]

    def encode_with_starts(self, text: str, max_tokens: int = 512) -> tuple[list[int], list[int]]:
        """`encode(text)` and, per id, where its word starts in `text` (-1 for <s> and </s>).

        Word by word over the text's runs of non-white characters: the normalizer only maps and squeezes white
        space, so the same words, hence the same ids, come out (callers compare with `encode` to be sure).
        """
        ids: list[int] = []
        starts: list[int] = []
        for run in _RUNS.finditer(text):
            for word in metaspace_words(normalize(run.group())):
                word_ids = self.word_ids(word)
                ids += word_ids
                starts += [run.start()] * len(word_ids)
        if text and _WHITE.match(text[-1]):  # subtle: trailing white space is a word of its own ("▁")
            tail = self.word_ids(SPACE)
            ids += tail
            starts += [len(text) - 1] * len(tail)
        keep = max(0, max_tokens - 2)
        return [self.bos_id, *ids[:keep], self.eos_id], [-1, *starts[:keep], -1]

    def _segment(self, text: str) -> list[int]:
        out: list[int] = []
        for word in metaspace_words(normalize(text)) if text else ():
            out += self.word_ids(word)
        return out


def write_vocab(tokenizer_json: Path, folder: Path) -> bool:
    """Save the Unigram vocabulary of `tokenizer_json` for `UnigramTokenizer.from_files`; False if its shape is another."""
    spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    model = spec.get("model", {})
    if model.get("type") != "Unigram" or model.get("byte_fallback") or any(spec.get(k) != v for k, v in _EXPECTED.items()):
        return False
    pieces = [p for p, _ in model["vocab"]]
    if any("\n" in p for p in pieces):
        return False
    specials = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
    post = spec.get("post_processor", {}).get("special_tokens", {})
    meta = {
        "unk_id": model["unk_id"],
        "bos_id": post["<s>"]["ids"][0],
        "eos_id": post["</s>"]["ids"][0],
        "specials": specials,
    }
    (folder / "pieces.txt").write_text("\n".join(pieces), encoding="utf-8")
    np.save(folder / "scores.npy", np.array([s for _, s in model["vocab"]], dtype=np.float64))
    (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False))
    return True
