"""The bodies that run in a trial's spawned child: train one fine-tune, predict with it, count tokens.

Training uses transformers' ``Trainer`` with ``TrainingArguments``, so any trial can be reproduced by a
user from its parameters. Validation accuracy is evaluated after every epoch and reported to the trial
in the shared storage, where the study's pruner decides whether to stop it. The child also stops at
its deadline (``optimize(timeout=)`` would not stop a running trial) and when its parent is gone.
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelpick._errors import reraised_as
from modelpick.exceptions import TuningError

__all__ = ["TrialOutcome", "TrialRequest", "predict_labels", "token_length_p99", "train_trial"]


@dataclass(frozen=True)
class TrialRequest:
    """Everything one trial's child needs (picklable)."""

    model_path: str
    labels: tuple[str, ...]
    train_texts: tuple[str, ...]
    train_labels: tuple[str, ...]
    validation_texts: tuple[str, ...]
    validation_labels: tuple[str, ...]
    params: dict[str, Any]
    seed: int
    num_threads: int
    device: str = "cpu"
    trust_remote_code: bool = False
    allow_pickle: bool = False  # load a pickled pytorch_model.bin when the model has no safetensors
    deadline: float | None = None  # time.time() at which training stops; None: no deadline
    output_dir: str | None = None  # where a finished trial saves its model; None: not saved
    # The Optuna trial to report per-epoch validation accuracy to; None trains without reporting.
    storage_url: str | None = None
    study_name: str | None = None
    trial_id: int | None = None


@dataclass(frozen=True)
class TrialOutcome:
    """How a trial's training ended."""

    validation_accuracy: float | None  # after the last finished epoch
    epochs_done: int
    stopped: str | None  # None (finished), "pruned", "deadline" or "parent gone"
    seconds: float
    saved_to: str | None = None
    history: tuple[float, ...] = field(default=())  # validation accuracy after each epoch


def _quiet_transformers(transformers: Any) -> None:
    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    logging.getLogger("optuna").setLevel(logging.ERROR)


def _encode(
    tokenizer: Any, texts: Sequence[str], label_ids: Sequence[int] | None, max_length: int
) -> list[dict[str, Any]]:
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    rows = []
    for i in range(len(texts)):
        row = {key: values[i] for key, values in encoded.items()}
        if label_ids is not None:
            row["labels"] = label_ids[i]
        rows.append(row)
    return rows


def _load(
    request_path: str, labels: Sequence[str] | None, *, trust_remote_code: bool, allow_pickle: bool = False
) -> tuple[Any, Any]:
    from modelpick.candidates._loading import remote_code_refused, safe_loading_kwargs

    # Refused (UnsafeModelError, one line) before transformers reads a file: no pickle, no model code.
    safe = safe_loading_kwargs(request_path, allow_pickle=allow_pickle, trust_remote_code=trust_remote_code)
    # transformers' own messages rarely name the folder; a FAIL trial's reason must.
    with reraised_as(TuningError, f"Could not load the model in {request_path}"), remote_code_refused(request_path):
        return _load_unchecked(request_path, labels, trust_remote_code=trust_remote_code, safe=safe)


def _load_unchecked(
    request_path: str, labels: Sequence[str] | None, *, trust_remote_code: bool, safe: dict[str, Any]
) -> tuple[Any, Any]:
    import transformers

    _quiet_transformers(transformers)
    tokenizer = transformers.AutoTokenizer.from_pretrained(request_path, trust_remote_code=trust_remote_code)
    if getattr(tokenizer, "pad_token", None) is None and getattr(tokenizer, "eos_token", None) is not None:
        tokenizer.pad_token = tokenizer.eos_token
    kwargs: dict[str, Any] = {}
    if labels is not None:
        kwargs = {
            "num_labels": len(labels),
            "id2label": dict(enumerate(labels)),
            "label2id": {label: i for i, label in enumerate(labels)},
        }
    with warnings.catch_warnings():
        # "Some weights were newly initialized": the classification head, which is the point.
        warnings.simplefilter("ignore")
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            request_path, trust_remote_code=trust_remote_code, **safe, **kwargs
        )
    if model.config.pad_token_id is None and tokenizer.pad_token_id is not None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def train_trial(request: TrialRequest) -> TrialOutcome:
    """Fine-tune ``request.model_path`` with ``request.params`` on the training texts; evaluate each epoch.

    Returns how training ended; with ``output_dir`` a trial that finished every epoch saves its model
    there (safetensors). Runs in a spawned child: it sets the thread count before any torch work.
    """
    import torch

    torch.set_num_threads(int(request.num_threads))
    import numpy as np
    import transformers

    started = time.monotonic()
    parent = os.getppid()
    model, tokenizer = _load(
        request.model_path, request.labels, trust_remote_code=request.trust_remote_code,
        allow_pickle=request.allow_pickle,
    )
    label_id = {label: i for i, label in enumerate(request.labels)}
    params = dict(request.params)
    max_length = int(params.pop("max_length"))
    warmup_ratio = float(params.pop("warmup_ratio", 0.0))
    train = _encode(tokenizer, request.train_texts, [label_id[y] for y in request.train_labels], max_length)
    validation = _encode(
        tokenizer, request.validation_texts, [label_id[y] for y in request.validation_labels], max_length
    )

    trial = None
    if request.trial_id is not None and request.storage_url is not None:
        import optuna

        from modelpick.tuning._search import make_pruner

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        study = optuna.load_study(study_name=request.study_name, storage=request.storage_url, pruner=make_pruner())
        trial = optuna.trial.Trial(study, request.trial_id)

    history: list[float] = []
    stopped: list[str] = []

    class _Report(transformers.TrainerCallback):
        """Reports each epoch's validation accuracy to the trial; stops on pruning, deadline or orphaning."""

        def on_evaluate(self, args: Any, state: Any, control: Any, metrics: Any = None, **kwargs: Any) -> None:
            accuracy = float((metrics or {}).get("eval_accuracy", float("nan")))
            history.append(accuracy)
            if trial is not None:
                trial.report(accuracy, len(history))
                if trial.should_prune():
                    stopped.append("pruned")
                    control.should_training_stop = True

        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if request.deadline is not None and time.time() >= request.deadline:
                stopped.append("deadline")
                control.should_training_stop = True
            elif os.getppid() != parent:
                # The run that started this trial was killed: nobody will read the result.
                stopped.append("parent gone")
                control.should_training_stop = True

    def accuracy(prediction: Any) -> dict[str, float]:
        logits, gold = prediction
        logits = logits[0] if isinstance(logits, tuple) else logits
        return {"accuracy": float(np.mean(np.argmax(logits, axis=-1) == gold))}

    import tempfile

    with tempfile.TemporaryDirectory(prefix="modelpick-trial-") as scratch:
        args = transformers.TrainingArguments(
            **_length_grouping(transformers),
            output_dir=scratch,
            eval_strategy="epoch",
            save_strategy="no",
            logging_strategy="no",
            report_to="none",
            disable_tqdm=True,
            seed=request.seed,
            data_seed=request.seed,
            use_cpu=not request.device.startswith("cuda"),
            dataloader_num_workers=0,
            per_device_eval_batch_size=64,
            warmup_steps=warmup_ratio,  # transformers 5: a float in [0, 1) is a fraction of all steps
            **params,
        )
        trainer = transformers.Trainer(
            model=model,
            args=args,
            train_dataset=train,
            eval_dataset=validation,
            processing_class=tokenizer,
            data_collator=transformers.DataCollatorWithPadding(tokenizer),
            compute_metrics=accuracy,
            callbacks=[_Report()],
        )
        # With tqdm off, Trainer prints every metrics dict to stdout; the run's progress is ours to show.
        trainer.remove_callback(transformers.PrinterCallback)
        trainer.train()
        saved_to = None
        if not stopped and request.output_dir is not None:
            trainer.save_model(request.output_dir)
            saved_to = request.output_dir
    finite = [a for a in history if not math.isnan(a)]
    return TrialOutcome(
        validation_accuracy=finite[-1] if finite else None,
        epochs_done=len(history),
        stopped=stopped[0] if stopped else None,
        seconds=time.monotonic() - started,
        saved_to=saved_to,
        history=tuple(history),
    )


def _length_grouping(transformers: Any) -> dict[str, Any]:
    """Batches of similar lengths: less padding, the same fine-tune, and on a CPU several times faster
    when lengths vary (the option was renamed in transformers 5)."""
    import inspect

    fields = inspect.signature(transformers.TrainingArguments).parameters
    if "train_sampling_strategy" in fields:
        return {"train_sampling_strategy": "group_by_length"}
    return {"group_by_length": True} if "group_by_length" in fields else {}


def predict_labels(
    model_dir: str, texts: Sequence[str], *, max_length: int, num_threads: int, device: str = "cpu",
    trust_remote_code: bool = False, batch_size: int = 32,
) -> list[str]:
    """The label a fine-tuned model predicts for each text, in order (runs in a spawned child)."""
    import torch

    torch.set_num_threads(int(num_threads))
    model, tokenizer = _load(model_dir, None, trust_remote_code=trust_remote_code)
    model.eval()
    if device.startswith("cuda"):
        model.to(device)
    names = model.config.id2label
    predicted: list[str] = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(
                list(texts[start : start + batch_size]), truncation=True, max_length=max_length,
                padding=True, return_tensors="pt",
            ).to(model.device)
            logits = model(**batch).logits
            predicted.extend(str(names[int(i)]) for i in logits.argmax(dim=-1).tolist())
    return predicted


def token_length_p99(model_path: str, texts: Sequence[str], *, trust_remote_code: bool = False) -> tuple[float, int]:
    """The p99 token length of ``texts`` with the model's own tokenizer, and the model's longest input."""

    import transformers

    from modelpick._numeric import percentile
    from modelpick.candidates._loading import max_input_length, remote_code_refused
    from modelpick.candidates._safety import refuse_unsafe
    from modelpick.candidates._weights import display_path

    _quiet_transformers(transformers)
    # No weights are read here (so a pickle does not matter), but the config may name the model's own code.
    refuse_unsafe(model_path, allow_pickle=True, trust_remote_code=trust_remote_code,
                  shown=display_path(Path(model_path)))
    with remote_code_refused(model_path):
        tokenizer = transformers.AutoTokenizer.from_pretrained(model_path, trust_remote_code=trust_remote_code)
        config = transformers.AutoConfig.from_pretrained(model_path, trust_remote_code=trust_remote_code)
    # Lengths count the special tokens, as the position table does.
    lengths = [len(ids) for ids in tokenizer(list(texts), truncation=False)["input_ids"]] or [2]
    # No model is loaded here, so only the position table and the tokenizer bound the input.
    return percentile(lengths, 99), max_input_length(None, config, tokenizer)
