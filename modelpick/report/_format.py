"""Shared wording for the human-readable renderers (text and markdown), so both say the same thing."""

from __future__ import annotations

from modelpick.profiling._drift import round_corrections
from modelpick.results import CandidateResult, DriftCorrection, ProfileResult, QualityEstimate, Recommendation

__all__ = [
    "PRESCREEN_TITLE",
    "TUNING_HEADERS",
    "TUNING_TITLE",
    "VARIANTS_TITLE",
    "accuracy_columns",
    "constraint_line",
    "data_line",
    "machine_line",
    "memory_cell",
    "memory_figure",
    "notes",
    "parameter_figure",
    "prescreen_headers",
    "prescreen_rows",
    "tuning_lines",
    "tuning_rows",
    "variant_lines",
    "verdict",
]

PRESCREEN_TITLE = "Pre-screen scores (rank candidates by feature fit; not accuracies)"

# How people write each method's name; the estimation registry's keys are the lower-case method names.
# A method not listed here is shown by its key, so a new score appears without a report change.
_PRESCREEN_LABELS = {"logme": "LogME", "h-score": "H-score"}
_PRESCREEN_MEANINGS = {
    "logme": "LogME (You et al., ICML 2021), the log maximum evidence per example of a Bayesian linear model "
    "from the features to the labels",
    "h-score": "H-score (Bao et al., ICIP 2019, with a Ledoit-Wolf covariance as in Ibrahim et al., 2022), the "
    "share of the feature covariance that lies between the class means",
}


def accuracy_columns(result: CandidateResult) -> tuple[str, str, str]:
    """Accuracy, its 95% interval and how it was obtained, as three cells: the estimate the ranking used
    (the better of the probe and the fine-tune, when both were measured)."""
    q = result.estimate
    if q is None:
        return ("not estimated", "", "")
    if q.accuracy is None:
        return ("unknown", "", "")  # the note says why; no method produced a figure to attribute
    has_interval = q.accuracy_low is not None and q.accuracy_high is not None
    interval = f"{q.accuracy_low:.2f}-{q.accuracy_high:.2f}" if has_interval else ""
    return (f"{q.accuracy:.3f}", interval, q.basis)


def _prescreen_methods(rec: Recommendation) -> tuple[str, ...]:
    """The pre-screen methods any candidate has, the known ones first in their usual order."""
    present = {
        score.method for r in rec.results if r.status == "ok" and r.quality is not None for score in r.quality.prescreen
    }
    return tuple(m for m in _PRESCREEN_LABELS if m in present) + tuple(sorted(present - set(_PRESCREEN_LABELS)))


def prescreen_headers(rec: Recommendation) -> tuple[str, ...]:
    """Column headers of the pre-screen table, one per method; empty when no candidate has a score."""
    return tuple(_PRESCREEN_LABELS.get(m, m) for m in _prescreen_methods(rec))


def prescreen_rows(rec: Recommendation) -> list[tuple[str, tuple[str, ...]]]:
    """``(candidate, cells)`` for each candidate with a pre-screen score, in the report's order; a method
    a candidate lacks (it failed for that one) is ``"-"``."""
    methods = _prescreen_methods(rec)
    rows = []
    for result in rec.in_rank_order():
        q = result.quality
        if result.status != "ok" or q is None or not q.prescreen:
            continue
        values = (q.prescreen_score(m) for m in methods)
        rows.append((result.name, tuple("-" if v is None else f"{v:.3f}" for v in values)))
    return rows


def memory_figure(profile: ProfileResult | None) -> str:
    """A profile's memory in MB as tables show it: ``"246"``, ``"<1"``, ``"250 (GPU)"`` or ``"-"``."""
    if profile is None or profile.memory_mb is None:
        return "-"
    figure = f"{profile.memory_mb:.0f}" if profile.memory_mb >= 1 else "<1"
    return f"{figure} (GPU)" if profile.memory_on_gpu else figure


def parameter_figure(parameters: int) -> str:
    """A parameter count as tables show it: ``"22.7M"``, or exactly when small (``"16,229"``)."""
    return f"{parameters / 1e6:.1f}M" if parameters >= 100_000 else f"{parameters:,}"


def memory_cell(result: CandidateResult) -> str:
    return memory_figure(result.profile)


def constraint_line(rec: Recommendation) -> str:
    return rec.constraints.describe()


def data_line(rec: Recommendation) -> str:
    s = rec.sample
    if s is None:
        return "no sample"
    split = f", held out {s.n_test} of {s.n}" if s.n_test else ""
    q = s.token_length_quantiles
    return (
        f"{s.source}: {s.n} texts, {len(s.classes)} classes{split}; "
        f"length p50 {q.get('p50', 0):.0f} / p90 {q.get('p90', 0):.0f} pieces"
    )


def machine_line(rec: Recommendation) -> str:
    e = rec.environment
    threads = rec.config.get("num_threads")
    gpu = f", GPU {e.gpu_name}" if e.gpu_name else ""
    device = rec.config.get("device")
    return f"{e.cpu_model} ({e.usable_cpus} usable CPUs{gpu}), {threads} torch threads, device {device}"


def verdict(rec: Recommendation) -> str:
    if rec.ranked:
        top = rec.ranked[0]
        return f"Recommended: {top.name}. {top.reason}"
    closest = f" Closest: {rec.closest} ({'; '.join(_reasons(rec, rec.closest))})." if rec.closest else ""
    return f"No candidate meets the constraints.{closest}"


def _reasons(rec: Recommendation, name: str) -> tuple[str, ...]:
    for rejection in rec.rejected:
        if rejection.name == name:
            return rejection.reasons
    return ()


def notes(rec: Recommendation) -> list[str]:
    """How the numbers were obtained, in plain sentences."""
    pct = rec.constraints.latency_percentile
    batch = rec.constraints.latency_batch_size
    shape = ("at batch size 1" if batch == 1 else
             f"on a batch of {batch} texts (--batch-size), padded to the longest, read at the widths of batches "
             "drawn from your texts,")
    lines = [
        f"Latency: one forward pass (or predict call) {shape} after warm-up, in a process per candidate "
        "kept alive while the candidates of one kind take turns, round by round, so every candidate is timed "
        "over the same stretch of time. A transformer is timed at a grid of sequence lengths bracketing your "
        "texts and read at your texts' token lengths (a baseline on the texts themselves). Each round is brought "
        "to the machine's reference speed by a sentinel matrix product timed just before and just after it. "
        f"{pct} is the constrained figure. Memory: the child's peak RSS from the moment the model was ready in "
        "the form timed (loading or converting it is not counted), above a baseline process that only imported "
        "the same libraries.",
        f"Quality basis: {rec.quality_basis}.",
    ]
    if any(r.quality is not None and r.quality.provenance == "published" for r in rec.results):
        lines.append(
            "'published' accuracy comes from the cited paper or model card, on its benchmark, not on your data."
        )
    if any(r.candidate.weights_source == "architecture-only" for r in rec.results):
        lines.append(
            "architecture-only: no weights were found locally, in the Hugging Face cache, on the Hub or in a "
            "known package, so the model was built from its config with random weights: latency and memory are "
            "exact, accuracy is unknown."
        )
    methods = _prescreen_methods(rec)
    if methods:
        meanings = "; ".join(_PRESCREEN_MEANINGS.get(m, m) for m in methods)
        lines.append(
            "Pre-screen scores are computed on each linear probe's frozen training features, so they cost no "
            f"extra forward pass: {meanings}. Higher means features that suit this task better; the scores "
            "compare candidates with each other and are not accuracies."
        )
    if any(r.profile is not None and r.profile.latency.noisy for r in rec.results):
        lines.append(
            "noisy: the repeat loop hit its time cap before timings were stable; treat those latencies with care."
        )
    return lines


TUNING_TITLE = "Quick fine-tunes (Optuna studies; chosen on validation, scored on the held-out split)"
TUNING_HEADERS = (
    "candidate", "probe", "fine-tune", "ranked by", "trials", "complete/pruned/failed", "best val (top 3)",
    "time s", "outcome",
)


def _accuracy_cell(q: QualityEstimate | None) -> str:
    if q is None or q.accuracy is None:
        return "-"
    if q.accuracy_low is None or q.accuracy_high is None:
        return f"{q.accuracy:.3f}"
    return f"{q.accuracy:.3f} [{q.accuracy_low:.2f}-{q.accuracy_high:.2f}]"


def tuning_rows(rec: Recommendation) -> list[tuple[str, ...]]:
    """One row per transformer the tuning step considered: probe and fine-tune side by side, the one the
    ranking used, the trials, the best validation accuracy, the time, and what happened and why."""
    rows: list[tuple[str, ...]] = []
    for result in rec.in_rank_order():
        t = result.tuning
        if t is None:
            continue
        used = result.estimate
        best = "-"
        if t.best_validation_accuracy is not None:
            best = f"{t.best_validation_accuracy:.3f}"
            if t.validation_spread is not None:
                best += f" ({t.validation_spread[0]:.3f}-{t.validation_spread[1]:.3f})"
        finished = t.trials_complete + t.trials_pruned + t.trials_failed
        trials = f"{finished}/{t.trials_planned}" if t.trials_planned else "-"
        if t.trials_reused:
            trials += f" ({t.trials_reused} reused)"
        outcome = t.status if not t.reason else f"{t.status}: {t.reason}"
        if t.seconds_saved:
            outcome += f" (saved about {t.seconds_saved:.0f} s)"
        rows.append((
            result.name,
            _accuracy_cell(result.quality),
            _accuracy_cell(result.fine_tuned),
            used.method if used is not None and used.accuracy is not None else "-",
            trials,
            f"{t.trials_complete}/{t.trials_pruned}/{t.trials_failed}" if t.trials_planned else "-",
            best,
            f"{t.seconds:.0f}",
            outcome,
        ))
    return rows


def tuning_lines(rec: Recommendation) -> list[str]:
    """What the tuning step did as a whole: how far it got, where the studies are, how to look at them."""
    run = rec.tuning
    if run is None:
        return []
    budget = f" of a {run.budget_s:g} s budget for the whole run" if run.budget_s is not None else ""
    lines = [
        f"Tuning took {run.seconds:.0f} s{budget}; {run.note}.",
        f"Studies '{run.study_prefix}/...' are in {run.storage}; up to {run.top_k} candidates, "
        f"{run.trials_per_candidate} trials each. Look at them with: optuna-dashboard {run.storage}",
    ]
    failures = [f"{r.name} {line}" for r in rec.results if r.tuning for line in r.tuning.failures]
    lines += [f"Failed trial: {line}" for line in failures]
    return lines


def _percent(value: float) -> str:
    return f"{value * 100:+.0f}%"


def measurement_lines(rec: Recommendation) -> list[str]:
    """Per measured candidate: the lengths its latency was read at, drift, FLOP rate, and where it came from."""
    lines = []
    for result in rec.in_rank_order():
        p = result.profile
        if p is None:
            continue
        parts = []
        if p.curve is not None:
            error = "" if p.curve.held_out_error is None else f", interpolation error {p.curve.held_out_error:.1%} " \
                "at held-out lengths"
            grid = ", ".join(str(n) for n in p.curve.grid)
            parts.append(f"timed at {grid} tokens{error}; read at your {p.lengths.n} texts (p50 "
                         f"{p.lengths.p50:.0f}, p90 {p.lengths.p90:.0f} tokens)")
        if p.drift is not None:
            scaled = ("within the sentinel's own noise, not corrected" if p.drift.correction == 1.0
                      else f"figures scaled by {p.drift.correction:.3f}")
            scaled += _rounds_brought(p.drift)
            parts.append(f"machine {_percent(p.drift.drift)} vs its reference speed (sentinel "
                         f"{p.drift.sentinel_p50_ms:.3g} ms in this run, {p.drift.reference_ms:.3g} ms on "
                         f"{p.drift.reference_measured_at[:10]}; {scaled}); as measured p50 "
                         f"{p.drift.raw_p50_ms:.2f} ms")
        if p.gflops_per_s is not None and p.machine_peak_gflops:
            parts.append(f"{p.gflops_per_s:.1f} GFLOP/s, {p.gflops_per_s / p.machine_peak_gflops:.0%} of this "
                         f"machine's measured matmul peak ({p.machine_peak_gflops:.0f} GFLOP/s)")
        parts += list(p.notes)
        if p.reused_from is not None:
            where = "the measurement cache" if p.reused_from == "cache" else p.reused_from
            parts.append(f"from {where}, measured {p.measured_at or 'at an unknown time'}")
        elif p.measured_at:
            parts.append(f"measured in this run ({p.measured_at})")
        if parts:
            lines.append(f"{result.name}: " + "; ".join(parts))
    return lines


def _rounds_brought(drift: DriftCorrection) -> str:
    """How many of a profile's rounds its sentinel brought to the median round's speed, when any was."""
    moved = sum(f != drift.correction for f in round_corrections(drift, len(drift.round_sentinel_ms)))
    if not moved:
        return ""
    return (f"; {moved} of {len(drift.round_sentinel_ms)} rounds, timed while the machine was more than "
            f"{drift.round_deadband:.0%} off its median speed, brought to it")


def ratio_lines(rec: Recommendation) -> list[str]:
    """Each candidate against the next faster one, with the interval that says whether the order is clear."""
    return [
        f"{r.slower} is {r.ratio:.2f}x slower than {r.faster} at p50 (95% interval {r.low:.2f}-{r.high:.2f}"
        + ("" if r.clear else "; not a clear difference") + ")"
        for r in rec.latency_ratios
    ]


def duration_line(rec: Recommendation) -> str:
    """How long each step of the run took (the accuracy step apart from the cost step)."""
    names = {"resolve": "finding weights", "cost": "cost", "accuracy": "accuracy", "total": "total"}
    parts = [f"{names.get(k, k)} {v:.1f} s" for k, v in rec.durations_s.items()]
    return "Time: " + ", ".join(parts) if parts else ""


VARIANTS_TITLE = "Deployment variants (each timed and scored in the form deployed)"


def delta_text(result: CandidateResult) -> str | None:
    """A variant row's accuracy against its eager row's: ``"int8: accuracy -0.008 [-0.021, +0.004] vs eager
    (paired bootstrap over 60 held-out texts)"``; ``None`` for rows that are not a variant of another."""
    info = result.candidate
    if info.variant_of is None:
        return None
    d = result.accuracy_delta
    if d is None:
        why = "not measured" if result.status != "ok" or result.accuracy is None else "no eager accuracy to pair with"
        return f"{info.variant}: accuracy vs eager: {why}"
    clear = "" if d.clear else "; not a clear difference"
    return (f"{info.variant}: accuracy {d.delta:+.3f} [{d.low:+.3f}, {d.high:+.3f}] vs eager "
            f"({d.method}, {d.n} texts{clear})")


def runtime_text(result: CandidateResult) -> str:
    """The runtime a row was timed in, as one phrase: label, threads, weights as deployed."""
    p = result.profile
    if p is None or not p.runtime:
        return result.candidate.variant or "-"
    parts = [p.runtime.get("label", p.variant or "-"), f"{p.num_threads} threads"]
    if "weights_mb" in p.runtime:
        parts.append(f"weights {float(p.runtime['weights_mb']):.1f} MB as deployed")
    if "quantized_linear_modules" in p.runtime:
        parts.append(f"{p.runtime['quantized_linear_modules']} Linear layers in int8")
    if "execution_providers" in p.runtime:
        parts.append(p.runtime["execution_providers"])
    return ", ".join(parts)


def variant_lines(rec: Recommendation) -> list[str]:
    """One line per transformer row when any model has rows of several variants: its runtime and, for a
    non-eager row, its accuracy against the eager row of the same model; empty otherwise."""
    if not any(r.candidate.variant_of is not None for r in rec.results):
        return []
    lines = []
    for result in rec.results:  # in the run's order: a model's rows together, eager first
        if result.candidate.variant is None:
            continue
        text = f"{result.name}: {runtime_text(result)}"
        if result.status != "ok":
            text += f" ({result.status}: {result.reason})"
        delta = delta_text(result)
        if delta is not None:
            text += f"; {delta}"
        lines.append(text)
    return lines
