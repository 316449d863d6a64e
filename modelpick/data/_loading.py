"""The entry points: :func:`load_sample` and :func:`load_builtin_sample`, read once and validated once.

Reading is :mod:`modelpick.data._readers` (every source into one table), choosing and checking the
columns is :mod:`modelpick.data._columns`; this module puts the two together into a
:class:`~modelpick.data.DatasetSample`. Every problem is reported, never repaired.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelpick._validation import BOOLEAN, COLUMN_NAME, Constraint, validate_params
from modelpick.data._columns import LABEL_COLUMN_NAMES, TEXT_COLUMN_NAMES, label_values, resolve_columns, text_values
from modelpick.data._readers import SUPPORTED_SUFFIXES, Table, read_path, read_source
from modelpick.data._sample import DatasetSample
from modelpick.exceptions import DataError, UnknownNameError

__all__ = [
    "BUILTIN_SAMPLES",
    "LABEL_COLUMN_NAMES",
    "SUPPORTED_SUFFIXES",
    "TEXT_COLUMN_NAMES",
    "load_builtin_sample",
    "load_sample",
]

# name -> file in modelpick/data/builtin/ (package data, shipped in the wheel).
BUILTIN_SAMPLES = {"demo_reviews": "demo_reviews.jsonl"}


def _to_sample(
    table: Table, *, text_column: str | None, label_column: str | None, require_labels: bool
) -> DatasetSample:
    n = len(table.rows)
    if n < 2:
        raise DataError(
            f"{table.where} has {n} row{'' if n == 1 else 's'}; a sample needs at least 2. Add rows."
        )
    text_column, label_column = resolve_columns(
        table, text_column=text_column, label_column=label_column, require_labels=require_labels
    )
    return DatasetSample(
        texts=text_values(table, text_column),
        labels=label_values(table, label_column) if label_column is not None else None,
        source=table.source,
        text_column=text_column,
        label_column=label_column,
    )


_LOAD_CONSTRAINTS: dict[str, list[Constraint | None]] = {
    "text_column": [COLUMN_NAME, None],
    "label_column": [COLUMN_NAME, None],
    "require_labels": [BOOLEAN],
}


def load_sample(
    source: Any,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    require_labels: bool = True,
) -> DatasetSample:
    """Read and validate a sample of texts (and labels).

    Columns are detected when not given: the text column is the first column named ``text``,
    ``sentence``, ``review``, ``content``, ``body``, ``message``, ... (case-insensitive), else the
    column of strings with the longest mean length; the label column is the first named ``label``,
    ``labels``, ``class``, ``category``, ``target``, ``sentiment`` or ``y``.

    Labels become strings (``1`` and ``1.0`` both become ``"1"``). Nothing is repaired: texts are not
    stripped and no row is dropped; a problem raises one error naming the rows and the fix.

    Args:
        source: A path to a ``.csv``, ``.tsv``, ``.jsonl`` (or ``.ndjson``), ``.json`` (a list of
            records) or ``.parquet`` file; a pandas DataFrame; or a list of dicts.
        text_column: Column holding the texts; ``None`` detects it.
        label_column: Column holding the labels; ``None`` detects it.
        require_labels: When ``False``, a sample without a label column loads with ``labels=None``
            (enough for profiling cost, not for estimating accuracy).

    Returns:
        The validated :class:`DatasetSample`.

    Raises:
        DataFileNotFoundError: The file does not exist.
        DataError: Unsupported file type, unreadable file, a column not found, an empty or non-text
            text, a missing label, or fewer than 2 rows.
        InvalidParameterError: An argument of the wrong type.

    Example:
        >>> sample = load_sample([{"review": "Great, fast delivery", "stars": 5},
        ...                       {"review": "Broke after a day", "stars": 1}], label_column="stars")
        >>> sample.text_column, sample.labels
        ('review', ('5', '1'))
    """
    validate_params(
        {"text_column": text_column, "label_column": label_column, "require_labels": require_labels},
        _LOAD_CONSTRAINTS,
        caller="load_sample",
    )
    table = read_source(source)
    return _to_sample(
        table, text_column=text_column, label_column=label_column, require_labels=require_labels
    )


def load_builtin_sample(name: str = "demo_reviews") -> DatasetSample:
    """Load a sample shipped with modelpick (see :data:`BUILTIN_SAMPLES`).

    ``demo_reviews``: customer-support messages written for modelpick, in four classes (billing,
    technical, shipping, account).

    Raises:
        UnknownNameError: ``name`` is not a built-in sample; the message lists them.

    Example:
        >>> sample = load_builtin_sample()
        >>> sample.classes
        ('account', 'billing', 'shipping', 'technical')
    """
    try:
        filename = BUILTIN_SAMPLES[name]
    except (KeyError, TypeError):
        known = ", ".join(repr(n) for n in sorted(BUILTIN_SAMPLES))
        raise UnknownNameError(f"Unknown built-in sample {name!r}. Built-in samples: {known}.") from None
    from importlib.resources import as_file, files

    with as_file(files("modelpick.data") / "builtin" / filename) as path:
        table = read_path(Path(path), where=f"built-in sample {name!r}", source=f"builtin:{name}")
    return _to_sample(table, text_column="text", label_column="label", require_labels=True)
