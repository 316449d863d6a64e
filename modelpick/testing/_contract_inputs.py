"""What the contract suites run plug-ins on: a tiny split, tiny settings, and the shared checks."""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING, Any, get_args

from modelpick.results import Provenance

if TYPE_CHECKING:  # annotations only: the checks import these where they run
    from modelpick.data._sample import DataSplit
    from modelpick.estimation._settings import EstimationSettings
    from modelpick.profiling import ProfileSettings


PROVENANCES: tuple[str, ...] = get_args(Provenance)  # the one list, from the result type

# Two classes of words from the tiny models' vocabulary (modelpick.testing.tiny_models), so a tiny
# tokenizer reads real tokens rather than [UNK]. Four per class to train on: enough for 2-fold
# stratified cross-validation and a fitted classifier; two per class held out.
_POSITIVE = ("the movie was great", "fast delivery and good price", "i love this app", "excellent support , very fast",
             "the film was good", "great service !")
_NEGATIVE = ("terrible service and slow delivery", "login error again", "my password is not working",
             "the app is slow and broken", "i hate this app", "awful food , late order")


def contract_split(random_state: int = 0) -> DataSplit:
    """The tiny labelled split the profiler and estimator contracts measure on when given none.

    Two classes, four training and two held-out examples each, in words the tiny test models know.

    Example:
        >>> split = contract_split()
        >>> len(split.train_texts), len(split.test_texts), sorted(set(split.train_labels))
        (8, 4, ['neg', 'pos'])
    """
    from modelpick.data._sample import DataSplit

    return DataSplit(
        _POSITIVE[:4] + _NEGATIVE[:4],
        ("pos",) * 4 + ("neg",) * 4,
        _POSITIVE[4:] + _NEGATIVE[4:],
        ("pos",) * 2 + ("neg",) * 2,
        random_state,
    )


def contract_profile_settings() -> ProfileSettings:
    """Profile settings small enough that a contract check takes a fraction of a second per loop.

    The numbers they give are not worth reporting; the contract only checks their invariants.

    Example:
        >>> contract_profile_settings().max_time_s
        0.2
    """
    from modelpick.profiling import ProfileSettings

    return ProfileSettings(num_threads=1, max_time_s=0.2, min_rounds=2, max_input_lengths=4,
                           throughput_batch_size=2, throughput_batches=1)


def contract_estimation_settings() -> EstimationSettings:
    """Estimation settings small enough for a contract check (few bootstrap resamples, 2 CV folds).

    Example:
        >>> contract_estimation_settings().cv_folds
        2
    """
    from modelpick.estimation._settings import EstimationSettings

    return EstimationSettings(num_threads=1, device="cpu", random_state=0, timeout_s=180.0,
                              trust_remote_code=False, n_bootstrap=50, cv_folds=2)


def _check_registered(key: str, cls: type, attribute: str, base: type) -> None:
    assert inspect.isclass(cls) and issubclass(cls, base), f"{key}: {cls!r} must subclass {base.__name__}"
    abstract = sorted(getattr(cls, "__abstractmethods__", ()))
    assert not abstract, f"{key}: {cls.__name__} leaves abstract methods: {abstract}"
    value = getattr(cls, attribute, None)
    assert value == key, f"{key}: {cls.__name__}.{attribute} is {value!r} but it is registered as {key!r}"


def _check_round_trip(key: str, result: Any) -> None:
    """``result`` survives ``to_dict`` -> JSON text (no NaN, as reports write it) -> ``from_dict``."""
    data = result.to_dict()
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise AssertionError(
            f"{key}: {type(result).__name__}.to_dict() must be plain JSON without NaN: {exc}"
        ) from None
    back = type(result).from_dict(json.loads(text))
    assert back == result, f"{key}: {type(result).__name__} must round-trip through to_dict/from_dict; got {back!r}"
