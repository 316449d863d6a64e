"""Comparison pages' judgements, derived from measurements by stated rules.

A "X vs Y" page states a verdict, strengths and weaknesses, and claims such as "ALBERT is faster than
BERT". Here each is a pure function of the measured results: the rule is named next to every
statement, and a claim is replaced by what was measured.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

from modelpick.candidates import Claim
from modelpick.results import CandidateResult, ClaimCheck, Comparison, PairVerdict, Recommendation, Trait

__all__ = ["COMPARED_METRICS", "COST_MARGIN", "compare_results"]

# Two cost figures closer than this ratio are "about the same": on a shared 2-core machine the same
# model's p50 moves by several percent between runs, so a smaller gap says nothing.
COST_MARGIN = 1.10


@dataclass(frozen=True)
class _Metric:
    key: str
    lower_is_better: bool
    value: Callable[[CandidateResult], float | None]
    show: Callable[[float], str]
    best_word: str  # "Fastest"
    worst_word: str  # "Slowest"
    better: str  # "faster": "3x faster than"
    worse: str  # "slower"


def profile_value(read: Callable[..., float | None]) -> Callable[[CandidateResult], float | None]:
    """A figure read from a candidate's profile, ``None`` for a candidate that did not run."""
    def value(result: CandidateResult) -> float | None:
        return read(result.profile) if result.status == "ok" and result.profile is not None else None

    return value


def _mb(value: float) -> str:
    # Below 1 MB two decimals stay readable ("0.20 MB"): "<1 MB" would compare "<1 MB" with "<1 MB".
    return f"{value:,.0f} MB" if value >= 1 else f"{value:.2f} MB"


COMPARED_METRICS: tuple[_Metric, ...] = (
    _Metric("latency", True, profile_value(lambda p: p.latency.p50_ms), lambda v: f"p50 {v:.2f} ms",
            "Fastest", "Slowest", "faster", "slower"),
    _Metric("throughput", False, profile_value(lambda p: p.throughput_per_s), lambda v: f"{v:,.0f} examples/s",
            "Highest throughput", "Lowest throughput", "higher", "lower"),
    _Metric("memory", True, profile_value(lambda p: p.memory_mb), lambda v: f"{_mb(v)} peak",
            "Least memory", "Most memory", "less", "more"),
    _Metric("parameters", True, profile_value(lambda p: float(p.parameters)), lambda v: f"{v / 1e6:.1f}M parameters"
            if v >= 100_000 else f"{v:,.0f} parameters", "Fewest parameters", "Most parameters", "fewer", "more"),
    _Metric("size-on-disk", True, profile_value(lambda p: p.weights_on_disk_mb), lambda v: f"{_mb(v)} on disk",
            "Smallest on disk", "Largest on disk", "smaller", "larger"),
)
_METRICS = {m.key: m for m in COMPARED_METRICS}


def _ratio_text(ratio: float) -> str:
    return "more than 100x" if ratio > 100 else (f"{ratio:.1f}x" if ratio < 10 else f"{ratio:.0f}x")


def _cost_ratio(metric: _Metric, better: float, worse: float) -> float:
    """How many times better ``better`` is than ``worse`` (>= 1 when it is better; 1 when they are equal,
    zero included: two baselines that both use 0 MB differ by nothing, not by "more than 100x")."""
    if better == worse:
        return 1.0
    if metric.lower_is_better:
        return worse / better if better > 0 else math.inf
    return better / worse if worse > 0 else math.inf


def _cost_traits(results: Sequence[CandidateResult]) -> list[Trait]:
    traits = []
    for metric in COMPARED_METRICS:
        measured = [(r, v) for r in results if (v := metric.value(r)) is not None]
        if len(measured) < 2:
            continue
        ordered = sorted(measured, key=lambda rv: rv[1] if metric.lower_is_better else -rv[1])
        (best, best_value), (runner, runner_value) = ordered[0], ordered[1]
        worst, worst_value = ordered[-1]
        rule = f"{metric.best_word.lower()} of the compared, ahead of the next by at least {COST_MARGIN - 1:.0%}"
        ratio = _cost_ratio(metric, best_value, runner_value)
        if ratio >= COST_MARGIN:
            traits.append(Trait(
                best.name, "strength", metric.key,
                f"{metric.best_word}: {metric.show(best_value)}, {_ratio_text(ratio)} {metric.better} than "
                f"{runner.name} ({metric.show(runner_value)})", rule,
            ))
        ratio = _cost_ratio(metric, best_value, worst_value)
        if ratio >= COST_MARGIN:
            traits.append(Trait(
                worst.name, "weakness", metric.key,
                f"{metric.worst_word}: {metric.show(worst_value)}, {_ratio_text(ratio)} {metric.worse} than "
                f"{best.name} ({metric.show(best_value)})",
                f"{metric.worst_word.lower()} of the compared, behind the best by at least {COST_MARGIN - 1:.0%}",
            ))
    return traits


def _interval(result: CandidateResult) -> tuple[float, float, float] | None:
    q = result.estimate
    if result.status != "ok" or q is None or q.accuracy is None:
        return None
    low = q.accuracy_low if q.accuracy_low is not None else q.accuracy
    high = q.accuracy_high if q.accuracy_high is not None else q.accuracy
    return q.accuracy, low, high


def _accuracy_text(result: CandidateResult) -> str:
    q = result.estimate
    assert q is not None and q.accuracy is not None
    known = q.accuracy_low is not None and q.accuracy_high is not None
    interval = f" [{q.accuracy_low:.3f}-{q.accuracy_high:.3f}]" if known else ""
    return f"{q.accuracy:.3f}{interval} ({q.basis})"


def _accuracy_traits(results: Sequence[CandidateResult]) -> list[Trait]:
    traits = []
    for r in results:
        if r.status != "ok":
            traits.append(Trait(r.name, "weakness", "status", f"Not measured here: {r.reason}",
                                "a candidate that fails to load or run here cannot be deployed as it is"))
        elif _interval(r) is None:
            q = r.estimate
            note = q.note if q is not None and q.note else "accuracy was not estimated"
            traits.append(Trait(r.name, "weakness", "accuracy", f"Accuracy on your data unknown: {note}",
                                "a candidate without a measured accuracy cannot be shown to be good enough"))
    known = sorted(((r, i) for r in results if (i := _interval(r)) is not None), key=lambda ri: -ri[1][0])
    if len(known) >= 2:
        (best, b), (runner, n) = known[0], known[1]
        if b[1] > n[2]:
            traits.append(Trait(
                best.name, "strength", "accuracy",
                f"Most accurate on your data: {_accuracy_text(best)}, above {runner.name}'s {_accuracy_text(runner)}",
                "highest accuracy, with its 95% interval entirely above the next candidate's",
            ))
        (worst, w) = known[-1]
        if w[2] < b[1]:
            traits.append(Trait(
                worst.name, "weakness", "accuracy",
                f"Least accurate on your data: {_accuracy_text(worst)}, below {best.name}'s {_accuracy_text(best)}",
                "lowest accuracy, with its 95% interval entirely below the best candidate's",
            ))
    return traits


def _verdict(a: CandidateResult, b: CandidateResult) -> PairVerdict | None:
    if a.profile is None or b.profile is None or a.status != "ok" or b.status != "ok":
        return None
    fast, slow = (a, b) if a.profile.latency.p50_ms <= b.profile.latency.p50_ms else (b, a)
    fp, sp = fast.profile, slow.profile
    assert fp is not None and sp is not None
    speedup = sp.latency.p50_ms / fp.latency.p50_ms if fp.latency.p50_ms > 0 else math.inf
    speedup_p90 = sp.latency.p90_ms / fp.latency.p90_ms if fp.latency.p90_ms > 0 else math.inf
    memory_ratio = (fp.memory_mb / sp.memory_mb) if fp.memory_mb is not None and sp.memory_mb else None
    fi, si = _interval(fast), _interval(slow)
    delta = margin = None
    if fi is not None and si is not None:
        delta = (fi[0] - si[0]) * 100
        margin = math.hypot((fi[2] - fi[1]) / 2, (si[2] - si[1]) / 2) * 100
    lead = "On this machine and this data, "
    if speedup < COST_MARGIN:
        speed = (f"{fast.name} and {slow.name} are about as fast (p50 {fp.latency.p50_ms:.2f} ms vs "
                 f"{sp.latency.p50_ms:.2f} ms, within {COST_MARGIN - 1:.0%})")
    else:
        speed = (f"{fast.name} is {_ratio_text(speedup)} faster than {slow.name} (p50 {fp.latency.p50_ms:.2f} ms vs "
                 f"{sp.latency.p50_ms:.2f} ms; {_ratio_text(speedup_p90)} at p90)")
    if delta is None or margin is None:
        unknown = [r.name for r, i in ((fast, fi), (slow, si)) if i is None]
        accuracy = (f"; accuracy cannot be compared, as {' and '.join(unknown)} "
                    f"{'has' if len(unknown) == 1 else 'have'} no measured accuracy")
    else:
        where = "inside" if abs(delta) <= margin else "outside"
        accuracy = f" at {delta:+.1f} points of accuracy ({where} the ±{margin:.1f}-point interval of the difference)"
    return PairVerdict(fast.name, slow.name, speedup, speedup_p90, memory_ratio, delta, margin,
                       lead + speed + accuracy + ".")


def _check_claim(claim: Claim, subject: CandidateResult, other: CandidateResult) -> ClaimCheck:
    def check(holds: bool | None, measured: str) -> ClaimCheck:
        return ClaimCheck(claim.claim, subject.name, other.name, claim.metric, holds, measured)

    named = f"{subject.name} ({claim.subject})", f"{other.name} ({claim.other})"
    if claim.metric == "accuracy":
        si, oi = _interval(subject), _interval(other)
        if si is None or oi is None:
            missing = " and ".join(n for n, i in zip(named, (si, oi), strict=True) if i is None)
            return check(None, f"Not checkable here: no measured accuracy for {missing}.")
        measured = f"Measured on your data: {named[0]} {_accuracy_text(subject)}, {named[1]} {_accuracy_text(other)}"
        if si[1] > oi[2]:
            return check(True, measured + ": the intervals do not overlap, so it holds here.")
        if si[2] < oi[1]:
            return check(False, measured + ": the other way round, and the intervals do not overlap.")
        return check(None, measured + ": the 95% intervals overlap, so this data cannot tell them apart.")
    metric = _METRICS[claim.metric]
    sv, ov = metric.value(subject), metric.value(other)
    if sv is None or ov is None:
        return check(None, f"Not checkable here: no {claim.metric} figure for one of them.")
    measured = f"Measured here: {named[0]} {metric.show(sv)}, {named[1]} {metric.show(ov)}"
    ratio = _cost_ratio(metric, sv, ov)
    if ratio >= COST_MARGIN:
        return check(True, f"{measured}: {_ratio_text(ratio)} {metric.better}, so it holds here.")
    if ratio <= 1 / COST_MARGIN:
        return check(False, f"{measured}: {other.name} is {_ratio_text(1 / ratio)} {metric.better}, the opposite.")
    return check(False, f"{measured}: within {COST_MARGIN - 1:.0%} of each other, so neither is ahead.")


def _claims(results: Sequence[CandidateResult], claims: Sequence[Claim]) -> list[ClaimCheck]:
    checks = []
    for claim in claims:
        for subject in results:
            for other in results:
                if (subject is not other and subject.status == "ok" and other.status == "ok"
                        and subject.candidate.family.lower() == claim.subject.lower()
                        and other.candidate.family.lower() == claim.other.lower()):
                    checks.append(_check_claim(claim, subject, other))
    return checks


def compare_results(rec: Recommendation, claims: Sequence[Claim] = ()) -> Comparison:
    """The verdicts, strengths, weaknesses and claim checks of the candidates measured in ``rec``.

    Every pair gets a verdict (faster first); every strength and weakness names its rule; a claim is
    checked when two compared candidates belong to its two families.
    """
    results = rec.results
    verdicts = tuple(v for a, b in combinations(results, 2) if (v := _verdict(a, b)) is not None)
    order = {r.name: i for i, r in enumerate(results)}
    traits = sorted(_cost_traits(results) + _accuracy_traits(results), key=lambda t: order[t.candidate])
    return Comparison(
        candidates=tuple(r.name for r in results),
        recommendation=rec,
        verdicts=verdicts,
        traits=tuple(traits),
        claims=tuple(_claims(results, claims)),
    )
