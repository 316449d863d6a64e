"""Tiny but real transformer checkpoints for offline tests.

The architectures are the real ones (``BertModel``, ``AlbertModel``, ...) at hidden size 32 and two
layers; the tokenizer is a real WordPiece tokenizer over a small vocabulary. They are saved with
``save_pretrained`` and loaded back through the same code users' checkpoints go through.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

__all__ = ["TINY_ARCHITECTURES", "TINY_VOCABULARY", "save_tiny_model", "make_fake_hf_cache", "tiny_config"]

TINY_VOCABULARY = (
    "[PAD] [UNK] [CLS] [SEP] [MASK] the a an is was and or but not very this that it movie film service "
    "food price delivery order refund account password login error app crash slow fast great good bad "
    "terrible awful excellent love hate ok fine broken late early ticket help support question . , ! ? "
    "##s ##ed ##ing ##ly i you we they my your our"
).split()

TINY_ARCHITECTURES = ("bert", "distilbert", "albert", "electra", "mobilebert", "roberta", "deberta-v2")


def tiny_config(model_type: str) -> dict[str, Any]:
    """The architecture config (as a dict for ``AutoConfig.for_model``) of a tiny ``model_type``."""
    common = {"vocab_size": len(TINY_VOCABULARY), "max_position_embeddings": 128}
    if model_type == "distilbert":
        return {**common, "model_type": "distilbert", "dim": 32, "n_layers": 2, "n_heads": 2, "hidden_dim": 64}
    layers = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    if model_type == "bert":
        return {**common, **layers, "model_type": "bert"}
    if model_type in ("albert", "electra"):
        return {**common, **layers, "model_type": model_type, "embedding_size": 16}
    if model_type == "mobilebert":
        # MobileBERT's shape: narrow bottlenecks inside a wider body, stacked feed-forward networks, no LayerNorm.
        return {**common, **layers, "model_type": "mobilebert", "embedding_size": 16, "true_hidden_size": 16,
                "intra_bottleneck_size": 16, "intermediate_size": 32, "num_feedforward_networks": 2}
    if model_type == "roberta":
        # RoBERTa offsets positions by padding_idx + 1, so it needs two extra position slots.
        return {**common, **layers, "model_type": "roberta", "max_position_embeddings": 130, "pad_token_id": 0}
    if model_type == "deberta-v2":
        # DeBERTa-v3's shape: relative attention with log buckets, no absolute positions.
        return {
            **common, **layers, "model_type": "deberta-v2", "relative_attention": True, "position_buckets": 16,
            "max_relative_positions": -1, "pos_att_type": ["p2c", "c2p"], "norm_rel_ebd": "layer_norm",
            "share_att_key": True, "position_biased_input": False, "type_vocab_size": 0,
        }
    raise ValueError(f"No tiny config for model_type {model_type!r}; choose from {TINY_ARCHITECTURES}.")


def save_tiny_model(model_type: str, directory: str | Path, *, seed: int = 0) -> Path:
    """Build a tiny ``model_type`` with random weights and save model + tokenizer into ``directory``.

    Example:
        >>> import tempfile
        >>> path = save_tiny_model("bert", tempfile.mkdtemp())
        >>> sorted(p.name for p in path.iterdir())[:2]
        ['config.json', 'model.safetensors']
    """
    import torch
    from transformers import AutoConfig, AutoModel, BertTokenizer

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = dict(tiny_config(model_type))
    torch.manual_seed(seed)
    model = AutoModel.from_config(AutoConfig.for_model(**config))
    model.save_pretrained(directory)
    tokenizer = BertTokenizer(vocab={word: i for i, word in enumerate(TINY_VOCABULARY)})
    tokenizer.model_max_length = 128
    tokenizer.save_pretrained(directory)
    return directory


def make_fake_hf_cache(cache_dir: str | Path, repo_id: str, model_dir: str | Path) -> Path:
    """Lay ``model_dir``'s files out as the Hugging Face Hub cache stores a downloaded model.

    The layout is the one ``huggingface_hub`` reads: ``models--{org}--{name}/blobs/<hash>``,
    ``snapshots/<commit>/<file>`` linking to the blobs, and ``refs/main`` holding the commit.

    Returns:
        The snapshot directory.
    """
    cache_dir = Path(cache_dir)
    repo_dir = cache_dir / ("models--" + repo_id.replace("/", "--"))
    commit = hashlib.sha1(repo_id.encode()).hexdigest()
    snapshot = repo_dir / "snapshots" / commit
    blobs = repo_dir / "blobs"
    snapshot.mkdir(parents=True, exist_ok=True)
    blobs.mkdir(parents=True, exist_ok=True)
    for file in sorted(Path(model_dir).rglob("*")):
        if not file.is_file():
            continue
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        blob = blobs / digest
        if not blob.exists():
            shutil.copyfile(file, blob)
        link = snapshot / file.relative_to(model_dir)
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(Path("../" * (len(file.relative_to(model_dir).parts) + 1)) / "blobs" / digest)
    (repo_dir / "refs").mkdir(exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit)
    return snapshot
