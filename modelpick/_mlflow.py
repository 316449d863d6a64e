"""Log a recommendation or a comparison to MLflow: the options and constraints as parameters, every
candidate's figures as metrics, the outcome as tags, and the report files and the JSON as artifacts.

MLflow is optional (``pip install 'modelpick[mlflow]'``, the light ``mlflow-skinny`` client; a full
``mlflow`` install provides the same module). It is imported only when a run is logged, so
``import modelpick`` never pays for it.

Only :class:`mlflow.tracking.MlflowClient` is used, never MLflow's fluent API: logging from modelpick must
not change the caller's active run, tracking URI or experiment. Where nothing is given, MLflow's own
resolution applies: ``MLFLOW_TRACKING_URI`` (else ``mlflow.set_tracking_uri``, else MLflow's default) and
``MLFLOW_EXPERIMENT_NAME`` / ``MLFLOW_EXPERIMENT_ID`` (else the experiment ``modelpick``).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from modelpick._errors import one_line
from modelpick._imports import require
from modelpick.exceptions import InvalidParameterError, ModelpickError
from modelpick.results import CandidateResult, Comparison, Recommendation

__all__ = ["DEFAULT_EXPERIMENT", "check_tracking", "log_to_mlflow", "metric_prefix", "shown_uri"]

DEFAULT_EXPERIMENT = "modelpick"

# MLflow's limits (mlflow.utils.validation): keys, parameter and tag values, and items per log_batch call.
_MAX_KEY, _MAX_PARAM_VALUE, _MAX_TAG_VALUE = 250, 6000, 8000
_MAX_PARAMS_PER_BATCH, _MAX_METRICS_PER_BATCH = 100, 1000
# What follows a candidate's prefix in a key: a "-NN" suffix, the dot and the longest metric name
# ("weights_on_disk_mb", 18 characters), with some to spare.
_ROOM_AFTER_PREFIX = 28
# The characters MLflow accepts in a key on every platform (a colon is refused on Windows); a key must
# also be a relative path that normalizes to itself, so no leading "/" or "." either.
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_.\- ]")


def _mlflow() -> Any:
    return require("mlflow", purpose="log runs to MLflow")


def metric_prefix(candidate: str) -> str:
    """The start of ``candidate``'s MLflow metric keys (``"<prefix>.<metric>"``): its name with every
    character MLflow refuses in a key (slashes, colons, ...) replaced by ``_``, cut so that a ``-NN``
    suffix (names that clean to the same prefix) and the longest metric name still fit MLflow's key limit.

    Example:
        >>> metric_prefix("distilbert-base-uncased")
        'distilbert-base-uncased'
        >>> metric_prefix("/models/My Model:v2")
        'models_My Model_v2'
        >>> len(metric_prefix("/very/long/path/" * 40)) + len("-99.weights_on_disk_mb") <= 250
        True
    """
    name = _NOT_ALLOWED.sub("_", candidate).strip("_. ") or "candidate"
    return name[: _MAX_KEY - _ROOM_AFTER_PREFIX]


def _param_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _MAX_PARAM_VALUE else text[: _MAX_PARAM_VALUE - 3] + "..."


def _flatten(prefix: str, values: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(f"{name}.", value))
        else:
            flat[name] = value
    return flat


def _params(rec: Recommendation) -> dict[str, str]:
    """Every option as used (constraints included), the measurement settings, the machine and versions."""
    env = rec.environment
    params: dict[str, Any] = {**rec.config, **rec.constraints.to_dict(), "task": rec.task}
    params.update(_flatten("settings.", rec.settings))
    params.update({
        "hardware.platform": env.platform, "hardware.python": env.python, "hardware.cpu_model": env.cpu_model,
        "hardware.logical_cpus": env.logical_cpus, "hardware.usable_cpus": env.usable_cpus,
        "hardware.total_memory_mb": env.total_memory_mb, "hardware.gpu_name": env.gpu_name,
        "hardware.gpu_memory_mb": env.gpu_memory_mb, "modelpick_version": rec.modelpick_version,
        "quality_basis": rec.quality_basis,
    })
    params.update({f"version.{library}": version for library, version in env.library_versions.items()})
    if rec.sample is not None:
        params.update({"sample.source": rec.sample.source, "sample.n": rec.sample.n,
                       "sample.n_train": rec.sample.n_train, "sample.n_test": rec.sample.n_test})
    return {_NOT_ALLOWED.sub("_", key)[:_MAX_KEY]: _param_value(value) for key, value in params.items()}


def _candidate_metrics(result: CandidateResult, rec: Recommendation) -> dict[str, float]:
    figures: dict[str, Any] = {}
    profile = result.profile
    if profile is not None:
        for percentile in ("p50", "p90", "p95", "p99"):
            figures[f"latency_{percentile}_ms"] = profile.latency.percentile_ms(percentile)
        figures.update({
            "latency_mean_ms": profile.latency.mean_ms, "peak_memory_mb": profile.memory_mb,
            "throughput_per_s": profile.throughput_per_s, "parameters": profile.parameters,
            "weights_on_disk_mb": profile.weights_on_disk_mb,
        })
    estimate = result.estimate
    if estimate is not None:
        figures.update({"accuracy": estimate.accuracy, "accuracy_low": estimate.accuracy_low,
                        "accuracy_high": estimate.accuracy_high})
    rank = rec.rank_of(result.name)
    if rank is not None:
        figures["rank"] = rank
    if result.status == "ok":
        figures["on_pareto_front"] = result.name in rec.pareto_front
    # None is unknown and stays absent: MLflow has no "unknown", and a 0 would read as a measurement.
    return {name: float(value) for name, value in figures.items()
            if value is not None and math.isfinite(float(value))}


def _metrics(rec: Recommendation) -> dict[str, float]:
    metrics: dict[str, float] = {}
    taken: set[str] = set()
    for result in rec.in_rank_order():
        # Two names that differ only in refused characters ("org/m", "org:m") must not share keys.
        base = metric_prefix(result.name)
        prefix, n = base, 2
        while prefix in taken:
            prefix, n = f"{base}-{n}", n + 1
        taken.add(prefix)
        metrics.update({f"{prefix}.{name}": value for name, value in _candidate_metrics(result, rec).items()})
    return metrics


def _tags(result: Recommendation | Comparison, rec: Recommendation) -> dict[str, str]:
    tags = {
        "modelpick.document": type(result).__name__.lower(),
        "modelpick.satisfied": str(rec.satisfied).lower(),
        "modelpick.schema_version": result.schema_version,
        "modelpick.task": rec.task,
    }
    if rec.best is not None:
        tags["modelpick.recommended"] = rec.best.name
        note = f"modelpick recommends {rec.best.name}: {rec.ranked[0].reason}"
    else:
        note = "No candidate meets the constraints" + (f"; closest: {rec.closest}." if rec.closest else ".")
    if rec.closest is not None:
        tags["modelpick.closest"] = rec.closest
    tags["mlflow.note.content"] = note  # MLflow shows this tag as the run's description
    return {key: value[:_MAX_TAG_VALUE] for key, value in tags.items()}


def _experiment_name(experiment: str | None) -> tuple[str | None, str | None]:
    """(name, id) of the experiment to log to: ``experiment``, else MLflow's environment variables."""
    if experiment is not None:
        return experiment, None
    if os.environ.get("MLFLOW_EXPERIMENT_NAME"):
        return os.environ["MLFLOW_EXPERIMENT_NAME"], None
    if os.environ.get("MLFLOW_EXPERIMENT_ID"):
        return None, os.environ["MLFLOW_EXPERIMENT_ID"]
    return DEFAULT_EXPERIMENT, None


def shown_uri(uri: str) -> str:
    """``uri`` with any password replaced by ``***``, for messages.

    Example:
        >>> shown_uri("https://me:secret@mlflow.example.com/"), shown_uri("sqlite:///mlflow.db")
        ('https://me:***@mlflow.example.com/', 'sqlite:///mlflow.db')
    """
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)))


def _reason(uri: str, exc: BaseException) -> str:
    """``exc`` as one line, without the URI's password (MLflow's messages repeat the URL they called)."""
    password = urlsplit(uri).password
    return one_line(exc).replace(password, "***") if password else one_line(exc)


def _fail(uri: str, exc: BaseException) -> InvalidParameterError:
    return InvalidParameterError(f"Cannot log to MLflow at {shown_uri(uri)!r}: {_reason(uri, exc)}")


def _experiment(client: Any, uri: str, experiment: str | None, *, create: bool) -> str | None:
    """The id of the experiment to log to; created when missing and ``create`` (else ``None``)."""
    name, experiment_id = _experiment_name(experiment)
    if name is None:
        found = client.get_experiment(experiment_id)  # raises when there is no such id
    else:
        if not name.strip():
            raise InvalidParameterError("The MLflow experiment name is empty. Give a name, e.g. 'modelpick'.")
        found = client.get_experiment_by_name(name)
    if found is not None and found.lifecycle_stage == "deleted":
        raise InvalidParameterError(
            f"The MLflow experiment {found.name!r} at {shown_uri(uri)!r} is deleted. Restore it "
            f"(mlflow experiments restore --experiment-id {found.experiment_id}) or log to another experiment."
        )
    if found is not None:
        return str(found.experiment_id)
    if not create:
        return None
    try:
        return str(client.create_experiment(name))
    except Exception:  # another process may have created it meanwhile: use that one
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def _client(tracking_uri: str | None) -> tuple[Any, str]:
    mlflow = _mlflow()
    uri = tracking_uri or mlflow.get_tracking_uri()
    try:
        return mlflow.tracking.MlflowClient(tracking_uri=uri), uri
    except Exception as exc:  # a URI scheme MLflow knows no store for, a path that cannot be made, ...
        raise _fail(uri, exc) from exc


def check_tracking(*, tracking_uri: str | None = None, experiment: str | None = None, quiet: bool = False) -> str:
    """Check before measuring that a run can be logged to MLflow; return the tracking URI that will be used.

    Opens the tracking store and looks the experiment up, so a missing ``mlflow``, a URI MLflow cannot
    open (a server that does not answer, a directory that cannot be made, a file store MLflow refuses) or a
    deleted experiment is found before minutes of measuring, not after. Creates nothing in MLflow beyond
    what opening its store does (a local store's directory or database).

    ``quiet``: keep MLflow's own INFO lines (a new store's "Creating initial MLflow database tables") off
    stderr, for this process.

    Raises:
        MissingDependencyError: ``mlflow`` is not installed.
        InvalidParameterError: the store cannot be opened or the experiment is deleted.
    """
    if quiet:
        import logging

        _mlflow()  # importing mlflow sets its loggers' levels; ours must come after
        logging.getLogger("mlflow").setLevel(logging.WARNING)
    client, uri = _client(tracking_uri)
    try:
        _experiment(client, uri, experiment, create=False)
    except ModelpickError:
        raise
    except Exception as exc:  # the boundary: whatever MLflow or its store raised, as one line
        raise _fail(uri, exc) from exc
    return uri


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    return (items[start:start + size] for start in range(0, len(items), size))


def log_to_mlflow(
    result: Recommendation | Comparison,
    *,
    report_files: Sequence[str | os.PathLike[str]] = (),
    tracking_uri: str | None = None,
    experiment: str | None = None,
    run_name: str | None = None,
) -> str:
    """Log ``result`` as one MLflow run and return the run's id.

    Parameters: every option as used (constraints included), the measurement settings, the machine
    (``hardware.*``), library versions (``version.*``) and ``modelpick_version``. Metrics, per candidate:
    ``<candidate>.latency_p90_ms`` (and p50, p95, p99, mean), ``.peak_memory_mb``, ``.throughput_per_s``,
    ``.parameters``, ``.weights_on_disk_mb``, ``.accuracy``, ``.accuracy_low``, ``.accuracy_high``, ``.rank``
    and ``.on_pareto_front`` (1 or 0); a figure that is unknown is left out, never logged as 0. Tags:
    ``modelpick.recommended``, ``modelpick.satisfied``, ``modelpick.closest``, ``modelpick.schema_version``.
    Artifacts: each of ``report_files`` under ``reports/``, and the JSON of ``result`` as
    ``recommendation.json`` or ``comparison.json``.

    Args:
        result: A :class:`~modelpick.Recommendation` or :class:`~modelpick.Comparison`.
        report_files: Report files already written (e.g. by ``modelpick advise --report``) to attach.
        tracking_uri: Where to log; default: MLflow's own (``MLFLOW_TRACKING_URI``, else its default).
        experiment: The experiment's name, created if missing; default: ``MLFLOW_EXPERIMENT_NAME``, else
            ``MLFLOW_EXPERIMENT_ID``, else ``"modelpick"``.
        run_name: The run's name; default ``modelpick-<document>-<recommended candidate or "unmet">``.

    Returns:
        The id of the new run (finished; marked failed if logging stopped halfway).

    Raises:
        MissingDependencyError: ``mlflow`` is not installed (``pip install 'modelpick[mlflow]'``).
        InvalidParameterError: MLflow refused or could not be reached; the message says why in one line.

    Example:
        >>> import tempfile
        >>> from modelpick.testing.factories import make_recommendation, make_result
        >>> from mlflow.tracking import MlflowClient
        >>> folder = tempfile.mkdtemp()
        >>> uri = f"sqlite:///{folder}/mlflow.db"  # a local store; artifacts in {folder}/artifacts
        >>> _ = MlflowClient(uri).create_experiment("demo", artifact_location=f"{folder}/artifacts")
        >>> rec = make_recommendation((make_result("bert-base-uncased"), make_result("tfidf-logreg", p90_ms=1.0)))
        >>> run_id = log_to_mlflow(rec, tracking_uri=uri, experiment="demo")
        >>> MlflowClient(uri).get_run(run_id).data.metrics["tfidf-logreg.latency_p90_ms"]
        1.0
    """
    rec = result.recommendation if isinstance(result, Comparison) else result
    if not isinstance(rec, Recommendation):
        raise InvalidParameterError(
            f"log_to_mlflow logs a Recommendation or a Comparison. Got {type(result).__name__} instead."
        )
    files = [Path(path) for path in dict.fromkeys(os.fspath(p) for p in report_files)]  # each file once
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise InvalidParameterError(f"Report files to log to MLflow do not exist: {', '.join(missing)}.")
    mlflow = _mlflow()
    entities = mlflow.entities
    client, uri = _client(tracking_uri)
    document = type(result).__name__.lower()
    try:
        experiment_id = _experiment(client, uri, experiment, create=True)
        run = client.create_run(
            experiment_id, tags=_tags(result, rec),
            run_name=run_name or f"modelpick-{document}-{rec.best.name if rec.best else 'unmet'}",
        )
    except ModelpickError:
        raise
    except Exception as exc:  # the boundary: whatever MLflow or its store raised, as one line
        raise _fail(uri, exc) from exc
    run_id: str = run.info.run_id
    try:
        params = [entities.Param(key, value) for key, value in _params(rec).items()]
        for batch in _batches(params, _MAX_PARAMS_PER_BATCH):
            client.log_batch(run_id, params=list(batch))
        timestamp = int(run.info.start_time)
        metrics = [entities.Metric(key, value, timestamp, 0) for key, value in _metrics(rec).items()]
        for batch in _batches(metrics, _MAX_METRICS_PER_BATCH):
            client.log_batch(run_id, metrics=list(batch))
        for path in files:
            client.log_artifact(run_id, str(path), artifact_path="reports")
        client.log_text(run_id, result.to_json(), f"{document}.json")
    except Exception as exc:  # the boundary: the run is marked failed, the cause is one line
        try:
            client.set_terminated(run_id, status="FAILED")
        except Exception:  # noqa: BLE001 - the first failure is the one worth reporting
            pass
        raise InvalidParameterError(
            f"Logging MLflow run {run_id} at {shown_uri(uri)!r} failed: {_reason(uri, exc)}"
        ) from exc
    client.set_terminated(run_id, status="FINISHED")
    return run_id
