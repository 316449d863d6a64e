"""ProfileSettings validation, the profiler registry, and the lazy-import promise."""

from __future__ import annotations

import subprocess
import sys

import pytest

from modelpick.exceptions import InvalidParameterError, UnknownNameError
from modelpick.profiling import PROFILERS, Profiler, ProfileSettings, baseline_rss_mb, get_profiler
from modelpick.profiling._base import cyclic_batches, draw_texts, median_length_indices


@pytest.mark.parametrize(
    ("field", "value"),
    [("num_threads", 0), ("device", "auto"), ("max_time_s", 0), ("throughput_batch_size", 0),
     ("random_state", -1), ("trust_remote_code", "yes"), ("min_rounds", 1), ("noise_threshold", 0.0),
     ("max_input_lengths", 0)],
)
def test_bad_settings_name_the_parameter(field, value):
    with pytest.raises(InvalidParameterError, match=f"The '{field}' parameter of ProfileSettings must be"):
        ProfileSettings(**{field: value})


def test_settings_are_keyword_only():
    with pytest.raises(TypeError):
        ProfileSettings(2)  # type: ignore[misc]


def test_registry_covers_the_candidate_kinds():
    from modelpick.candidates.baseline import BaselineCandidate
    from modelpick.candidates.transformer import TransformerCandidate

    assert set(PROFILERS) == {TransformerCandidate.kind, BaselineCandidate.kind}
    for kind, cls in PROFILERS.items():
        assert issubclass(cls, Profiler) and cls.kind == kind
        assert cls.baseline_imports  # a baseline-memory child has something to import
    with pytest.raises(UnknownNameError, match=r"kind 'onnx'\. Known kinds: baseline, transformer\.$"):
        get_profiler("onnx")
    with pytest.raises(UnknownNameError):
        baseline_rss_mb("onnx", ProfileSettings())


def test_draw_texts_is_seeded_and_bounded(split):
    a = draw_texts(split, ProfileSettings(max_input_lengths=5, random_state=3))
    assert a == draw_texts(split, ProfileSettings(max_input_lengths=5, random_state=3))
    assert len(a) == 5 and set(a) <= set(split.all_texts)
    assert len(draw_texts(split, ProfileSettings(max_input_lengths=1000))) == len(split.all_texts)


def test_batches_and_median_length_helpers():
    assert cyclic_batches(4, 4) == [[0, 1, 2, 3]]
    assert cyclic_batches(3, 2) == [[0, 1], [2, 0]]
    assert median_length_indices([3, 3, 9]) == [0, 1]


def test_importing_profiling_does_not_import_torch():
    code = "import modelpick.profiling, sys; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
