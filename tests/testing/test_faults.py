"""The fault candidates (modelpick.testing.faults): a proper candidate kind, registered only when asked.

The faults themselves run in real children in tests/test_fault_injection.py.
"""

from __future__ import annotations

import pytest

from modelpick.candidates import CANDIDATE_KINDS, resolve_candidate, resolve_candidates
from modelpick.exceptions import InvalidParameterError, UnknownNameError
from modelpick.profiling import PROFILERS, get_profiler
from modelpick.testing import contracts
from modelpick.testing.faults import FAULTS, FaultyCandidate, FaultyProfiler, registered


def test_the_fault_kind_passes_the_candidate_contract():
    with registered():
        contracts.check_candidate_kind("fault", CANDIDATE_KINDS["fault"], FaultyCandidate.from_name("fault:hang"))


def test_registered_adds_the_kind_and_its_profiler_for_the_block_only():
    before = (dict(CANDIDATE_KINDS), dict(PROFILERS))
    with registered():
        assert [c.fault for c in resolve_candidates([f"fault:{f}" for f in FAULTS])] == list(FAULTS)
        assert isinstance(get_profiler("fault"), FaultyProfiler)
        assert resolve_candidate("tfidf-logreg").kind == "baseline"  # the other kinds are untouched
    assert (dict(CANDIDATE_KINDS), dict(PROFILERS)) == before
    with pytest.raises(UnknownNameError, match="Unknown candidate 'fault:segfault'"):
        resolve_candidate("fault:segfault")


def test_only_known_faults_are_candidates():
    assert FaultyCandidate.from_name("fault:tired") is None and FaultyCandidate.from_name("segfault") is None
    with pytest.raises(InvalidParameterError, match=r"^The 'fault' parameter of FaultyCandidate must be one of"):
        FaultyCandidate(name="fault:x", family="Fault injection", fault="tired")
