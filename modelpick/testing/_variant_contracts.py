"""The contract every deployment variant (``modelpick.candidates.variants``) fulfils, run on a real model."""

from __future__ import annotations

import math
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from modelpick.testing._contract_inputs import _check_registered

if TYPE_CHECKING:  # annotations only: the checks import these where they run
    from modelpick.candidates.variants import Runner, Variant


def _one_line(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and "\n" not in value


def _resized(inputs: Mapping[str, Any], batch: int, length: int) -> dict[str, Any]:
    """``inputs`` tiled or cut to ``(batch, length)``; every row but the first padded from the middle on."""
    resized = {}
    for name, tensor in inputs.items():
        rows, columns = tensor.shape
        resized[name] = tensor.repeat(math.ceil(batch / rows), math.ceil(length / columns))[:batch, :length].clone()
    if "attention_mask" in resized and length >= 2:
        resized["attention_mask"][1:, length // 2 + 1:] = 0
    return resized


def mean_pooled(hidden: Any, attention_mask: Any | None) -> Any:
    """Mean of ``hidden`` over the unmasked tokens, as the linear probe pools features (float32, CPU).

    Example:
        >>> import torch
        >>> mean_pooled(torch.tensor([[[1.0], [3.0], [100.0]]]), torch.tensor([[1, 1, 0]]))
        tensor([[2.]])
    """
    import torch

    hidden = hidden.float().cpu()
    if attention_mask is None:
        return hidden.mean(dim=1)
    mask = attention_mask.cpu().unsqueeze(-1).to(torch.float32)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)


def _check_output(key: str, output: Any, inputs: Mapping[str, Any], hidden_size: int, what: str) -> None:
    import torch

    batch, length = inputs["input_ids"].shape
    assert isinstance(output, torch.Tensor), (
        f"{key}: the runner must return a torch tensor; got {type(output).__name__}"
    )
    assert output.dtype == torch.float32, f"{key}: the runner must return float32; got {output.dtype} for {what}"
    assert tuple(output.shape) == (batch, length, hidden_size), (
        f"{key}: the runner must return (batch, sequence, hidden) = {(batch, length, hidden_size)} for {what}; "
        f"got {tuple(output.shape)}"
    )
    assert not output.requires_grad, f"{key}: the runner's output must not carry an autograd graph"
    assert bool(torch.isfinite(output).all()), f"{key}: the runner returned non-finite values for {what}"


def check_variant(
    key: str,
    variant_class: type[Variant],
    model: Any,
    example_inputs: Mapping[str, Any],
    *,
    device: str = "cpu",
    num_threads: int = 1,
    min_pooled_cosine: float = 0.99,
    workdir: str | None = None,
) -> Runner | None:
    """A variant is registered under its name, says where it cannot run, and where it can, runs the
    model: the same model, at any shape, without touching the caller's model or torch's threads.

    The variant is prepared for real, in this process.

    Args:
        key: The registry key (``VARIANTS``) the class is, or will be, registered under.
        variant_class: The :class:`~modelpick.candidates.variants.Variant` subclass.
        model: A loaded encoder (``load_transformer(...).model``: eval mode, on ``device``); a tiny one.
        example_inputs: One batch of its inputs (``input_ids`` and whichever of ``attention_mask`` and
            ``token_type_ids`` it takes), as a profiler or an estimator would pass them.
        device: Where to prepare it.
        num_threads: Passed to ``prepare``.
        min_pooled_cosine: The lowest cosine similarity allowed, for every row, between the variant's
            and the model's own mean-pooled last hidden states (the estimator's features). 0.99 suits a
            variant that changes numerics (int8); an exact variant can be held to more.
        workdir: Where the variant may write files; when ``None``, a new temporary directory, removed with the
            runner (or at once when the variant cannot run here).

    Returns:
        The prepared runner, for checks of the variant's own; ``None`` where the variant says it cannot
        run on ``device`` (after checking that it refuses to prepare there).

    Rules:
        * the class subclasses ``Variant``, is concrete, its ``name`` is ``key``; ``label`` is one line;
        * ``unavailable_reason(device)`` is ``None`` or one non-empty line; where it is a reason,
          ``prepare`` raises ``CandidateError`` whose message carries it;
        * ``prepare`` leaves the model's weights, mode and torch's global thread count as they were;
        * the runner returns a finite float32 tensor ``(batch, sequence, hidden)`` without an autograd
          graph for the example, and for two other shapes (more rows and a longer sequence with padded
          rows; one row and a shorter sequence);
        * on the padded batch, each row's mean-pooled output has cosine similarity >= ``min_pooled_cosine``
          with the model's own;
        * ``weights_mb`` is ``None`` or finite and > 0; ``describe()`` is a ``dict`` of non-empty
          string keys to string values.

    Example:
        >>> import torch
        >>> from modelpick.candidates import WeightsResolution, load_transformer
        >>> from modelpick.candidates.variants import VARIANTS
        >>> from modelpick.testing.tiny_models import tiny_config
        >>> model = load_transformer(WeightsResolution("architecture-only", None, "random weights",
        ...                                            config=tiny_config("bert"))).model
        >>> inputs = {"input_ids": torch.tensor([[2, 7, 9, 3]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
        >>> check_variant("eager", VARIANTS["eager"], model, inputs).weights_mb > 0
        True
        >>> check_variant("fp16", VARIANTS["fp16"], model, inputs) is None  # CUDA only
        True
    """
    import torch

    from modelpick.candidates.variants import Variant
    from modelpick.exceptions import CandidateError

    _check_registered(key, variant_class, "name", Variant)
    assert _one_line(variant_class.label), f"{key}: label must be one non-empty line; got {variant_class.label!r}"
    variant = variant_class()
    reason = variant.unavailable_reason(device)
    directory = workdir if workdir is not None else tempfile.mkdtemp(prefix=f"modelpick-variant-{key}-")
    if workdir is None:  # ours: removed when nothing needs it (the runner may still read its files)
        cleanup = weakref.finalize(variant, shutil.rmtree, directory, ignore_errors=True)
    if reason is not None:
        assert _one_line(reason), f"{key}: unavailable_reason() must be None or one non-empty line; got {reason!r}"
        try:
            variant.prepare(model, example_inputs=example_inputs, device=device, num_threads=num_threads,
                            workdir=directory)
        except CandidateError as exc:
            assert reason in str(exc), f"{key}: prepare() on {device} must say why it cannot run there; said {exc}"
        else:
            raise AssertionError(f"{key}: prepare() must raise CandidateError on {device}, where it says: {reason}")
        finally:
            if workdir is None:
                cleanup()
        return None

    before = {name: value.detach().clone() for name, value in model.state_dict().items()}
    threads = torch.get_num_threads()
    runner = variant.prepare(model, example_inputs=example_inputs, device=device, num_threads=num_threads,
                             workdir=directory)
    if workdir is None:  # the directory lives as long as the runner, not the variant
        cleanup.detach()
        weakref.finalize(runner, shutil.rmtree, directory, ignore_errors=True)
    assert torch.get_num_threads() == threads, (
        f"{key}: prepare() must leave torch's thread count as it was: {threads}, now {torch.get_num_threads()}"
    )
    after = model.state_dict()
    assert after.keys() == before.keys() and all(
        after[name].dtype == value.dtype and after[name].device == value.device and torch.equal(after[name], value)
        for name, value in before.items()
    ), f"{key}: prepare() must leave the caller's model unchanged (work on a copy)"
    assert not model.training, f"{key}: prepare() must leave the model in eval mode"

    with torch.inference_mode():
        hidden_size = int(model(**example_inputs)[0].shape[-1])
    batch, length = example_inputs["input_ids"].shape
    padded = _resized(example_inputs, batch + 2, length + 3)
    for inputs, what in ((example_inputs, "the example"), (padded, f"a {batch + 2}x{length + 3} batch"),
                         (_resized(example_inputs, 1, max(1, length - 1)), f"a 1x{max(1, length - 1)} batch")):
        _check_output(key, runner(inputs), inputs, hidden_size, what)

    with torch.inference_mode():
        expected = mean_pooled(model(**padded)[0], padded.get("attention_mask"))
    got = mean_pooled(runner(padded), padded.get("attention_mask"))
    cosine = float(torch.nn.functional.cosine_similarity(got, expected, dim=-1).min())
    assert cosine >= min_pooled_cosine, (
        f"{key}: the variant must compute the same model: pooled features' cosine similarity with the model's "
        f"own is {cosine:.6f} for some row, below {min_pooled_cosine}"
    )

    weights = runner.weights_mb
    assert weights is None or (isinstance(weights, float) and math.isfinite(weights) and weights > 0), (
        f"{key}: weights_mb must be None or a finite float > 0; got {weights!r}"
    )
    details = runner.describe()
    assert isinstance(details, dict) and all(
        _one_line(k) and isinstance(v, str) for k, v in details.items()
    ), f"{key}: describe() must return a dict of non-empty string keys to strings; got {details!r}"
    return runner
