"""Re-checking one model against the constraints a saved recommendation records (``modelpick gate``).

A pipeline pins a model, then re-checks it against a fresh report without measuring again. The check is
the one the report itself made (:func:`~modelpick.selection.constraint_violations`, the same figures,
accuracy judged by the same point estimate), so gating an unchanged report agrees with its own verdict.
Limits may be tightened for the check, never loosened: a report recorded under looser limits than a
pipeline wants is a report to read more strictly, not to overrule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from modelpick._serialization import Serializable
from modelpick._validation import closest_name, for_caller, invalid_parameter, join_words
from modelpick.constraints import LATENCY_PERCENTILES, Constraints
from modelpick.exceptions import InvalidParameterError, UnknownNameError
from modelpick.results import CandidateResult, Recommendation
from modelpick.selection._constraints import constraint_violations

__all__ = ["GateCheck", "GateVerdict", "gate_model", "tighten"]

_ONLY_TIGHTENS = "gate only tightens the report's constraints"


@dataclass(frozen=True)
class GateCheck(Serializable):
    """One constraint checked against one candidate's recorded figure."""

    constraint: str  # "max_latency_ms", "max_memory_mb" or "min_accuracy"
    limit: float
    recorded_limit: float | None  # the report's own limit; None when the check added this constraint
    value: float | None  # the candidate's figure (latency at the percentile, memory, accuracy); None: unknown
    passed: bool
    text: str  # e.g. "p90 12.3 ms <= 20 ms"


@dataclass(frozen=True)
class GateVerdict(Serializable):
    """Whether a model meets a report's constraints (as tightened), and why, in one line.

    ``model`` is the candidate judged: the one named, else the report's recommendation (``None`` when the
    report recommends none). ``report_rank`` is its rank in the report (``None``: the report rejected it).
    """

    passed: bool
    model: str | None
    reason: str  # one line, e.g. "tfidf-logreg passes: p90 0.44 ms <= 20 ms, accuracy 0.900 [...] >= 0.85"
    constraints: Constraints  # what was checked: the report's constraints, tightened
    recorded_constraints: Constraints  # the report's own
    checks: tuple[GateCheck, ...] = ()
    report_rank: int | None = None
    report_recommends: str | None = None  # the report's top-ranked candidate


def _loosens(name: str, caller: str, allowed: str, value: object) -> InvalidParameterError:
    return invalid_parameter(name, caller, f"{allowed} ({_ONLY_TIGHTENS})", value)


def tighten(
    recorded: Constraints,
    *,
    max_latency_ms: float | None = None,
    max_memory_mb: float | None = None,
    min_accuracy: float | None = None,
    latency_percentile: str | None = None,
    caller: str = "tighten",
) -> Constraints:
    """``recorded`` with the given limits applied; each may only make the constraints stricter.

    A lower limit, a higher accuracy floor or a higher latency percentile replaces the recorded one; a limit
    the report did not record is added; ``None`` keeps what was recorded. A higher percentile is stricter
    because a distribution's p99 is never below its p90.

    Raises:
        InvalidParameterError: A value is invalid, or would loosen a recorded limit (the message names both
            values), or ``latency_percentile`` is given with no latency limit to apply to.

    Example:
        >>> recorded = Constraints(max_latency_ms=20, min_accuracy=0.8)
        >>> tighten(recorded, max_latency_ms=15, max_memory_mb=500).describe()
        'p90 latency at batch 1 <= 15 ms; peak memory <= 500 MB; accuracy >= 0.8'
        >>> tighten(recorded, max_latency_ms=50)
        Traceback (most recent call last):
        ...
        modelpick.exceptions.InvalidParameterError: The 'max_latency_ms' parameter of tighten must be at most the
        report's limit of 20 ms (gate only tightens the report's constraints). Got 50 instead.
    """
    try:  # the declared rules of each option (a number > 0, a fraction, a known percentile)
        Constraints(max_latency_ms=max_latency_ms, max_memory_mb=max_memory_mb, min_accuracy=min_accuracy,
                    latency_percentile=latency_percentile or recorded.latency_percentile)
    except InvalidParameterError as exc:
        raise for_caller(exc, caller) from None
    if max_latency_ms is not None and recorded.max_latency_ms is not None and max_latency_ms > recorded.max_latency_ms:
        raise _loosens("max_latency_ms", caller, f"at most the report's limit of {recorded.max_latency_ms:g} ms",
                       max_latency_ms)
    if max_memory_mb is not None and recorded.max_memory_mb is not None and max_memory_mb > recorded.max_memory_mb:
        raise _loosens("max_memory_mb", caller, f"at most the report's limit of {recorded.max_memory_mb:g} MB",
                       max_memory_mb)
    if min_accuracy is not None and recorded.min_accuracy is not None and min_accuracy < recorded.min_accuracy:
        raise _loosens("min_accuracy", caller, f"at least the report's floor of {recorded.min_accuracy:g}",
                       min_accuracy)
    if latency_percentile is not None:
        if recorded.max_latency_ms is None and max_latency_ms is None:
            raise invalid_parameter(
                "latency_percentile", caller,
                "given with a latency limit to apply to (the report records none, so set one too)",
                latency_percentile,
            )
        order = LATENCY_PERCENTILES.index
        if recorded.max_latency_ms is not None and order(latency_percentile) < order(recorded.latency_percentile):
            stricter = LATENCY_PERCENTILES[order(recorded.latency_percentile):]
            raise _loosens("latency_percentile", caller,
                           f"{join_words(stricter)}, as the report limits {recorded.latency_percentile} latency",
                           latency_percentile)
    return dataclasses.replace(
        recorded,
        max_latency_ms=recorded.max_latency_ms if max_latency_ms is None else max_latency_ms,
        max_memory_mb=recorded.max_memory_mb if max_memory_mb is None else max_memory_mb,
        min_accuracy=recorded.min_accuracy if min_accuracy is None else min_accuracy,
        latency_percentile=latency_percentile or recorded.latency_percentile,
    )


def _figure(value: float, limit: float) -> str:
    """``value`` to three significant digits without an exponent (0.44, 12.3, 250), or more where fewer would
    print a figure over ``limit`` as the limit itself ("20 ms > 20 ms")."""
    text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
    digits = 3
    while value != limit and float(text) == limit and digits < 9:
        digits += 1
        text = f"{value:.{digits}g}"
    return text


def _compared(value: float, limit: float, unit: str, *, failed: bool) -> str:
    return f"{_figure(value, limit)} {unit} {'>' if failed else '<='} {limit:g} {unit}"


def _origin(limit: float, recorded: float | None, unit: str) -> str:
    if recorded is None:
        return " (not in the report)"
    return f" (tightened from {recorded:g}{unit})" if limit != recorded else ""


def _checks(result: CandidateResult, constraints: Constraints, recorded: Constraints) -> tuple[GateCheck, ...]:
    """One check per constraint set. Each is decided by :func:`constraint_violations` on that constraint
    alone, so pass or fail is exactly what the report's own decision computes; only the wording is here."""
    checks = []
    pct = constraints.latency_percentile
    profile = result.profile
    if constraints.max_latency_ms is not None:
        limit = constraints.max_latency_ms
        failed = constraint_violations(result, Constraints(max_latency_ms=limit, latency_percentile=pct))
        value = profile.latency.percentile_ms(pct) if profile is not None else None
        text = failed[0] if value is None else f"{pct} {_compared(value, limit, 'ms', failed=bool(failed))}"
        # A percentile the report did not limit is news to a reader even when the limit is the same.
        recorded_limit = recorded.max_latency_ms
        note = _origin(limit, recorded_limit, " ms")
        if recorded_limit is not None and pct != recorded.latency_percentile:
            note = f" (tightened from {recorded.latency_percentile} <= {recorded_limit:g} ms)"
        checks.append(GateCheck("max_latency_ms", limit, recorded_limit, value, not failed, text + note))
    if constraints.max_memory_mb is not None:
        limit = constraints.max_memory_mb
        failed = constraint_violations(result, Constraints(max_memory_mb=limit))
        value = profile.memory_mb if profile is not None else None
        text = failed[0] if value is None else f"memory {_compared(value, limit, 'MB', failed=bool(failed))}"
        text += _origin(limit, recorded.max_memory_mb, " MB")
        checks.append(GateCheck("max_memory_mb", limit, recorded.max_memory_mb, value, not failed, text))
    if constraints.min_accuracy is not None:
        limit = constraints.min_accuracy
        failed = constraint_violations(result, Constraints(min_accuracy=limit))
        estimate = result.estimate  # the estimate the decision judged: its point value, as the report did
        value = result.accuracy
        if value is None or estimate is None:
            text = failed[0]
        else:
            low, high = estimate.accuracy_low, estimate.accuracy_high
            interval = f" [{low:.3f}-{high:.3f}]" if low is not None and high is not None else ""
            text = f"accuracy {value:.3f}{interval} {'<' if failed else '>='} {limit:g}"
        text += _origin(limit, recorded.min_accuracy, "")
        checks.append(GateCheck("min_accuracy", limit, recorded.min_accuracy, value, not failed, text))
    return tuple(checks)


def _named(rec: Recommendation, model: str) -> CandidateResult:
    names = [r.name for r in rec.results]
    if model in names:
        return rec.result(model)
    close = closest_name(model, names)
    hint = f" Did you mean {close!r}?" if close else ""
    raise UnknownNameError(
        f"No candidate named {model!r} in the report.{hint} It holds: {', '.join(names) or 'none'}."
    )


def gate_model(rec: Recommendation, *, model: str | None = None, constraints: Constraints | None = None) -> GateVerdict:
    """Whether ``model`` (default: the report's recommendation) meets ``constraints`` by the figures ``rec``
    recorded.

    Args:
        rec: A saved recommendation; nothing is measured again.
        model: A candidate of ``rec``; ``None`` judges the candidate ``rec`` recommends.
        constraints: What to check; ``None`` means ``rec.constraints``. Build stricter ones with
            :func:`tighten` (this function checks what it is given).

    Raises:
        UnknownNameError: ``rec`` holds no candidate called ``model`` (the message lists those it holds).

    Example:
        >>> from modelpick.testing.factories import make_recommendation, make_result
        >>> rec = make_recommendation((make_result("small", p90_ms=8, memory_mb=90),), max_latency_ms=20)
        >>> gate_model(rec).reason
        'small passes: p90 8 ms <= 20 ms'
        >>> gate_model(rec, constraints=Constraints(max_latency_ms=5)).reason
        'small fails: p90 8 ms > 5 ms (tightened from 20 ms)'
    """
    recorded = rec.constraints
    judged = recorded if constraints is None else constraints
    top = rec.ranked[0].name if rec.ranked else None

    def verdict(passed: bool, name: str | None, reason: str, checks: tuple[GateCheck, ...] = ()) -> GateVerdict:
        rank = rec.rank_of(name) if name is not None else None
        return GateVerdict(passed, name, reason, judged, recorded, checks, report_rank=rank, report_recommends=top)

    name = model if model is not None else top
    if name is None:
        closest = f"; closest: {rec.closest}" if rec.closest else ""
        rejection = next((r for r in rec.rejected if r.name == rec.closest), None)
        if rejection is not None:
            closest += f" ({'; '.join(rejection.reasons)})"
        return verdict(False, None, f"the report recommends no candidate: none meets {recorded.describe()}{closest}")
    result = _named(rec, name)
    if result.status != "ok":
        return verdict(False, name, f"{name} {result.status} in the report: {result.reason}")
    checks = _checks(result, judged, recorded)
    passed = not constraint_violations(result, judged)
    if passed:
        figures = ", ".join(c.text for c in checks) or "the report records no constraint and none was given"
        reason = f"{name} passes: {figures}"
    else:
        reason = f"{name} fails: " + ", ".join(c.text for c in checks if not c.passed)
        if model is None:
            # The recommendation fails the stricter limits: name the report's best choice that meets them.
            other = next(
                (r.name for r in rec.ranked[1:] if not constraint_violations(rec.result(r.name), judged)), None
            )
            if other is not None:
                reason += f"; {other} (rank {rec.rank_of(other)} in the report) passes"
    return verdict(passed, name, reason, checks)
