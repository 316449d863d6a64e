"""Reading a user's sample from a file, a DataFrame or a list of records, and validating it once.

Every problem is reported, never repaired: rows are not dropped, texts are not stripped, and each error
is one line naming the value and the fix. Rows are numbered as pandas numbers them (from 0, header not
counted; a DataFrame's own index labels); JSON Lines files are numbered by line, from 1.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from modelpick._imports import require
from modelpick._validation import instance_of, validate_params
from modelpick.data._sample import DatasetSample
from modelpick.exceptions import DataError, DataFileNotFoundError, InvalidParameterError, UnknownNameError

__all__ = [
    "BUILTIN_SAMPLES",
    "LABEL_COLUMN_NAMES",
    "SUPPORTED_SUFFIXES",
    "TEXT_COLUMN_NAMES",
    "load_builtin_sample",
    "load_sample",
]

# Checked in this order, case-insensitively, when the caller names no column.
TEXT_COLUMN_NAMES = (
    "text", "sentence", "review", "content", "body", "message", "document", "comment",
    "utterance", "tweet", "review_text", "question", "description", "text_a",
)  # fmt: skip
LABEL_COLUMN_NAMES = ("label", "labels", "class", "category", "target", "sentiment", "y")

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
_SUPPORTED_WORDS = ".csv, .tsv, .jsonl, .json or .parquet"

# name -> file in modelpick/data/builtin/ (package data, shipped in the wheel).
BUILTIN_SAMPLES = {"demo_reviews": "demo_reviews.jsonl"}

_MAX_LISTED_COLUMNS = 20


@dataclass
class _Table:
    """Columns as plain Python lists, whatever the source; ``rows`` are the ids messages use."""

    columns: list[str]
    values: dict[str, list[Any]]
    rows: list[Any]
    where: str  # how messages name the source: "reviews.csv", "the DataFrame"
    source: str  # DatasetSample.source
    row_noun: str = "row"


# ----------------------------------------------------------------------------------------------- reading


def _read_path(path: Path, *, where: str, source: str) -> _Table:
    if not path.exists():
        hint = "" if path.is_absolute() else f" (looked in {os.getcwd()})"
        raise DataFileNotFoundError(f"File {where!r} does not exist{hint}.")
    if path.is_dir():
        raise DataError(f"{where!r} is a directory; pass a file ending in {_SUPPORTED_WORDS}.")
    suffix = path.suffix.lower()
    kind = SUPPORTED_SUFFIXES.get(suffix)
    if kind is None:
        shown = suffix or "(no extension)"
        raise DataError(f"Unsupported file type {shown!r} for {where!r}. Use {_SUPPORTED_WORDS}.")
    if kind == "jsonl":
        return _read_jsonl(path, where=where, source=source)
    if kind == "json":
        return _read_json(path, where=where, source=source)
    frame = _read_with_pandas(path, kind, where=where)
    # In a file, "data row 1" is the first row under the header: what a person sees in an editor
    # (pandas' index would call it row 0).
    return _from_frame(frame, where=where, source=source, rows=list(range(1, len(frame) + 1)), row_noun="data row")


def _read_with_pandas(path: Path, kind: str, *, where: str):  # noqa: ANN202 - pandas.DataFrame
    pd = require("pandas", purpose=f"read {kind} files")
    if kind == "parquet":
        require("pyarrow", purpose="read Parquet files")
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several unrelated types for a bad file
            raise DataError(f"Could not read {where!r} as Parquet: {_first_line(exc)}.") from exc
    try:
        # Only a truly empty cell is missing: a review that says "NA" or "null" is text.
        return pd.read_csv(
            path,
            sep="\t" if kind == "tsv" else ",",
            keep_default_na=False,
            na_values=[""],
            encoding="utf-8",
        )
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"{where!r} is empty: it has no header and no rows.") from exc
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where!r} is not UTF-8 text ({_first_line(exc)}). Save it with UTF-8 encoding."
        ) from exc
    except pd.errors.ParserError as exc:
        sep = "tabs" if kind == "tsv" else "commas"
        raise DataError(
            f"Could not parse {where!r} as {kind.upper()}: {_first_line(exc)}. Check that columns are "
            f"separated by {sep} and that texts containing separators or newlines are quoted."
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def _read_json_text(path: Path, *, where: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where!r} is not UTF-8 text ({_first_line(exc)}). Save it with UTF-8 encoding."
        ) from exc


def _read_jsonl(path: Path, *, where: str, source: str) -> _Table:
    records, lines = [], []
    for number, line in enumerate(_read_json_text(path, where=where).splitlines(), start=1):
        if not line.strip():
            continue  # a blank line holds no record (most files end with one)
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"Line {number} of {where!r} is not valid JSON ({exc.msg}, column {exc.colno}). "
                "Each line must hold one record like {\"text\": \"...\", \"label\": \"...\"}."
            ) from exc
        if not isinstance(record, dict):
            raise DataError(
                f"Line {number} of {where!r} holds a JSON {_json_type(record)}, not a record. Each line "
                "must hold one record like {\"text\": \"...\", \"label\": \"...\"}."
            )
        records.append(record)
        lines.append(number)
    return _from_records(records, rows=lines, where=where, source=source, row_noun="line")


def _read_json(path: Path, *, where: str, source: str) -> _Table:
    try:
        data = json.loads(_read_json_text(path, where=where))
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{where!r} is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno}). "
            "Fix it, or use JSON Lines (.jsonl) with one record per line."
        ) from exc
    if not isinstance(data, list):
        if isinstance(data, dict):
            detail = f"a dict with keys {_quote_list(list(data))}"
        else:
            detail = f"a {_json_type(data)}"
        raise DataError(
            f"{where!r} must hold a JSON list of records like [{{\"text\": \"...\", \"label\": \"...\"}}]; "
            f"it holds {detail}. Write a list of records, or use .jsonl with one record per line."
        )
    return _from_records(data, rows=None, where=where, source=source)


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _json_type(value: Any) -> str:
    return {list: "list", dict: "object", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _from_records(
    records: Sequence[Any],
    *,
    rows: list[Any] | None,
    where: str,
    source: str,
    row_noun: str = "row",
) -> _Table:
    rows = list(range(len(records))) if rows is None else rows
    columns: dict[str, None] = {}  # insertion-ordered set: columns in first-seen order
    for row, record in zip(rows, records):
        if not isinstance(record, Mapping):
            raise DataError(
                f"{row_noun.capitalize()} {row} of {where} is {_a(type(record).__name__)}, not a record. "
                "Pass records (dicts) like {'text': '...', 'label': '...'}."
            )
        for key in record:
            columns.setdefault(str(key), None)
    # A key missing from a record is a missing cell, reported like an empty one.
    values = {c: [] for c in columns}
    for record in records:
        plain = {str(k): v for k, v in record.items()}
        for c in columns:
            values[c].append(plain.get(c))
    return _Table(list(columns), values, rows, where=where, source=source, row_noun=row_noun)


def _from_frame(
    frame: Any, *, where: str, source: str, rows: list[Any] | None = None, row_noun: str = "row"
) -> _Table:
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataError(
            f"{where} has more than one column named {_quote_list(duplicated)}. Rename the columns so "
            "each name is used once."
        )
    # tolist() turns numpy scalars into Python ones, so the checks below see int, float and str.
    values = {name: frame[col].tolist() for name, col in zip(names, frame.columns)}
    rows = frame.index.tolist() if rows is None else rows
    return _Table(names, values, rows, where=where, source=source, row_noun=row_noun)


def _is_dataframe(obj: Any) -> bool:
    # Only a caller who already imported pandas can pass a DataFrame; never import it to find out.
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)


def _read_source(source: Any) -> _Table:
    if isinstance(source, (str, os.PathLike)):
        shown = os.fspath(source)
        return _read_path(Path(source), where=shown, source=shown)
    if _is_dataframe(source):
        return _from_frame(source, where="the DataFrame", source="DataFrame")
    if isinstance(source, (list, tuple)):
        return _from_records(source, rows=None, where="the list of records", source="list of records")
    raise InvalidParameterError(
        "The 'source' parameter of load_sample must be a path to a .csv, .tsv, .jsonl, .json or .parquet "
        f"file, a pandas DataFrame or a list of dicts. Got a {type(source).__name__} instead."
    )


# ------------------------------------------------------------------------------------------- validation


def _quote_list(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:_MAX_LISTED_COLUMNS])
    more = len(names) - _MAX_LISTED_COLUMNS
    return shown + (f" and {more} more" if more > 0 else "")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA and pandas.NaT, recognised without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def _find_column(table: _Table, given: str | None, names: Sequence[str], exclude: str | None) -> str | None:
    if given is not None:
        return given
    lowered = {c.lower(): c for c in reversed(table.columns)}  # first of equal names wins
    for name in names:
        if name in table.columns and name != exclude:
            return name
        match = lowered.get(name)
        if match is not None and match != exclude:
            return match
    return None


def _longest_string_column(table: _Table, exclude: str | None) -> str | None:
    best, best_mean = None, -1.0
    for column in table.columns:
        if column == exclude:
            continue
        present = [v for v in table.values[column] if not _is_missing(v)]
        if not present or not all(isinstance(v, str) for v in present):
            continue
        mean = sum(len(v) for v in present) / len(present)
        if mean > best_mean:
            best, best_mean = column, mean
    return best


def _check_given_column(table: _Table, column: str | None, parameter: str, option: str) -> None:
    if column is not None and column not in table.values:
        raise DataError(
            f"Column {column!r} not found in {table.where}. Columns are: {_quote_list(table.columns)}. "
            f"Pass {parameter}= ({option}) with one of them."
        )


def _rows_phrase(table: _Table, bad: list[int], column: str, verb_plural: str, verb_single: str) -> str:
    noun = table.row_noun
    first = table.rows[bad[0]]
    if len(bad) == 1:
        return f"{noun.capitalize()} {first} of column {column!r} in {table.where} {verb_single}"
    return f"{len(bad)} {noun}s of column {column!r} in {table.where} {verb_plural} (first: {noun} {first})"


def _texts(table: _Table, column: str) -> tuple[str, ...]:
    values = table.values[column]
    not_text = [i for i, v in enumerate(values) if not _is_missing(v) and not isinstance(v, str)]
    if not_text:
        phrase = _rows_phrase(table, not_text, column, "are not text", "is not text")
        raise DataError(
            f"{phrase}: {values[not_text[0]]!r}. Pass text_column= (--text-column) naming the column "
            "of texts, or make those cells strings."
        )
    empty = [i for i, v in enumerate(values) if _is_missing(v) or not v.strip()]
    if empty:
        phrase = _rows_phrase(table, empty, column, "are empty", "is empty")
        raise DataError(f"{phrase}. Remove or fill {'them' if len(empty) > 1 else 'it'}.")
    return tuple(values)


def _label_text(value: Any) -> str | None:
    """The label as a string; ``None`` when missing. Whole floats (1.0) read as integers ("1")."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real) and math.isfinite(value):
        value = float(value)
        return str(int(value)) if value.is_integer() else repr(value)
    raise TypeError(value)


def _labels(table: _Table, column: str) -> tuple[str, ...]:
    labels: list[str | None] = []
    for i, value in enumerate(table.values[column]):
        try:
            labels.append(_label_text(value))
        except TypeError:
            raise DataError(
                f"{table.row_noun.capitalize()} {table.rows[i]} of column {column!r} in {table.where} "
                f"holds {value!r}, not a label. Labels must be strings or finite numbers."
            ) from None
    missing = [i for i, label in enumerate(labels) if label is None]
    if missing:
        phrase = _rows_phrase(table, missing, column, "have no label", "has no label")
        raise DataError(f"{phrase}. Label or remove {'them' if len(missing) > 1 else 'it'}.")
    return tuple(labels)  # type: ignore[arg-type] - no None left


def _to_sample(
    table: _Table, *, text_column: str | None, label_column: str | None, require_labels: bool
) -> DatasetSample:
    n = len(table.rows)
    if n < 2:
        raise DataError(
            f"{table.where} has {n} row{'' if n == 1 else 's'}; a sample needs at least 2. Add rows."
        )
    _check_given_column(table, text_column, "text_column", "--text-column")
    _check_given_column(table, label_column, "label_column", "--label-column")
    if text_column is not None and text_column == label_column:
        raise DataError(
            f"text_column and label_column both name {text_column!r}. Pass two different columns."
        )
    label_column = _find_column(table, label_column, LABEL_COLUMN_NAMES, exclude=text_column)
    text_column = _find_column(table, text_column, TEXT_COLUMN_NAMES, exclude=label_column)
    if text_column is None:
        text_column = _longest_string_column(table, exclude=label_column)
    if text_column is None:
        raise DataError(
            f"No text column found in {table.where}: none is named {', '.join(TEXT_COLUMN_NAMES[:5])}, ... "
            f"and none holds only strings. Columns are: {_quote_list(table.columns)}. Pass text_column= "
            "(--text-column) with one of them."
        )
    if label_column is None and require_labels:
        raise DataError(
            f"No label column found in {table.where}: none is named {', '.join(LABEL_COLUMN_NAMES)}. "
            f"Columns are: {_quote_list(table.columns)}. Pass label_column= (--label-column) with one "
            "of them."
        )
    texts = _texts(table, text_column)
    labels = _labels(table, label_column) if label_column is not None else None
    return DatasetSample(
        texts=texts,
        labels=labels,
        source=table.source,
        text_column=text_column,
        label_column=label_column,
    )


# ----------------------------------------------------------------------------------------------- public

_LOAD_CONSTRAINTS = {
    "text_column": [instance_of(str, "a column name"), None],
    "label_column": [instance_of(str, "a column name"), None],
    "require_labels": [instance_of(bool, "True or False")],
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
    table = _read_source(source)
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

    with as_file(files("modelpick.data").joinpath("builtin", filename)) as path:
        table = _read_path(Path(path), where=f"built-in sample {name!r}", source=f"builtin:{name}")
    return _to_sample(table, text_column="text", label_column="label", require_labels=True)
