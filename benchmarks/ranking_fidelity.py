"""Do modelpick's cheap estimates rank candidates the way a real fine-tune would, and at what cost?

Data: Debian package descriptions labelled by their ``Section:`` (``apt-cache dumpavail`` plus apt's
Translation-en long descriptions; see ``benchmarks/_debian.py``): ``--sections`` sections drawn with
``--seed``, ``--per-section`` descriptions of each. Not the demo set.

Candidates of genuinely different quality, all with real weights (``benchmarks/_derived_models.py``):
the packaged all-MiniLM-L6-v2; MiniLM cut to its first ``--cut-layers`` layers; a static model distilled
from MiniLM with model2vec (when it can be built); the TF-IDF baselines; majority class.

Methods, each ranking every candidate it scores:

(a) linear probe: ``rec.result(name).quality.accuracy`` of ``modelpick.recommend`` (baselines: their
    cross-validated held-out accuracy);
(b) LogME and (c) H-score: ``quality.prescreen_score("logme" / "h-score")``, on the probe's features;
(d) the tuned quick fine-tune: ``rec.result(name).fine_tuned.accuracy`` of ``recommend(tune=True, ...)``
    (a candidate that was not fine-tuned keeps its probe / baseline figure).

Reference: a longer fine-tune of each transformer with ``transformers.Trainer`` (learning rates
``--lrs`` x ``--epochs`` epochs, batch ``--batch-size``, max ``--max-length`` tokens; the learning rate and
epoch with the best accuracy on a stratified validation part of the train split are scored on
modelpick's held-out split). Baselines: their own held-out accuracy (there is nothing to fine-tune).
Static model: logistic regression on its embeddings, C chosen by 5-fold CV on the train split.

Reported: Kendall tau (and weighted tau, the statistic of the LogME paper) of each method's ranking
against the reference, over the candidates the method scores and over the encoders alone, and each
method's compute (wall-clock and CPU seconds, child processes included) as a share of the reference's.
Targets: tau >= 0.8 at <= 10% of the reference's compute; LogME's mean weighted tau in the tllib
benchmark is 0.665 (the figure the issue cites).

The candidates are profiled once first (``modelpick.profile``, not counted) and both ``recommend`` calls
read those profiles, so each method's compute is estimation only. Reference results are cached per data
set and settings in ``~/.cache/modelpick-bench/`` (``--fresh-reference`` recomputes them), so a rerun
after a change to tuning costs only the methods.

Usage::

    python benchmarks/ranking_fidelity.py                       # the full run (tens of minutes on 2 cores)
    python benchmarks/ranking_fidelity.py --quick --no-tune     # a smoke run: tiny sizes, no tuning
    python benchmarks/ranking_fidelity.py --budget 300          # the tuned run's time budget, in s

Exit status: 0 when the run finished (targets met or not: the table says), 1 when a step failed.
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import inspect
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helpers next to this script

from _debian import CACHE_DIR, describe, fingerprint, load_debian
from _derived_models import StaticUnavailable, cut_minilm, distill_static, load_static, packaged_minilm

TASK = "text-classification"
TEST_SIZE = 0.25
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
BASELINES = ("tfidf-logreg", "tfidf-linearsvm", "majority-class")
TARGET_TAU = 0.8
TARGET_SHARE = 0.10
LOGME_PUBLISHED_WEIGHTED_TAU = 0.665
STATIC_CS = (1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0)


# ---------------------------------------------------------------------------------------------- cost


@dataclass
class Cost:
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.wall_s + other.wall_s, self.cpu_s + other.cpu_s)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (modelpick's spawned measuring processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class Meter:
    """``with Meter() as m: ...`` then ``m.cost``: wall-clock and CPU seconds of the block."""

    def __enter__(self) -> Meter:
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cost = Cost(time.perf_counter() - self._wall, _cpu_seconds() - self._cpu)


# ------------------------------------------------------------------------------------------ candidates


@dataclass
class Entry:
    """One candidate: the name modelpick knows it by (or a label), what it is, and every score."""

    key: str  # passed to modelpick.recommend; for the static model only a label
    label: str
    kind: str  # "transformer", "static", "baseline"
    path: Path | None = None
    reference: float | None = None
    reference_how: str = ""
    probe: float | None = None
    logme: float | None = None
    h_score: float | None = None
    tuned: float | None = None
    tuned_how: str = ""

    @property
    def encoder(self) -> bool:
        return self.kind != "baseline"


def build_candidates(args: argparse.Namespace, say) -> tuple[list[Entry], Path | None, str]:
    """The candidates, the static model's directory (or None) and why it is missing ("" if present)."""
    entries = [Entry(MINILM, "MiniLM-L6 (packaged)", "transformer", packaged_minilm())]
    for n in args.cut_layers:
        path = cut_minilm(n)
        entries.append(Entry(str(path), f"MiniLM first {n} layers", "transformer", path))
    static_path, static_missing = None, ""
    if args.no_static:
        static_missing = "left out (--no-static)"
    else:
        try:
            static_path, seconds = distill_static(threads=args.threads, say=say)
            if seconds:
                say(f"  distilled in {seconds:.0f} s (a one-off: building the candidate, not counted)")
            entries.append(Entry("model2vec-static", "MiniLM static (model2vec)", "static", static_path))
        except StaticUnavailable as exc:
            static_missing = str(exc)
    entries += [Entry(name, name, "baseline") for name in BASELINES]
    return entries, static_path, static_missing


# ------------------------------------------------------------------------------------------ reference


def _accuracy(predictions, labels) -> float:
    import numpy as np

    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))


def reference_finetune(model_dir: Path, split, args: argparse.Namespace, say) -> tuple[float, Cost, str]:
    """Held-out accuracy of the best (learning rate, epoch) by validation accuracy, its cost, and how."""
    import numpy as np
    import torch
    import transformers
    from sklearn.model_selection import train_test_split
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    labels = sorted(set(split.train_labels))
    label_id = {label: i for i, label in enumerate(labels)}
    fit_texts, val_texts, fit_labels, val_labels = train_test_split(
        list(split.train_texts), list(split.train_labels), test_size=args.val_fraction,
        stratify=list(split.train_labels), random_state=args.seed)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)

    class Encoded(torch.utils.data.Dataset):
        def __init__(self, texts, names):
            self.items = [{**tokenizer(text, truncation=True, max_length=args.max_length), "labels": label_id[name]}
                          for text, name in zip(texts, names, strict=True)]

        def __len__(self):
            return len(self.items)

        def __getitem__(self, i):
            return self.items[i]

    class KeepBest(TrainerCallback):
        """Keeps the weights of the epoch with the best validation accuracy (no checkpoints on disk)."""

        def __init__(self):
            self.accuracy, self.epoch, self.state = -1.0, 0, None

        def on_evaluate(self, args_, state, control, metrics=None, model=None, **kwargs):
            if metrics and metrics.get("eval_accuracy", -1.0) > self.accuracy:
                self.accuracy, self.epoch = metrics["eval_accuracy"], round(state.epoch or 0)
                self.state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})

    fit_ds, val_ds, test_ds = Encoded(fit_texts, fit_labels), Encoded(val_texts, val_labels), \
        Encoded(split.test_texts, split.test_labels)
    collator = DataCollatorWithPadding(tokenizer)
    steps = math.ceil(len(fit_ds) / args.batch_size) * args.epochs
    # Batches of similar lengths: less padding, the same fine-tune (the option's name changed in transformers 5).
    fields = inspect.signature(TrainingArguments).parameters
    grouping = ({"train_sampling_strategy": "group_by_length"} if "train_sampling_strategy" in fields
                else {"group_by_length": True} if "group_by_length" in fields else {})
    cost, runs = Cost(), []
    with tempfile.TemporaryDirectory() as out:
        for lr in args.lrs:
            keep = KeepBest()
            with Meter() as meter:
                transformers.set_seed(args.seed)
                model = AutoModelForSequenceClassification.from_pretrained(
                    model_dir, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id=label_id)
                training = TrainingArguments(
                    output_dir=out, per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=64,
                    num_train_epochs=args.epochs, learning_rate=lr, weight_decay=0.01,
                    warmup_steps=max(1, round(0.1 * steps)), eval_strategy="epoch", save_strategy="no",
                    logging_strategy="no", report_to="none", seed=args.seed, data_seed=args.seed, use_cpu=True,
                    disable_tqdm=True, dataloader_num_workers=0, **grouping)
                trainer = Trainer(model=model, args=training, train_dataset=fit_ds, eval_dataset=val_ds,
                                  data_collator=collator, callbacks=[keep],
                                  compute_metrics=lambda p: {"accuracy": _accuracy(np.argmax(p.predictions, -1),
                                                                                   p.label_ids)})
                trainer.remove_callback(transformers.trainer_callback.PrinterCallback)  # keeps stdout to the tables
                trainer.train()
            cost += meter.cost
            # Scoring the chosen weights on the held-out split is not part of the reference's compute.
            model.load_state_dict(keep.state)
            # The gold labels come back with the predictions: a length-grouped sampler may reorder the examples.
            predicted = trainer.predict(test_ds)
            test_accuracy = _accuracy(np.argmax(predicted.predictions, -1), predicted.label_ids)
            runs.append((keep.accuracy, lr, keep.epoch, test_accuracy))
            say(f"    lr {lr:g}: best validation accuracy {keep.accuracy:.3f} at epoch {keep.epoch}/{args.epochs}, "
                f"held-out {test_accuracy:.3f} ({meter.cost.wall_s:.0f} s)")
            del trainer, model, keep
            gc.collect()
    val_accuracy, lr, epoch, test_accuracy = max(runs, key=lambda r: (r[0], -r[1]))
    how = (f"fine-tune, lr {lr:g} epoch {epoch}/{args.epochs} chosen on validation ({val_accuracy:.3f}, "
           f"n={len(val_ds)})")
    return test_accuracy, cost, how


def reference_static(features_train, y_train, features_test, y_test, seed: int) -> tuple[float, str]:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    search = GridSearchCV(make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed)),
                          {"logisticregression__C": list(STATIC_CS)},
                          cv=StratifiedKFold(5, shuffle=True, random_state=seed))
    search.fit(features_train, y_train)
    best_c = search.best_params_["logisticregression__C"]
    return float(search.score(features_test, y_test)), f"logistic regression on embeddings, C={best_c:g} by 5-fold CV"


def reference_baseline(name: str, split, seed: int) -> float:
    from modelpick.candidates.baseline import BaselineCandidate

    estimator = BaselineCandidate.from_name(name).build_estimator(random_state=seed)
    estimator.fit(list(split.train_texts), list(split.train_labels))
    return float(estimator.score(list(split.test_texts), list(split.test_labels)))


class ReferenceCache:
    """Reference results of earlier runs, keyed by data set, candidate and settings."""

    def __init__(self, path: Path, fresh: bool):
        self.path = path
        self.data = {} if fresh or not path.is_file() else json.loads(path.read_text(encoding="utf-8"))

    def get(self, key: str) -> dict[str, Any] | None:
        return self.data.get(key)

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.data[key] = value
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)


# --------------------------------------------------------------------------------------------- ranking


def taus(scores: dict[str, float], reference: dict[str, float]) -> tuple[float, float, int]:
    """Kendall tau-b and weighted tau between ``scores`` and ``reference`` over their common candidates."""
    names = [n for n in scores if n in reference and scores[n] is not None and reference[n] is not None]
    if len(names) < 2:
        return math.nan, math.nan, len(names)
    try:
        from scipy.stats import kendalltau, weightedtau
    except ImportError:
        return math.nan, math.nan, len(names)
    x, y = [scores[n] for n in names], [reference[n] for n in names]
    if len(set(x)) < 2 or len(set(y)) < 2:
        return math.nan, math.nan, len(names)
    return float(kendalltau(x, y).statistic), float(weightedtau(x, y).statistic), len(names)


def _f(value: float | None, digits: int = 3) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


# ------------------------------------------------------------------------------ reading modelpick's results


def fill_probe(entries: list[Entry], rec) -> list[str]:
    """(a)-(c) from a recommendation without tuning; one line per candidate that has no figure."""
    problems = []
    for entry in entries:
        if entry.kind == "static":
            continue
        result = rec.result(entry.key)
        quality = result.quality
        if result.status != "ok" or quality is None or quality.accuracy is None:
            problems.append(f"{entry.label}: {result.status}: {result.reason or (quality.note if quality else '')}")
            continue
        entry.probe = quality.accuracy
        entry.logme, entry.h_score = quality.prescreen_score("logme"), quality.prescreen_score("h-score")
    return problems


def fill_tuned(entries: list[Entry], rec, budget: float) -> str:
    """(d) from a tuned recommendation; returns one line on how far the tuning step got.

    A candidate with a fine-tuned figure is ranked by it; one that was not fine-tuned (outside the top-K,
    stopped, a baseline) keeps its cheap figure, as modelpick's own decision does. The static model is not
    a modelpick candidate: it keeps its probe.
    """
    for entry in entries:
        if entry.kind == "static":
            entry.tuned, entry.tuned_how = entry.probe, "probe (not a modelpick candidate; nothing tuned)"
            continue
        result = rec.result(entry.key)
        summary = result.tuning
        if result.fine_tuned is not None and result.fine_tuned.accuracy is not None:
            entry.tuned = result.fine_tuned.accuracy
            entry.tuned_how = "fine-tuned" + (
                f": {summary.trials_complete} trials complete, {summary.trials_pruned} pruned, "
                f"{summary.trials_failed} failed, {summary.seconds:.0f} s" if summary else "")
        else:
            entry.tuned = result.quality.accuracy if result.quality else None
            entry.tuned_how = (f"{summary.status}" + (f" ({summary.reason})" if summary.reason else "")
                               if summary else "not tuned") + "; cheap figure kept"
    step = rec.tuning
    if step is None:
        return f"time_budget_s {budget:g}; the run reports no tuning step"
    return (f"time_budget_s {budget:g}; tuning step {step.seconds:.0f} s, "
            f"{'finished' if step.finished else 'stopped by the budget'}" + (f": {step.note}" if step.note else ""))


@dataclass
class MethodRow:
    title: str
    n: int
    tau: float
    weighted_tau: float
    tau_encoders: float
    cost: Cost | None
    share_wall: float
    share_cpu: float
    met: bool
    note: str


def method_rows(entries: list[Entry], methods: list[tuple[str, str, Cost | None, str]],
                reference_cost: Cost) -> list[MethodRow]:
    """One row per method: its taus against the reference, its compute and its share of the reference's."""
    reference = {e.label: e.reference for e in entries}
    encoders = {e.label for e in entries if e.encoder}
    rows = []
    for title, attr, cost, note in methods:
        scores = {e.label: getattr(e, attr) for e in entries if getattr(e, attr) is not None}
        tau, weighted, n = taus(scores, reference)
        tau_encoders, _, _ = taus({k: v for k, v in scores.items() if k in encoders}, reference)
        if cost is None or not scores:
            rows.append(MethodRow(title, n, tau, weighted, tau_encoders, None, math.nan, math.nan, False, note))
            continue
        share_wall = cost.wall_s / reference_cost.wall_s if reference_cost.wall_s else math.nan
        share_cpu = cost.cpu_s / reference_cost.cpu_s if reference_cost.cpu_s else math.nan
        met = tau >= TARGET_TAU and share_wall <= TARGET_SHARE and share_cpu <= TARGET_SHARE  # False on nan
        rows.append(MethodRow(title, n, tau, weighted, tau_encoders, cost, share_wall, share_cpu, met, note))
    return rows


# ------------------------------------------------------------------------------------------------ main


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--sections", type=int, default=8, help="how many Debian sections (classes)")
    parser.add_argument("--per-section", type=int, default=120, help="descriptions per section")
    parser.add_argument("--seed", type=int, default=0, help="seeds the data, split, fine-tunes, modelpick")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 3 sections x 12, one 1-epoch reference run at max length 64, 2 trials")
    parser.add_argument("--no-tune", action="store_true", help="leave out (d), the tuned quick fine-tune")
    parser.add_argument("--budget", type=float, default=None,
                        help="time_budget_s of the tuned run (default: 8%% of the reference's wall time)")
    parser.add_argument("--tune-top-k", type=int, default=2)
    parser.add_argument("--tune-trials", type=int, default=8)
    parser.add_argument("--cut-layers", type=int, nargs="+", default=[3], help="MiniLM cut to its first N layers")
    parser.add_argument("--no-static", action="store_true", help="leave out the model2vec static model")
    parser.add_argument("--lrs", type=float, nargs="+", default=[3e-5, 1e-4], help="reference learning rates")
    parser.add_argument("--epochs", type=int, default=8, help="reference epochs")
    parser.add_argument("--batch-size", type=int, default=16, help="reference batch size")
    parser.add_argument("--max-length", type=int, default=128, help="reference token limit")
    parser.add_argument("--val-fraction", type=float, default=0.2, help="validation part of the train split")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--fresh-reference", action="store_true", help="ignore cached reference results")
    args = parser.parse_args(argv)
    if args.quick:
        args.sections, args.per_section = 3, 12
        args.lrs, args.epochs, args.max_length = [1e-4], 1, 64
        args.tune_trials, args.tune_top_k = 2, 1
        args.budget = args.budget or 120.0
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    import numpy as np
    import pandas as pd
    import torch
    import transformers

    import modelpick
    from modelpick.data import load_sample
    from modelpick.estimation.linear_probe import _probe_classifier

    try:
        from modelpick.estimation._transferability import h_score, logme
    except ImportError:
        logme = h_score = None

    torch.set_num_threads(args.threads)
    print(f"machine: {platform.processor() or platform.machine()} | {platform.platform()} | threads {args.threads}")
    print(f"python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}, "
          f"modelpick {modelpick.__version__}")

    # Data and the one held-out split modelpick makes (same df, test_size and random_state).
    dataset = load_debian(n_sections=args.sections, per_section=args.per_section, seed=args.seed, say=say)
    print(f"data: {describe(dataset)}")
    df = pd.read_csv(dataset.path)
    split = load_sample(df).split(test_size=TEST_SIZE, random_state=args.seed)
    print(f"split: {len(split.train_texts)} train / {len(split.test_texts)} held out (test_size {TEST_SIZE}, "
          f"seed {args.seed}); the reference validates on {args.val_fraction:.0%} of train")

    entries, static_path, static_missing = build_candidates(args, say)
    if static_missing:
        print(f"static model2vec candidate: not included: {static_missing}")
    modelpick_names = [e.key for e in entries if e.kind != "static"]
    print("candidates: " + "; ".join(f"{e.label} [{e.kind}]" for e in entries))

    # The static model's embeddings: computed once, their cost added to every method that uses them.
    static_embed, features = Cost(), None
    y_train, y_test = np.asarray(split.train_labels), np.asarray(split.test_labels)
    if static_path is not None:
        static = load_static(static_path)
        with Meter() as meter:
            features = np.asarray(static.encode(list(split.train_texts) + list(split.test_texts)), dtype=np.float32)
        static_embed = meter.cost
    n_train = len(split.train_texts)

    # ---------------------------------------------------------------- reference
    print()
    print(f"reference: transformers fine-tuned with Trainer, lr in {{{', '.join(f'{lr:g}' for lr in args.lrs)}}} x "
          f"{args.epochs} epochs, batch {args.batch_size} (grouped by length), max {args.max_length} tokens, "
          "weight decay 0.01, 10% warm-up; best (lr, epoch) by validation accuracy, scored on the held-out split. "
          "Baselines: their own held-out accuracy. Static model: logistic regression on its embeddings, C by 5-fold CV")
    settings = f"{args.lrs}|{args.epochs}|{args.batch_size}|{args.max_length}|{args.val_fraction}|{args.seed}|grouped"
    cache = ReferenceCache(CACHE_DIR / "reference-results.json", args.fresh_reference)
    data_id = fingerprint(dataset.path)
    reference_cost, cached_any = Cost(), False
    for entry in entries:
        key = hashlib.sha256(f"{data_id}|{entry.kind}|{entry.label}|{settings}".encode()).hexdigest()[:20]
        hit = cache.get(key)
        was_cached = hit is not None
        cached_any |= was_cached
        if hit is None:
            say(f"  reference for {entry.label} ...")
            if entry.kind == "transformer":
                accuracy, cost, how = reference_finetune(entry.path, split, args, say)
            elif entry.kind == "static":
                with Meter() as meter:
                    accuracy, how = reference_static(features[:n_train], y_train, features[n_train:], y_test, args.seed)
                cost = meter.cost + static_embed
            else:
                with Meter() as meter:
                    accuracy = reference_baseline(entry.key, split, args.seed)
                cost, how = meter.cost, "its own held-out accuracy (no fine-tune exists)"
            hit = {"accuracy": accuracy, "wall_s": cost.wall_s, "cpu_s": cost.cpu_s, "how": how}
            cache.put(key, hit)
        entry.reference, entry.reference_how = hit["accuracy"], hit["how"]
        reference_cost += Cost(hit["wall_s"], hit["cpu_s"])
        print(f"  {entry.label:<28} {entry.reference:.3f}  {entry.reference_how}  "
              f"[{hit['wall_s']:.0f} s wall, {hit['cpu_s']:.0f} s CPU{', cached' if was_cached else ''}]")
    print(f"  reference compute: {reference_cost.wall_s:.0f} s wall, {reference_cost.cpu_s:.0f} s CPU"
          + (f" (cached results keep the compute measured when they were made; {cache.path})" if cached_any else ""))

    # ---------------------------------------------------------------- methods
    def progress(event) -> None:
        if event.stage in ("done", "failed", "estimate"):
            say(f"    {event.stage}: {event.candidate} {event.message}".rstrip())

    print()
    say("profiling the candidates once (modelpick.profile; not counted in any method's compute)")
    with Meter() as meter:
        profiles = modelpick.profile(TASK, sample=df, candidates=modelpick_names, random_state=args.seed,
                                     num_threads=args.threads, max_profile_time_s=1.0)
    print(f"profiling (not counted): {meter.cost.wall_s:.0f} s wall"
          + (f"; failed: {profiles.failed}" if profiles.failed else ""))
    common = {"sample": df, "candidates": modelpick_names, "random_state": args.seed, "test_size": TEST_SIZE,
              "num_threads": args.threads, "profiles": profiles, "progress": progress}

    say("(a)-(c): modelpick.recommend without tuning: linear probe, LogME and H-score on the probe's features")
    with Meter() as meter:
        rec = modelpick.recommend(TASK, **common)
    probe_cost = meter.cost
    if (rec.sample.n_train, rec.sample.n_test) != (len(split.train_texts), len(split.test_texts)):
        print(f"  WARNING: modelpick split {rec.sample.n_train}/{rec.sample.n_test}, the reference's "
              f"{len(split.train_texts)}/{len(split.test_texts)}: not the same held-out part")
    for problem in fill_probe(entries, rec):
        print(f"  {problem}")

    # The static model is not a modelpick candidate: the same probe classifier and scores on its embeddings.
    static_cost = {"probe": Cost(), "logme": Cost(), "h-score": Cost()}
    static_entry = next((e for e in entries if e.kind == "static"), None)
    if static_entry is not None:
        with Meter() as meter:
            clf = _probe_classifier(args.seed).fit(features[:n_train], y_train)
            static_entry.probe = float(clf.score(features[n_train:], y_test))
        static_cost["probe"] = meter.cost + static_embed
        codes = np.unique(y_train, return_inverse=True)[1]
        for name, function in (("logme", logme), ("h-score", h_score)):
            if function is None:
                continue
            with Meter() as meter:
                value = float(function(features[:n_train].astype(np.float64), codes))
            static_cost[name] = meter.cost + static_embed
            setattr(static_entry, "logme" if name == "logme" else "h_score", value)

    # (d) the tuned quick fine-tune
    tune_cost, tune_note = None, ""
    if args.no_tune:
        tune_note = "not run (--no-tune)"
    elif "tune" not in inspect.signature(modelpick.recommend).parameters:
        tune_note = "not available: this modelpick's recommend() has no tune option yet (run with --no-tune)"
    else:
        budget = args.budget if args.budget is not None else round(0.08 * reference_cost.wall_s)
        say(f"(d): modelpick.recommend(tune=True, tune_top_k={args.tune_top_k}, tune_trials={args.tune_trials}, "
            f"time_budget_s={budget:g})")
        with tempfile.TemporaryDirectory() as studies:
            tuned_kwargs: dict[str, Any] = {"tune": True, "tune_top_k": args.tune_top_k,
                                            "tune_trials": args.tune_trials, "time_budget_s": budget}
            if "storage" in inspect.signature(modelpick.recommend).parameters:
                # A fresh storage: a study resumed from an earlier run would hide the tuning's compute.
                tuned_kwargs["storage"] = f"sqlite:///{studies}/studies.sqlite3"
            with Meter() as meter:
                tuned = modelpick.recommend(TASK, **common, **tuned_kwargs)
        tune_cost = meter.cost
        tune_note = fill_tuned(entries, tuned, budget)

    # ---------------------------------------------------------------- tables
    print()
    print(f"{'candidate':<28} {'reference':>9} {'probe':>7} {'LogME':>8} {'H-score':>8} {'tuned FT':>8}  tuned how")
    for e in entries:
        print(f"{e.label:<28} {_f(e.reference):>9} {_f(e.probe):>7} {_f(e.logme):>8} {_f(e.h_score):>8} "
              f"{_f(e.tuned):>8}  {e.tuned_how}")
    for title, attr in (("LogME", "logme"), ("H-score", "h_score")):
        if all(getattr(e, attr) is None for e in entries):
            print(f"{title}: not available (prescreen_score returned None; no pre-screen scores in this modelpick)")

    methods = [
        ("(a) linear probe", "probe", probe_cost + static_cost["probe"], ""),
        ("(b) LogME", "logme", probe_cost + static_cost["logme"], "shares the probe's pass"),
        ("(c) H-score", "h_score", probe_cost + static_cost["h-score"], "shares the probe's pass"),
        ("(d) tuned quick fine-tune", "tuned",
         (tune_cost + static_cost["probe"]) if tune_cost else None, tune_note),
    ]
    print()
    print(f"{'method':<26} {'n':>2} {'tau':>6} {'w.tau':>6} {'tau enc':>7} {'wall s':>7} {'CPU s':>7} "
          f"{'% ref wall':>10} {'% ref CPU':>9}  target (tau>={TARGET_TAU}, <={TARGET_SHARE:.0%})")
    for row in method_rows(entries, methods, reference_cost):
        if row.cost is None:
            print(f"{row.title:<26} {row.n:>2} {'-':>6} {'-':>6} {'-':>7} {'-':>7} {'-':>7} {'-':>10} {'-':>9}  "
                  f"{row.note}")
            continue
        print(f"{row.title:<26} {row.n:>2} {_f(row.tau, 2):>6} {_f(row.weighted_tau, 2):>6} "
              f"{_f(row.tau_encoders, 2):>7} {row.cost.wall_s:>7.0f} {row.cost.cpu_s:>7.0f} "
              f"{row.share_wall:>10.1%} {row.share_cpu:>9.1%}  {'met' if row.met else 'not met'}"
              + (f"; {row.note}" if row.note else ""))
    print(f"{'reference':<26} {len(entries):>2} {'1.00':>6} {'1.00':>6} {'1.00':>7} {reference_cost.wall_s:>7.0f} "
          f"{reference_cost.cpu_s:>7.0f} {'100.0%':>10} {'100.0%':>9}")
    print()
    print("tau: Kendall tau-b against the reference over the candidates the method scores (n); w.tau: weighted "
          "tau (scipy.stats.weightedtau, as in the LogME paper); tau enc: encoders only (the baselines' probe "
          f"figure is their held-out accuracy, the reference itself). LogME's published mean weighted tau in the "
          f"tllib benchmark: {LOGME_PUBLISHED_WEIGHTED_TAU}. Compute: wall-clock and CPU seconds of the recommend() "
          "call (its spawned children included) plus the static model's embedding and scoring; (a)-(c) come "
          "from one call, so they share its cost; (d) is a whole tuned run (probe + pre-screen + tuning).")
    print(f"finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
