"""What an advise run is asked to do: :class:`AdviseConfig`, the one declaration of every option.

Each field carries its default, the values it allows and its help (:func:`modelpick._validation.option`).
:func:`modelpick.recommend`, :func:`modelpick.profile` and the CLI flags are built from these fields or
checked against them by tests, so an option is written once.

Building a config validates it and touches nothing else: no files are read, no hardware probed, no
library imported. The run resolves it into facts later.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from modelpick._validation import (
    ALL_COMMANDS,
    BOOLEAN,
    COLUMN_NAME,
    COUNT,
    DURATION,
    FRACTION,
    POSITIVE_NUMBER,
    SEED,
    Options,
    StrSequence,
    declared_options,
    for_caller,
    instance_of,
    option,
    validate_options,
)
from modelpick.constraints import LATENCY_PERCENTILES, Constraints
from modelpick.exceptions import InvalidParameterError

__all__ = ["LATENCY_PERCENTILES", "AdviseConfig"]

_CONSTRAINT_NAMES = ("max_latency_ms", "max_memory_mb", "min_accuracy", "latency_percentile", "latency_batch_size")
_TUNING_COMMANDS = ("advise", "compare")


def _declared_by_constraints(name: str) -> Any:
    # The constraint options are declared on Constraints; the config takes them flat, with the same
    # default, rules and help, so they are still written once.
    default, spec = declared_options(Constraints)[name]
    return field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class AdviseConfig:
    """Everything that decides what an advise run measures and how it chooses.

    Every field is an option of :func:`modelpick.recommend` and of ``modelpick advise`` (see
    ``modelpick advise --help`` for the flags); ``constraints`` gathers the four limits as one
    :class:`~modelpick.constraints.Constraints`.

    Args:
        task: Registered task name, e.g. ``"text-classification"``.
        max_latency_ms: Hard limit on ``latency_percentile`` latency of one call at ``latency_batch_size``, in ms.
        max_memory_mb: Hard limit on peak memory over the baseline process, in MiB.
        min_accuracy: Hard floor on estimated accuracy (0..1). Candidates of unknown accuracy fail it.
        latency_percentile: Which percentile ``max_latency_ms`` refers to.
        latency_batch_size: Texts per call in the deployment (``--batch-size``): the latency figures are one call
            on that many texts, padded to the longest, read over batches drawn from the sample's lengths.
        candidates: Names from the catalog, baseline names, Hub ids or local paths. ``None``: the
            default catalog plus the baselines.
        variants: The deployment variants of each transformer candidate, each profiled and scored as its
            own row (``"eager"``, ``"int8"``, ``"onnx"``, ``"fp16"``, ``"bf16"``; see
            :mod:`modelpick.candidates.variants`). The eager row keeps the model's name; the others are
            named ``"<name> [<variant>]"``. ``None``: every variant that can run here, which is eager and
            int8 on a CPU, onnx when ONNX Runtime is installed, and fp16 and bf16 on CUDA. A variant named
            that cannot run here is a skipped row that says why. Baselines have no variants.
        text_column / label_column: Columns of the sample; ``None`` detects them.
        test_size: Fraction of the sample held out (stratified, made once, shared by every candidate).
        random_state: Seeds every random choice of the run.
        num_threads: Torch threads in each profiling child; ``None`` uses every CPU this process may use.
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when present).
        timeout_s: Wall-clock limit for each candidate's child process.
        max_profile_time_s: Time cap for the adaptive repeat loop of one latency measurement.
        throughput_batch_size: Batch size at which throughput is reported.
        allow_download: Let weight resolution download from the Hugging Face Hub when online.
        trust_remote_code: Passed to ``from_pretrained``; off unless the user asks.
        allow_pickle: Load weights stored only as a pickled ``pytorch_model.bin`` (it can run code when
            loaded); off: safetensors only, and a local model without them is refused.
        estimate_quality: ``False`` skips accuracy estimates (cost only).
        tune: Quick fine-tune the top candidates, each tuned by an Optuna study (README "Quick fine-tunes").
        tune_top_k: How many candidates to fine-tune, best pre-screen score (LogME) first.
        tune_trials: Trials per fine-tuned candidate; finished trials of a resumed study count.
        time_budget_s: Wall-clock budget of the whole run in seconds; tuning gets what measuring leaves,
            shared by successive halving. ``None``: no budget.
        storage: Optuna storage URL of the studies; ``None``: a SQLite file under the user cache dir.
        study: Prefix of the study names, for ``modelpick tune --study`` workers; ``None``: ``"modelpick"``.
        use_cache: Reuse cost measurements of the same candidate, length grid, settings, hardware and
            library versions from the measurement cache, and keep new ones there. ``False``
            (``--no-cache``): measure every candidate again and leave its cached measurements as they
            are; the machine's calibration (drift reference, matmul peak) is still read from the cache.
        cache_path: The measurement cache's SQLite file; ``None``: ``measurements.sqlite3`` in the user
            cache dir.

    Example:
        >>> config = AdviseConfig(max_latency_ms=20)
        >>> config.constraints.max_latency_ms, config.latency_percentile
        (20, 'p90')
    """

    task: str = option(
        "text-classification", instance_of(str, "a task name (see modelpick.available_tasks())"),
        metavar="NAME", help="task name",
    )
    max_latency_ms: float | None = _declared_by_constraints("max_latency_ms")
    max_memory_mb: float | None = _declared_by_constraints("max_memory_mb")
    min_accuracy: float | None = _declared_by_constraints("min_accuracy")
    latency_percentile: str = _declared_by_constraints("latency_percentile")
    latency_batch_size: int = _declared_by_constraints("latency_batch_size")
    candidates: tuple[str, ...] | None = option(
        None, StrSequence(min_length=1), None, flag="--candidate", metavar="NAME",
        help="catalog name, baseline, Hub id or local path; repeat for several (default: the catalog + baselines)",
    )
    variants: tuple[str, ...] | None = option(
        None, StrSequence(min_length=1), None, flag="--variant", metavar="NAME",
        help="deployment variant of each transformer, each its own row: eager, int8, onnx, fp16 or bf16; repeat for "
             "several (default: those that can run here: eager and int8 on CPU, onnx with modelpick[onnx], fp16 "
             "and bf16 on CUDA)",
    )
    text_column: str | None = option(
        None, COLUMN_NAME, None, metavar="NAME",
        help="column holding the texts (default: detected)",
    )
    label_column: str | None = option(
        None, COLUMN_NAME, None, metavar="NAME",
        help="column holding the labels (default: detected)",
    )
    test_size: float = option(
        0.25, FRACTION, metavar="F", commands=("advise", "compare"),
        help="fraction of the sample held out for scoring, stratified",
    )
    random_state: int = option(
        0, SEED, flag="--seed", metavar="N", help="seed of every random choice",
    )
    num_threads: int | None = option(
        None, COUNT, None, flag="--threads", metavar="N",
        help="torch threads per candidate (default: all usable CPUs)",
    )
    device: str = option("auto", Options(("auto", "cpu", "cuda")), help="where to run; auto: CUDA when present")
    timeout_s: float = option(
        600.0, POSITIVE_NUMBER, metavar="S", help="limit per candidate process, in s",
    )
    max_profile_time_s: float = option(
        4.0, POSITIVE_NUMBER, metavar="S",
        help="time cap of one latency measurement loop, in s",
    )
    throughput_batch_size: int = option(
        16, COUNT, metavar="N", help="batch size of the throughput figure",
    )
    allow_download: bool = option(
        True, BOOLEAN, flag="--offline",
        help="never download weights from the Hugging Face Hub",
    )
    trust_remote_code: bool = option(
        False, BOOLEAN, help="allow model code from the Hub (off by default)",
    )
    allow_pickle: bool = option(
        False, BOOLEAN,
        help="load weights that exist only as pytorch_model.bin, a pickle that can run code (off: safetensors only)",
    )
    estimate_quality: bool = option(
        True, BOOLEAN, flag="--no-quality", commands=("advise",),
        help="measure cost only; skip accuracy estimates",
    )
    tune: bool = option(
        False, BOOLEAN, commands=_TUNING_COMMANDS,
        help="quick fine-tune the top candidates, each tuned by an Optuna study",
    )
    tune_top_k: int = option(
        3, COUNT, metavar="K", commands=_TUNING_COMMANDS,
        help="how many candidates to fine-tune, best pre-screen score first",
    )
    tune_trials: int = option(
        10, COUNT, metavar="N", commands=_TUNING_COMMANDS,
        help="Optuna trials per fine-tuned candidate (a resumed study's finished trials count)",
    )
    time_budget_s: float | None = option(
        None, DURATION, None, flag="--time-budget", metavar="DURATION", commands=_TUNING_COMMANDS,
        help="wall-clock budget of the whole run: seconds, or 90s, 20m, 1h30m; tuning gets what measuring leaves",
    )
    storage: str | None = option(
        None, instance_of(str, "a database URL"), None, metavar="URL", commands=_TUNING_COMMANDS,
        help="Optuna storage of the studies, e.g. postgresql+psycopg://user@host/db (default: SQLite in the cache dir)",
    )
    study: str | None = option(
        None, instance_of(str, "a study name"), None, metavar="NAME", commands=_TUNING_COMMANDS,
        help="prefix of the study names; more workers join with modelpick tune --study NAME (default: modelpick)",
    )
    use_cache: bool = option(
        True, BOOLEAN, flag="--no-cache", commands=("advise", "compare", "profile"),
        help="measure every candidate again, reusing no cached measurement (the machine's calibration still is)",
    )
    cache_path: str | None = option(
        None, instance_of(str, "a file path"), None, flag="--cache", metavar="FILE",
        commands=("advise", "compare", "profile"),
        help="SQLite file of cached measurements (default: measurements.sqlite3 in the user cache dir)",
    )
    constraints: Constraints = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        caller = type(self).__name__
        others = [name for name in declared_options(type(self)) if name not in _CONSTRAINT_NAMES]
        validate_options(self, caller=caller, names=others)
        for name in ("candidates", "variants"):
            if getattr(self, name) is not None:
                # A list given by a user becomes a tuple so the config stays hashable and frozen.
                object.__setattr__(self, name, tuple(getattr(self, name)))
        try:
            constraints = Constraints(**{name: getattr(self, name) for name in _CONSTRAINT_NAMES})
        except InvalidParameterError as exc:
            raise for_caller(exc, caller) from None
        object.__setattr__(self, "constraints", constraints)

    @classmethod
    def for_caller(cls, caller: str, **values: Any) -> AdviseConfig:
        """Build a config for the public function ``caller``, so errors name the function the user called.

        Example:
            >>> AdviseConfig.for_caller("recommend", timeout_s=0)
            Traceback (most recent call last):
            ...
            modelpick.exceptions.InvalidParameterError: The 'timeout_s' parameter of recommend must be a number > 0.
            Got 0 instead.
        """
        try:
            return cls(**values)
        except InvalidParameterError as exc:
            raise for_caller(exc, caller) from None

    @staticmethod
    def options(command: str | None = None) -> dict[str, tuple[Any, Any]]:
        """``name -> (default, Option)`` of every option, or of those ``command`` takes.

        Example:
            >>> sorted(AdviseConfig.options("profile"))[:3]
            ['allow_download', 'allow_pickle', 'cache_path']
        """
        if command is not None and command not in ALL_COMMANDS:
            raise ValueError(f"Unknown command {command!r}; choose from {ALL_COMMANDS}.")
        declared = declared_options(AdviseConfig)
        return {n: d for n, d in declared.items() if command is None or command in d[1].commands}

    def to_dict(self) -> dict[str, Any]:
        """Every option, as plain JSON types."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
        for name in ("candidates", "variants"):
            if data[name] is not None:
                data[name] = list(data[name])
        return data

    def replace(self, **changes: Any) -> AdviseConfig:
        """A copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)
