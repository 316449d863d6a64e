"""The public surface is small, sorted and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import pytest

import modelpick
from modelpick import exceptions


def test_all_is_sorted_and_importable():
    assert modelpick.__all__ == sorted(modelpick.__all__)
    for name in modelpick.__all__:
        assert hasattr(modelpick, name), name


def test_every_error_derives_from_the_root_and_every_warning_is_a_user_warning():
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        if issubclass(cls, Warning):
            # A warning is not an error: `except ModelpickError` must not catch one turned into an error by -W.
            assert issubclass(cls, UserWarning) and not issubclass(cls, exceptions.ModelpickError), name
        else:
            assert issubclass(cls, exceptions.ModelpickError), name


def test_import_does_not_pull_heavy_libraries():
    code = (
        "import sys, modelpick, modelpick.cli; "
        "heavy = [m for m in ('torch', 'transformers', 'sklearn', 'pandas', 'optuna', 'rich', 'huggingface_hub') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_isolation_reports_value_exception_crash_and_timeout():
    import os
    import time

    from modelpick._isolation import run_in_child
    from modelpick.exceptions import CandidateTimeout, ModelpickError

    assert run_in_child(divmod, 7, 2, timeout_s=60) == (3, 1)
    with pytest.raises(ModelpickError, match="^ZeroDivisionError: "):
        run_in_child(divmod, 1, 0, timeout_s=60)
    with pytest.raises(ModelpickError, match="code 3"):
        run_in_child(os._exit, 3, timeout_s=60)
    with pytest.raises(CandidateTimeout, match="^timed out after 0.5 s$"):
        run_in_child(time.sleep, 30, timeout_s=0.5)


def test_isolation_gives_modelpick_errors_as_their_message_alone():
    from modelpick._isolation import run_in_child
    from modelpick.exceptions import ModelpickError

    with pytest.raises(ModelpickError) as info:
        run_in_child(_raise_data_error, timeout_s=60)
    assert str(info.value) == "The sample has only one class ('pos')."


def _raise_data_error():
    from modelpick.exceptions import DataError

    raise DataError("The sample has only one class ('pos').")
