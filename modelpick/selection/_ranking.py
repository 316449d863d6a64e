"""Order the candidates that meet the constraints, with a one-sentence reason each."""

from __future__ import annotations

from collections.abc import Sequence

from modelpick.results import CandidateResult, RankedCandidate

__all__ = ["rank"]


def _cost(result: CandidateResult, pct: str) -> str:
    profile = result.profile
    if profile is None:
        return "cost not measured"
    memory = profile.memory_mb
    memory_text = "" if memory is None else (f", {memory:.0f} MB" if memory >= 1 else ", <1 MB")
    latency = profile.latency.percentile_ms(pct)
    # Baselines answer in a fraction of a millisecond; one decimal would print them as "0.0 ms".
    return f"{pct} {latency:.2f} ms{memory_text}" if latency < 1 else f"{pct} {latency:.1f} ms{memory_text}"


def _accuracy_text(result: CandidateResult) -> str:
    q = result.estimate
    assert q is not None and q.accuracy is not None
    interval = (
        f" [{q.accuracy_low:.3f}, {q.accuracy_high:.3f}]"
        if q.accuracy_low is not None and q.accuracy_high is not None
        else ""
    )
    if q.provenance == "published":
        return f"published accuracy {q.accuracy:.3f} ({q.note or q.method})"
    return f"accuracy {q.accuracy:.3f}{interval} ({q.method})"


def _known(accuracy: float | None) -> float:
    # Only candidates of known accuracy are ranked by it; None here would be a bug upstream.
    assert accuracy is not None
    return accuracy


def _latency(result: CandidateResult, pct: str) -> float | None:
    return result.profile.latency.percentile_ms(pct) if result.profile is not None else None


def rank(
    feasible: Sequence[CandidateResult], *, pareto: Sequence[str] = (), latency_percentile: str = "p90"
) -> tuple[RankedCandidate, ...]:
    """Rank candidates that meet every constraint: most accurate first, faster first on ties.

    Candidates of unknown accuracy come after every candidate of known accuracy (they may be better or
    worse; nothing here can say), ordered by latency.
    """
    pct = latency_percentile

    def speed_order(r: CandidateResult) -> tuple[float, str]:
        latency = _latency(r, pct)
        return (latency if latency is not None else float("inf"), r.name)

    known = sorted(
        (r for r in feasible if r.accuracy is not None), key=lambda r: (-_known(r.accuracy), *speed_order(r))
    )
    unknown = sorted((r for r in feasible if r.accuracy is None), key=speed_order)
    front = set(pareto)
    ranked: list[RankedCandidate] = []
    for result in known:
        top = known[0]
        if result is top:
            reason = (
                "Most accurate of the candidates that meet the constraints: "
                f"{_accuracy_text(result)}, {_cost(result, pct)}."
            )
        else:
            reason = _relative_reason(result, top, pct)
        ranked.append(RankedCandidate(len(ranked) + 1, result.name, reason, result.name in front))
    for result in unknown:
        quality = result.estimate
        note = quality.note if quality is not None and quality.note else "accuracy was not estimated"
        reason = f"Meets the cost constraints ({_cost(result, pct)}) but its accuracy is unknown: {note}."
        ranked.append(RankedCandidate(len(ranked) + 1, result.name, reason, result.name in front))
    return tuple(ranked)


def _relative_reason(result: CandidateResult, top: CandidateResult, pct: str) -> str:
    accuracy = _known(result.accuracy)
    gap = _known(top.accuracy) - accuracy
    q_top = top.estimate
    within = q_top is not None and q_top.accuracy_low is not None and accuracy >= q_top.accuracy_low
    accuracy_part = f"{_accuracy_text(result)}, {gap:.3f} below #1" + (
        " (inside #1's 95% interval)" if within else ""
    )
    mine, theirs = _latency(result, pct), _latency(top, pct)
    speed = ""
    if mine is not None and theirs is not None and mine > 0:
        ratio = theirs / mine
        speed = f"; {ratio:.1f}x faster than #1" if ratio >= 1.05 else (
            f"; {1 / ratio:.1f}x slower than #1" if ratio <= 0.95 else "; about as fast as #1"
        )
    return f"{accuracy_part}; {_cost(result, pct)}{speed}."
