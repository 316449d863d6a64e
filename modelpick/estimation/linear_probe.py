"""Quality of transformers with real weights: a linear probe on frozen features.

Fine-tuning every candidate would take far longer than profiling it, so the cheap estimate is a
logistic regression on the frozen encoder's pooled features. It ranks encoders by how much task
information their representations carry on *this* data; a fine-tune usually scores higher.

The same training features also give the pre-screen scores LogME and H-score
(:mod:`modelpick.estimation._transferability`) at no extra forward pass. They rank candidates by how well
the features fit the labels, are stored in ``QualityEstimate.prescreen`` and are never accuracies; a
score that fails is left out and the note says why, while the probe's accuracy stands.

The encoder runs in a spawned child (a crash or hang must not take the run down, and the parent stays
free of the model's memory); the logistic regression runs in the parent on the returned features.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from modelpick._isolation import run_in_child
from modelpick.candidates.transformer import TransformerCandidate
from modelpick.estimation._base import QualityEstimator
from modelpick.estimation._measure import measure_classifier, measured_estimate
from modelpick.estimation._transferability import try_prescreen_scores
from modelpick.exceptions import EstimationError
from modelpick.results import QualityEstimate

if TYPE_CHECKING:
    from modelpick.candidates._base import Candidate, WeightsResolution
    from modelpick.data._sample import DataSplit
    from modelpick.estimation._settings import EstimationSettings

__all__ = ["LinearProbeEstimator", "extract_features", "PROBE_BATCH_SIZE", "POOLINGS"]

PROBE_BATCH_SIZE = 16
POOLINGS = ("mean", "cls")
def extract_features(
    weights: WeightsResolution,
    texts: Sequence[str],
    *,
    num_threads: int,
    device: str = "cpu",
    pooling: str = "mean",
    max_length: int = 256,
    batch_size: int = PROBE_BATCH_SIZE,
    trust_remote_code: bool = False,
    variant: str = "eager",
) -> Any:
    """Pooled frozen-encoder features of ``texts``: one float32 row per text, in the order given.

    This is the body the spawned child runs; it may also be called in-process. Texts are batched in
    order of length (less padding), truncated to ``max_length`` tokens (or the model's limit if lower),
    and pooled by the mean over the attention mask or by the first token (``pooling="cls"``).

    ``variant``: the deployment variant whose output is pooled (:mod:`modelpick.candidates.variants`):
    the loaded model is prepared as that variant (quantized, exported, cast) on the first batch, and
    every batch goes through its runner, so a variant's accuracy is measured on what it computes. Batches
    are the same for every variant, which matters for int8: its activations are quantized per batch.

    Returns:
        numpy.ndarray of shape ``(len(texts), hidden_size)``, dtype float32.

    Raises:
        EstimationError: the weights have no tokenizer, or ``pooling`` is unknown.
        CandidateError: the model cannot be loaded, or the variant cannot be prepared.
        UnknownNameError: ``variant`` is not a registered variant.
    """
    import torch  # threads must be set before the first torch operation of this process

    torch.set_num_threads(int(num_threads))
    import numpy as np

    from modelpick.candidates._loading import load_transformer
    from modelpick.candidates.variants import get_variant

    deployed = get_variant(variant)

    if pooling not in POOLINGS:
        raise EstimationError(f"Unknown pooling {pooling!r}; choose one of {', '.join(POOLINGS)}.")
    loaded = load_transformer(weights, trust_remote_code=trust_remote_code, device=device)
    if loaded.tokenizer is None:
        raise EstimationError(
            f"The weights at {weights.path or weights.source} have no tokenizer; a linear probe needs one "
            "to read the texts. Save the tokenizer next to the model (tokenizer.save_pretrained)."
        )
    model, tokenizer = loaded.model, loaded.tokenizer
    if getattr(tokenizer, "pad_token", None) is None and getattr(tokenizer, "eos_token", None) is not None:
        # Batches need padding; padded positions are masked out of the mean, so any token will do.
        tokenizer.pad_token = tokenizer.eos_token
    limit = max(2, min(max_length, loaded.max_length))
    accepted = loaded.accepted_inputs
    texts = list(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    features: list[Any] = [None] * len(texts)
    model.eval()
    runner: Any = None
    with tempfile.TemporaryDirectory(prefix="modelpick-variant-") as workdir, torch.inference_mode():
        for start in range(0, len(order), batch_size):
            batch_ids = order[start : start + batch_size]
            encoded = tokenizer(
                [texts[i] for i in batch_ids],
                padding=True,
                truncation=True,
                max_length=limit,
                return_tensors="pt",
            )
            # A tokenizer may emit inputs the model does not take (token_type_ids for DistilBERT).
            inputs = {k: v.to(device) for k, v in encoded.items() if k in accepted}
            if runner is None:
                runner = deployed.prepare(model, example_inputs=inputs, device=device, num_threads=int(num_threads),
                                          workdir=workdir)
            hidden = runner(inputs).to(device)  # float32; ONNX Runtime hands it back on the host
            if pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = encoded["attention_mask"].to(device).unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            rows = pooled.float().cpu().numpy()
            for row_index, text_index in enumerate(batch_ids):
                features[text_index] = rows[row_index]
        del runner  # an ONNX Runtime session holds files in the directory about to be removed
    if not texts:
        hidden_size = int(getattr(loaded.config, "hidden_size", getattr(loaded.config, "dim", 0)) or 0)
        return np.zeros((0, hidden_size), dtype=np.float32)
    return np.stack(features).astype(np.float32, copy=False)


def _probe_classifier(random_state: int) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    # Standardized so one regularization strength suits encoders whose feature scales differ.
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=random_state))


class LinearProbeEstimator(QualityEstimator):
    """Linear probe on a frozen encoder, for transformer candidates with real (pretrained) weights.

    Features of train and test texts are extracted once in a spawned child (``settings.timeout_s``);
    standardization + ``LogisticRegression(max_iter=2000)`` is fitted on the train features only and
    scored on the test features, with a 95% bootstrap interval and stratified CV on the train features.
    LogME and H-score are computed on the train features only and returned as ``prescreen``.
    """

    name: ClassVar[str] = "linear-probe"

    def applies_to(
        self, candidate: Candidate, weights: WeightsResolution | None, split: DataSplit | None
    ) -> bool:
        return (
            split is not None
            and isinstance(candidate, TransformerCandidate)
            and weights is not None
            and weights.has_real_weights
        )

    def estimate(
        self,
        candidate: Candidate,
        weights: WeightsResolution | None,
        split: DataSplit | None,
        *,
        task: Any,
        settings: EstimationSettings,
    ) -> QualityEstimate:
        if split is None:
            raise EstimationError(f"A linear probe of {candidate.name} needs a labelled sample; none was given.")
        if weights is None or not weights.has_real_weights:
            raise EstimationError(
                f"A linear probe of {candidate.name} needs pretrained weights; "
                f"got {'no resolved weights' if weights is None else 'architecture-only (random) weights'}."
            )
        pooling = candidate.pooling if isinstance(candidate, TransformerCandidate) else "mean"
        texts = tuple(split.train_texts) + tuple(split.test_texts)
        features = run_in_child(
            extract_features,
            weights,
            texts,
            timeout_s=settings.timeout_s,
            error=EstimationError,
            context=f"Feature extraction for the linear probe of {candidate.name} failed",
            num_threads=settings.num_threads,
            device=settings.device,
            pooling=pooling,
            max_length=settings.probe_max_length,
            batch_size=PROBE_BATCH_SIZE,
            trust_remote_code=settings.trust_remote_code,
            variant=candidate.variant if isinstance(candidate, TransformerCandidate) else "eager",
        )
        n_train = len(split.train_texts)
        if getattr(features, "shape", (None,))[0] != len(texts):
            raise EstimationError(
                f"Feature extraction for {candidate.name} returned {getattr(features, 'shape', None)} rows "
                f"for {len(texts)} texts."
            )
        measurement = measure_classifier(
            lambda: _probe_classifier(settings.random_state),
            features[:n_train],
            split.train_labels,
            features[n_train:],
            split.test_labels,
            task=task,
            n_bootstrap=settings.n_bootstrap,
            cv_folds=settings.cv_folds,
            random_state=settings.random_state,
        )
        # Training rows only: the held-out rows score the probe, and a pre-screen that saw them would
        # rank candidates on the very examples their accuracy is judged on.
        prescreen, prescreen_failures = try_prescreen_scores(features[:n_train], split.train_labels)
        variant = candidate.variant if isinstance(candidate, TransformerCandidate) else "eager"
        runtime = "" if variant == "eager" else f", computed by the {variant} variant"
        what = (
            f"a linear probe (logistic regression on frozen {pooling}-pooled features{runtime}, weights: "
            f"{weights.source}; a probe, not a fine-tuned model)"
        )
        return measured_estimate(
            candidate.name, self.name, measurement, what, prescreen=prescreen, prescreen_failures=prescreen_failures
        )
