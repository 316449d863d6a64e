"""Where each candidate's cost comes from: a saved profiles file, the measurement cache, or measuring now.

A transformer's latency is a curve over sequence length (``profiling/_curve.py``), so a curve measured
once serves any data: it is read at *this* sample's token lengths whether it was measured a moment ago,
comes from the cache, or from a profiles file recorded on another machine. The cache keys a curve by
everything its figures depend on: the candidate (its weights files by size and date), the length grid,
the measurement settings, the hardware fingerprint and the library versions. Any change is a miss, and a
miss is measured again. A baseline's cost is timed on the sample's own texts, so its key holds the
sample too.

The machine's reference speed for drift correction and its matmul peak are measured once per machine,
thread count and library versions, and kept in the cache the same way.
"""

from __future__ import annotations

import functools
import hashlib
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from modelpick._version import __version__
from modelpick.candidates._base import Candidate, WeightsResolution
from modelpick.data import DataSplit
from modelpick.exceptions import ModelpickError
from modelpick.profiling import ProfileSettings, Reference, at_lengths, profile_together, sample_lengths_in_child
from modelpick.profiling._base import corrected_timings_ms
from modelpick.profiling._cache import MeasurementCache
from modelpick.profiling._curve import batch_widths, length_grid, ratio_interval
from modelpick.profiling._pool import replacement_reason
from modelpick.results import HardwareInfo, LatencyRatio, ProfileResult, ProfileSet

__all__ = ["Costs", "MEASUREMENT_PROCEDURE", "hardware_fingerprint", "measure_costs"]

# Bumped whenever the way a figure is measured changes: cached figures of another procedure are not reused.
# 3: calls go through a deployment variant's runner; the peak RSS restarts once the runner is ready.
# 4: the sentinel is warmed up and timed five times per round; one correction factor for a whole run.
# 5: the run's sentinel is the faster half of its candidates' (each counts once); rounds go on until the
#    medians are known to +-2%; each round waits 10 ms for the last candidate's threads to go idle.
# 6: each round makes one untimed call after its sentinel, so the first timed call finds its weights in cache.
# 7: each round's calls are brought to the candidate's median round by the round's sentinel, beyond +-5%; the
#    stop rule judges the noise of the calls so brought.
# 8: a sentinel is also timed after each round; the round's speed is the geometric mean of the two.
MEASUREMENT_PROCEDURE = 8
_VERSIONS = {"transformer": ("torch", "transformers", "tokenizers"), "baseline": ("scikit-learn", "numpy", "scipy")}
_WEIGHT_SUFFIXES = (".json", ".safetensors", ".bin", ".txt", ".model")


@dataclass(frozen=True)
class Costs:
    """Each candidate's profile or why it has none, and what the run should tell the user about them."""

    profiles: dict[str, ProfileResult]
    failures: dict[str, tuple[str, str]]  # name -> (status "failed" or "skipped", reason)
    warnings: tuple[str, ...] = ()
    ratios: tuple[LatencyRatio, ...] = ()


def hardware_fingerprint(hardware: HardwareInfo) -> dict[str, Any]:
    """What makes two machines time alike: CPU model and count, memory, OS and architecture, GPU.

    Example:
        >>> from modelpick.results import HardwareInfo
        >>> sorted(hardware_fingerprint(HardwareInfo("Linux", "3.11", "EPYC", 2, 2, 24000.0)))
        ['cpu_model', 'gpu_name', 'logical_cpus', 'machine', 'platform', 'total_memory_gb', 'usable_cpus']
    """
    return {
        "cpu_model": hardware.cpu_model, "logical_cpus": hardware.logical_cpus, "usable_cpus": hardware.usable_cpus,
        # Rounded: the total a kernel reports moves by a few MB between boots of the same machine.
        "total_memory_gb": round(hardware.total_memory_mb / 1024), "platform": platform.system(),
        "machine": platform.machine(), "gpu_name": hardware.gpu_name,
    }


def _versions(kind: str) -> dict[str, str]:
    found = {"modelpick": __version__, "python": platform.python_version()}
    for name in _VERSIONS.get(kind, ()):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


def _variant_versions(candidate: Candidate) -> dict[str, str]:
    """Versions of what a non-eager variant runs on beyond torch (ONNX Runtime, its exporter): a new
    onnxruntime times differently, and a new exporter may export what an older one could not."""
    variant = getattr(candidate, "variant", "eager")
    if variant == "eager":
        return {}
    from modelpick.candidates.variants import get_variant

    found = {}
    for module in get_variant(variant).modules:
        for name in _distributions().get(module.partition(".")[0], []):
            found[name] = metadata.version(name)
    return found


def _weights_identity(weights: WeightsResolution | None) -> dict[str, Any]:
    """The weights a profile was measured with: their files by name, size and modification time."""
    if weights is None:
        return {}
    identity: dict[str, Any] = {"source": weights.source, "path": weights.path, "config": weights.config}
    if weights.path is not None:
        folder = Path(weights.path)
        try:
            identity["files"] = sorted(
                (f.name, f.stat().st_size, f.stat().st_mtime_ns)
                for f in folder.iterdir() if f.is_file() and f.suffix in _WEIGHT_SUFFIXES
            )
        except OSError:
            identity["files"] = "unreadable"
    return identity


def _sample_digest(split: DataSplit) -> str:
    digest = hashlib.sha256()
    for part in (split.train_texts, split.train_labels, split.test_texts, split.test_labels):
        for item in part:
            digest.update(str(item).encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        digest.update(b"\1")
    return digest.hexdigest()


def _settings_key(settings: ProfileSettings) -> dict[str, Any]:
    return {
        "num_threads": settings.num_threads, "device": settings.device, "max_time_s": settings.max_time_s,
        "min_rounds": settings.min_rounds, "noise_threshold": settings.noise_threshold,
        "throughput_batch_size": settings.throughput_batch_size, "throughput_batches": settings.throughput_batches,
        "latency_batch_size": settings.latency_batch_size, "max_input_lengths": settings.max_input_lengths,
        "random_state": settings.random_state,
    }


@dataclass(frozen=True)
class _Keys:
    """The cache keys of one run's measurements."""

    hardware: dict[str, Any]
    settings: ProfileSettings
    sample: str

    def machine(self, kind: str) -> dict[str, Any]:
        return {"hardware": self.hardware, "num_threads": self.settings.num_threads, "device": self.settings.device,
                "versions": _versions(kind), "procedure": MEASUREMENT_PROCEDURE}

    def lengths(self, candidate: Candidate, weights: WeightsResolution | None) -> dict[str, Any]:
        # Every variant of a model reads the same tokenizer: its eager row's name keys them all.
        return {"candidate": getattr(candidate, "variant_of", None) or candidate.name,
                "weights": _weights_identity(weights), "sample": self.sample,
                "max_sample_lengths": self.settings.max_sample_lengths, "random_state": self.settings.random_state,
                "versions": _versions(candidate.kind), "procedure": MEASUREMENT_PROCEDURE}

    def cost(self, candidate: Candidate, weights: WeightsResolution | None,
             grid: Sequence[int] | None) -> dict[str, Any]:
        key = self.failure(candidate, weights)
        # A curve serves any sample with lengths in its grid; a baseline is timed on the sample itself.
        key["grid" if grid is not None else "sample"] = list(grid) if grid is not None else self.sample
        return key

    def failure(self, candidate: Candidate, weights: WeightsResolution | None) -> dict[str, Any]:
        """A reproducible failure's key: what the cost depends on, less the lengths it would be measured at."""
        machine = self.machine(candidate.kind)
        machine["versions"] = {**machine["versions"], **_variant_versions(candidate)}
        return {"candidate": candidate.name, "kind": candidate.kind, "variant": getattr(candidate, "variant", None),
                "weights": _weights_identity(weights), "settings": _settings_key(self.settings), **machine}


def measure_costs(
    items: Sequence[tuple[Candidate, WeightsResolution | None]],
    split: DataSplit,
    settings: ProfileSettings,
    hardware: HardwareInfo,
    *,
    saved: ProfileSet | None = None,
    saved_from: str = "",
    cache: MeasurementCache | None = None,
    reuse: bool = True,
    timeout_s: float,
    deadline: float | None = None,
    on_start: Callable[[str], None] | None = None,
) -> Costs:
    """Each candidate's cost: read from ``saved`` when given, else from ``cache`` or measured now.

    Measured profiles go into ``cache`` (when given). ``reuse=False`` (``--no-cache``) neither reads nor
    writes measurements there; the machine's calibration (reference speed, matmul peak) is still read, and
    kept when it was not there, since it describes the machine, not a candidate. Figures from a curve are
    read at this sample's token lengths; a warning names the candidates whose lengths fall outside the
    measured range.
    """
    keys = _Keys(hardware_fingerprint(hardware), settings, _sample_digest(split))
    calibration = _Calibration.read(cache, keys)
    cache = cache if reuse else None
    profiles: dict[str, ProfileResult] = {}
    failures: dict[str, tuple[str, str]] = {}
    lengths: dict[str, tuple[tuple[int, ...], str, tuple[int, ...]]] = {}  # name -> (lengths, source, grid)
    warnings: list[str] = []
    transformers = [(c, w) for c, w in items if c.kind == "transformer"]
    if saved is not None or cache is not None:
        lengths = _cached_lengths(transformers, keys, cache)
        if saved is not None:
            missing = [(c, w) for c, w in transformers if c.name not in lengths and saved.get(c.name) is not None]
            lengths.update(_counted_lengths(missing, split, settings, keys, cache, timeout_s))
    if saved is not None:
        for candidate, _ in items:
            recorded = saved.get(candidate.name)
            if recorded is None:
                failures[candidate.name] = ("skipped", f"no recorded profile for it in {saved_from}")
            elif recorded.batch_size != settings.latency_batch_size:
                failures[candidate.name] = (
                    "skipped", f"{saved_from} timed it at batch size {recorded.batch_size}, not the "
                               f"{settings.latency_batch_size} asked for; record it with --batch-size "
                               f"{settings.latency_batch_size}",
                )
            else:
                # Recorded on another machine: read at this sample's lengths, at that machine's own reference.
                counted, source, _ = lengths.get(candidate.name, ((), "", ()))
                profiles[candidate.name] = at_lengths(recorded, counted, source, reused_from=saved_from)
    else:
        hits: dict[str, ProfileResult] = {}
        to_measure = []
        for candidate, weights in items:
            hit = _cached_profile(candidate, weights, keys, cache, lengths.get(candidate.name))
            remembered = _cached_failure(candidate, weights, keys, cache) if hit is None else None
            if hit is not None:
                hits[candidate.name] = hit
            elif remembered is not None:
                failures[candidate.name] = ("failed", remembered)
            else:
                to_measure.append((candidate, weights))
        if to_measure:
            measured = _measure(to_measure, split, settings, keys, cache, calibration, timeout_s, deadline, on_start)
            for name, outcome in measured.items():
                if isinstance(outcome, ModelpickError):
                    failures[name] = ("failed", str(outcome))
                else:
                    profiles[name] = outcome[0]
                    if outcome[1] is not None:
                        lengths[name] = outcome[1]
            warnings += calibration.notes
        for name, hit in hits.items():
            # Read now, at the reference this run ended with: cached calls are kept as measured.
            counted, source, _ = lengths.get(name, ((), "", ()))
            profiles[name] = at_lengths(hit, counted, source, reused_from="cache",
                                        reference=calibration.reference_for(hit))
    profiles = {c.name: profiles[c.name] for c, _ in items if c.name in profiles}
    read_at = {name: value[0] for name, value in lengths.items() if name in profiles}
    warnings += _length_warnings(profiles)
    return Costs(profiles, failures, tuple(warnings), _ratios(profiles, read_at))


class _Calibration:
    """The machine's reference speeds and matmul peak for this run: read from the cache, kept there."""

    def __init__(self, cache: MeasurementCache | None, key: dict[str, Any], references: dict[str, Reference],
                 peak: float | None) -> None:
        self.cache, self.key, self.references, self.peak = cache, key, references, peak
        self.notes: list[str] = []

    @classmethod
    def read(cls, cache: MeasurementCache | None, keys: _Keys) -> _Calibration:
        key = keys.machine("transformer")
        references: dict[str, Reference] = {}
        peak = None
        if cache is not None:
            entry = cache.get("drift-reference", key)
            if entry is not None:
                references = {name: Reference(name, value["seconds"], value["measured_at"], value.get("processes", 1))
                              for name, value in entry.payload.items()}
            entry = cache.get("matmul-peak", key)
            if entry is not None:
                peak = float(entry.payload["gflops"])
        return cls(cache, key, references, peak)

    def reference_for(self, profile: ProfileResult) -> Reference | None:
        return self.references.get(profile.drift.sentinel) if profile.drift is not None else None

    def update(self, references: Mapping[str, Reference], replaced: Sequence[Reference],
               peaks: Sequence[float]) -> None:
        """Keep this run's references (new, or replacing ones measured in a slow spell or in fewer processes)
        and its peak."""
        for old in replaced:
            new = references[old.sentinel]
            self.notes.append(
                f"The machine's reference speed was measured again: its sentinel took {new.seconds * 1e3:.3g} ms "
                f"in this run against {old.seconds * 1e3:.3g} ms when the reference was taken ({old.measured_at}): "
                f"{replacement_reason(old, new)}. Figures are now brought to the new reference, cached ones too."
            )
        changed = any(self.references.get(name) != ref for name, ref in references.items())
        self.references = {**self.references, **references}
        if self.cache is not None and changed:
            self.cache.put("drift-reference", self.key, {
                name: {"seconds": ref.seconds, "measured_at": ref.measured_at, "processes": ref.processes}
                for name, ref in self.references.items()
            })
        if self.peak is None and peaks:
            self.peak = max(peaks)
            if self.cache is not None:
                self.cache.put("matmul-peak", self.key, {"gflops": self.peak})


def _cached_lengths(items: Sequence[tuple[Candidate, WeightsResolution | None]], keys: _Keys,
                    cache: MeasurementCache | None) -> dict[str, tuple[tuple[int, ...], str, tuple[int, ...]]]:
    found: dict[str, tuple[tuple[int, ...], str, tuple[int, ...]]] = {}
    if cache is None:
        return found
    for candidate, weights in items:
        entry = cache.get("token-lengths", keys.lengths(candidate, weights))
        if entry is not None:
            payload = entry.payload
            found[candidate.name] = (tuple(payload["lengths"]), payload["source"], tuple(payload["grid"]))
    return found


def _counted_lengths(items: Sequence[tuple[Candidate, WeightsResolution | None]], split: DataSplit,
                     settings: ProfileSettings, keys: _Keys, cache: MeasurementCache | None,
                     timeout_s: float) -> dict[str, tuple[tuple[int, ...], str, tuple[int, ...]]]:
    if not items:
        return {}
    counted = sample_lengths_in_child(items, split, settings, timeout_s=timeout_s)
    found = {}
    for candidate, weights in items:
        values, source, max_length = counted[candidate.name]
        grid = length_grid(values, max_length=max_length)
        found[candidate.name] = (values, source, grid)
        if cache is not None:
            cache.put("token-lengths", keys.lengths(candidate, weights),
                      {"lengths": list(values), "source": source, "grid": list(grid)})
    return found


def _cached_profile(candidate: Candidate, weights: WeightsResolution | None, keys: _Keys,
                    cache: MeasurementCache | None,
                    counted: tuple[tuple[int, ...], str, tuple[int, ...]] | None) -> ProfileResult | None:
    if cache is None:
        return None
    if candidate.kind == "transformer":
        if counted is None:
            return None  # the grid depends on this sample's lengths, not counted yet: measure
        entry = cache.get("cost", keys.cost(candidate, weights, counted[2]))
    else:
        entry = cache.get("cost", keys.cost(candidate, weights, None))
    if entry is None:
        return None
    try:
        profile = ProfileResult.from_dict(entry.payload)
    except (KeyError, TypeError, ValueError):  # written by another version in a shape this one cannot read
        return None
    return profile


def _cached_failure(candidate: Candidate, weights: WeightsResolution | None, keys: _Keys,
                    cache: MeasurementCache | None) -> str | None:
    """The reason of a reproducible failure remembered for this candidate, saying when and how to retry."""
    if cache is None:
        return None
    entry = cache.get("cost-failure", keys.failure(candidate, weights))
    if entry is None or not isinstance(entry.payload.get("reason"), str):
        return None
    return (f"{entry.payload['reason']} (remembered from {entry.measured_at}: it fails the same way with these "
            "library versions; --no-cache tries again)")


def _measure(items: Sequence[tuple[Candidate, WeightsResolution | None]], split: DataSplit,
             settings: ProfileSettings, keys: _Keys, cache: MeasurementCache | None, calibration: _Calibration,
             timeout_s: float, deadline: float | None, on_start: Callable[[str], None] | None,
             ) -> dict[str, ModelpickError | tuple[ProfileResult, tuple[tuple[int, ...], str, tuple[int, ...]] | None]]:
    run = profile_together(items, split, settings, timeout_s=timeout_s, references=calibration.references,
                           peak_gflops=calibration.peak, deadline=deadline, on_start=on_start)
    outcomes: dict[str, Any] = {}
    for candidate, weights in items:
        if candidate.name not in run.results:
            continue
        outcome = run.results[candidate.name]
        if isinstance(outcome, ModelpickError):
            outcomes[candidate.name] = outcome
            if cache is not None and outcome.reproducible:
                cache.put("cost-failure", keys.failure(candidate, weights), {"reason": str(outcome)})
            continue
        counted = None
        if outcome.curve is not None and candidate.name in run.lengths:
            values, source = run.lengths[candidate.name]
            counted = (values, source, outcome.curve.grid)
        outcomes[candidate.name] = (outcome, counted)
        if cache is not None:
            cache.put("cost", keys.cost(candidate, weights, outcome.curve.grid if outcome.curve else None),
                      outcome.to_dict())
            if counted is not None:
                cache.put("token-lengths", keys.lengths(candidate, weights),
                          {"lengths": list(counted[0]), "source": counted[1], "grid": list(counted[2])})
    peaks = [o[0].machine_peak_gflops for o in outcomes.values()
             if isinstance(o, tuple) and o[0].machine_peak_gflops is not None]
    calibration.update(run.references, run.replaced, peaks)
    return outcomes


def _length_warnings(profiles: Mapping[str, ProfileResult]) -> tuple[str, ...]:
    outside = [
        f"{name} ({p.lengths.outside_range} of {p.lengths.n} texts outside {p.lengths.measured_min}-"
        f"{p.lengths.measured_max} tokens)"
        for name, p in profiles.items() if p.lengths.outside_range
    ]
    if not outside:
        return ()
    return (
        "Your texts' token lengths fall outside the lengths these latencies were measured at: "
        + "; ".join(outside)
        + ". Their latency is the measured curve extended; measure again on this data (without --profiles) "
        "for exact figures.",
    )


def _ratios(profiles: Mapping[str, ProfileResult], lengths: Mapping[str, tuple[int, ...]]) -> tuple[LatencyRatio, ...]:
    """Each candidate against the next faster one: how many times slower at p50, with a 95% interval."""
    curves = sorted(
        ((p.latency.p50_ms, name) for name, p in profiles.items() if p.curve is not None and name in lengths),
    )
    ratios = []
    for (_, faster), (_, slower) in zip(curves, curves[1:], strict=False):
        fast, slow = profiles[faster], profiles[slower]
        assert fast.curve is not None and slow.curve is not None  # sorted from curves only
        ratio, low, high = ratio_interval(
            (corrected_timings_ms(slow.curve, slow.drift), batch_widths(lengths[slower], slow.batch_size)),
            (corrected_timings_ms(fast.curve, fast.drift), batch_widths(lengths[faster], fast.batch_size)),
        )
        ratios.append(LatencyRatio(slower=slower, faster=faster, ratio=ratio, low=low, high=high))
    return tuple(ratios)

