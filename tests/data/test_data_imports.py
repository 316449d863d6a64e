"""Names other packages import from ``modelpick.data._sample`` are the objects defined where they live now.

Import circles and importing each module alone are checked for the whole package in tests/test_imports.py.
"""

from __future__ import annotations

import modelpick.data


def test_names_other_packages_import_from_sample_are_the_same_objects():
    from modelpick.data import _sample, _split, _stats

    assert _sample.DataSplit is _split.DataSplit is modelpick.data.DataSplit
    assert _sample.approximate_token_lengths is _stats.approximate_token_lengths
    assert _sample.TOKEN_LENGTH_METHOD is _stats.TOKEN_LENGTH_METHOD
