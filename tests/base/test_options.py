"""Each option is declared once (an AdviseConfig field); recommend() and profile() match the declarations."""

from __future__ import annotations

import inspect

import pytest

from modelpick import api
from modelpick._validation import Option
from modelpick.config import AdviseConfig

# Parameters of the API functions that are not options of a run: what to run on, and what to do with it.
_NOT_OPTIONS = {
    "recommend": {"sample", "profiles", "progress"},
    "profile": {"sample", "save", "progress"},
}
_COMMAND_OF = {"recommend": "advise", "profile": "profile"}


def test_every_field_is_a_declared_option_with_help():
    fields = AdviseConfig.__dataclass_fields__
    declared = AdviseConfig.options()
    assert set(declared) == {name for name, f in fields.items() if f.init}
    for name, (default, spec) in declared.items():
        assert isinstance(spec, Option), name
        assert spec.help and spec.help == spec.help.strip(), f"{name} needs one line of help"
        assert spec.constraints, f"{name} declares no rule for its values"
        assert default == fields[name].default, name


@pytest.mark.parametrize("function", ["recommend", "profile"])
def test_api_parameters_are_the_declared_options_with_their_defaults(function):
    signature = inspect.signature(getattr(api, function))
    options = AdviseConfig.options(_COMMAND_OF[function])
    parameters = {name: p for name, p in signature.parameters.items() if name not in _NOT_OPTIONS[function]}
    assert set(parameters) == set(options)
    for name, parameter in parameters.items():
        default, _ = options[name]
        assert parameter.default == default, f"{function}({name}=...) defaults to {parameter.default!r}, declared {default!r}"
        if name != "task":
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"{function}: {name} must be keyword-only"


def test_a_bad_option_names_the_function_the_user_called():
    with pytest.raises(ValueError, match=r"^The 'timeout_s' parameter of profile must be a number > 0\. Got -1 instead\.$"):
        api.profile(timeout_s=-1)
    with pytest.raises(ValueError, match=r"^The 'max_memory_mb' parameter of recommend must be a number > 0 or None\. Got 0 instead\.$"):
        api.recommend(max_memory_mb=0)


def test_gate_takes_each_declared_constraint_as_an_optional_tightening():
    from modelpick._validation import declared_options
    from modelpick.constraints import Constraints

    signature = inspect.signature(api.gate)
    limits = {name: p for name, p in signature.parameters.items() if name not in ("report", "model")}
    # Every constraint but the batch size, which is the shape the report's figures were measured at.
    assert set(limits) == set(declared_options(Constraints)) - {"latency_batch_size"}
    for name, parameter in limits.items():
        assert parameter.default is None, f"gate({name}=...) must default to None (keep the report's limit)"
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, name
