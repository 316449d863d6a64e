"""Reading a file, a DataFrame or a list of records into one shape, a :class:`Table` of plain lists.

Reading only: which column holds the texts and whether each value is valid is decided afterwards, in
:mod:`modelpick.data._columns`, the same way for every source. Rows keep the ids that messages show: data
rows of CSV, TSV and Parquet files count from 1 (the first row under the header), JSON Lines files are
numbered by line from 1, a DataFrame keeps its own index labels and a list of records counts from 0.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelpick._errors import one_line, permission_denied, reraised_as
from modelpick._imports import require
from modelpick.exceptions import DataError, DataFileNotFoundError, InvalidParameterError

__all__ = ["SUPPORTED_SUFFIXES", "Table", "quote_list", "read_path", "read_source"]

SUPPORTED_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
_SUPPORTED_WORDS = ".csv, .tsv, .jsonl, .json or .parquet"

_MAX_LISTED_COLUMNS = 20


@dataclass
class Table:
    """Columns as plain Python lists, whatever the source; ``rows`` are the ids messages use."""

    columns: list[str]
    values: dict[str, list[Any]]
    rows: list[Any]
    where: str  # how messages name the source: "reviews.csv", "the DataFrame"
    source: str  # DatasetSample.source
    row_noun: str = "row"


def quote_list(names: Sequence[str]) -> str:
    """Column names for a message, quoted; a long list is cut after 20 names.

    Example:
        >>> quote_list(["text", "label"])
        "'text', 'label'"
        >>> quote_list([f"c{i}" for i in range(22)])[-16:]
        "'c19' and 2 more"
    """
    shown = ", ".join(repr(n) for n in names[:_MAX_LISTED_COLUMNS])
    more = len(names) - _MAX_LISTED_COLUMNS
    return shown + (f" and {more} more" if more > 0 else "")


def read_source(source: Any) -> Table:
    """Read what ``load_sample`` was given: a path, a pandas DataFrame or a list of records.

    Example:
        >>> table = read_source([{"text": "Great", "label": "pos"}, {"text": "Awful", "label": "neg"}])
        >>> table.columns, table.values["label"], table.rows
        (['text', 'label'], ['pos', 'neg'], [0, 1])
    """
    if isinstance(source, (str, os.PathLike)):
        shown = os.fspath(source)
        return read_path(Path(source), where=shown, source=shown)
    if _is_dataframe(source):
        return _from_frame(source, where="the DataFrame", source="DataFrame")
    if isinstance(source, (list, tuple)):
        return _from_records(source, rows=None, where="the list of records", source="list of records")
    raise InvalidParameterError(
        "The 'source' parameter of load_sample must be a path to a .csv, .tsv, .jsonl, .json or .parquet "
        f"file, a pandas DataFrame or a list of dicts. Got a {type(source).__name__} instead."
    )


def read_path(path: Path, *, where: str, source: str) -> Table:
    """Read a ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``, ``.json`` or ``.parquet`` file.

    Args:
        path: The file.
        where: How messages name the file (the path as the user wrote it, or "built-in sample 'x'").
        source: What the sample's ``source`` will say.

    Raises:
        DataFileNotFoundError: The file does not exist.
        DataError: A directory, an unsupported extension, a file this user may not read, or one that
            cannot be parsed.
    """
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
    if not os.access(path, os.R_OK):
        fix = "Make it readable (chmod a+r) or run as its owner."
        raise DataError(permission_denied(f"Cannot read {where!r}", fix))
    if kind == "jsonl":
        return _read_jsonl(path, where=where, source=source)
    if kind == "json":
        return _read_json(path, where=where, source=source)
    frame = _read_with_pandas(path, kind, where=where)
    # In a file, "data row 1" is the first row under the header: what a person sees in an editor
    # (pandas' index would call it row 0).
    return _from_frame(frame, where=where, source=source, rows=list(range(1, len(frame) + 1)), row_noun="data row")


def _read_with_pandas(path: Path, kind: str, *, where: str):
    pd = require("pandas", purpose=f"read {kind} files")
    if kind == "parquet":
        require("pyarrow", purpose="read Parquet files")
        # pyarrow raises several unrelated types for a bad file; each becomes one DataError.
        with reraised_as(DataError, f"Could not read {where!r} as Parquet"):
            return pd.read_parquet(path)
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
            f"{where!r} is not UTF-8 text ({_reason(exc)}). Save it with UTF-8 encoding."
        ) from exc
    except pd.errors.ParserError as exc:
        sep = "tabs" if kind == "tsv" else "commas"
        raise DataError(
            f"Could not parse {where!r} as {kind.upper()}: {_reason(exc)}. Check that columns are "
            f"separated by {sep} and that texts containing separators or newlines are quoted."
        ) from exc


def _reason(exc: BaseException) -> str:
    # The sentence goes on after the reason, so the reason's own closing period would double up.
    return one_line(exc).rstrip(".")


def _read_json_text(path: Path, *, where: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{where!r} is not UTF-8 text ({_reason(exc)}). Save it with UTF-8 encoding."
        ) from exc


_ONE_RECORD_PER_LINE = "Each line must hold one record like {\"text\": \"...\", \"label\": \"...\"}."


def _parse_json(text: str, *, what: str, fix: str, one_line: bool) -> Any:
    """``json.loads(text)``, or a :class:`DataError` saying ``what`` is not valid JSON, where, and ``fix``."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        position = f"column {exc.colno}" if one_line else f"line {exc.lineno} column {exc.colno}"
        raise DataError(f"{what} is not valid JSON ({exc.msg}, {position}). {fix}") from exc


def _read_jsonl(path: Path, *, where: str, source: str) -> Table:
    records, lines = [], []
    for number, line in enumerate(_read_json_text(path, where=where).splitlines(), start=1):
        if not line.strip():
            continue  # a blank line holds no record (most files end with one)
        record = _parse_json(line, what=f"Line {number} of {where!r}", fix=_ONE_RECORD_PER_LINE, one_line=True)
        if not isinstance(record, dict):
            raise DataError(
                f"Line {number} of {where!r} holds a JSON {_json_type(record)}, not a record. {_ONE_RECORD_PER_LINE}"
            )
        records.append(record)
        lines.append(number)
    return _from_records(records, rows=lines, where=where, source=source, row_noun="line")


def _read_json(path: Path, *, where: str, source: str) -> Table:
    data = _parse_json(
        _read_json_text(path, where=where), what=repr(where),
        fix="Fix it, or use JSON Lines (.jsonl) with one record per line.", one_line=False,
    )
    if not isinstance(data, list):
        if isinstance(data, dict):
            detail = f"a dict with keys {quote_list(list(data))}"
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
) -> Table:
    rows = list(range(len(records))) if rows is None else rows
    columns: dict[str, None] = {}  # insertion-ordered set: columns in first-seen order
    for row, record in zip(rows, records, strict=True):
        if not isinstance(record, Mapping):
            raise DataError(
                f"{row_noun.capitalize()} {row} of {where} is {_a(type(record).__name__)}, not a record. "
                "Pass records (dicts) like {'text': '...', 'label': '...'}."
            )
        for key in record:
            columns.setdefault(str(key), None)
    # A key missing from a record is a missing cell, reported like an empty one.
    values: dict[str, list[Any]] = {c: [] for c in columns}
    for record in records:
        plain = {str(k): v for k, v in record.items()}
        for c in columns:
            values[c].append(plain.get(c))
    return Table(list(columns), values, rows, where=where, source=source, row_noun=row_noun)


def _from_frame(
    frame: Any, *, where: str, source: str, rows: list[Any] | None = None, row_noun: str = "row"
) -> Table:
    names = [str(c) for c in frame.columns]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise DataError(
            f"{where} has more than one column named {quote_list(duplicated)}. Rename the columns so "
            "each name is used once."
        )
    # tolist() turns numpy scalars into Python ones, so the checks that follow see int, float and str.
    values = {name: frame[col].tolist() for name, col in zip(names, frame.columns, strict=True)}
    rows = frame.index.tolist() if rows is None else rows
    return Table(names, values, rows, where=where, source=source, row_noun=row_noun)


def _is_dataframe(obj: Any) -> bool:
    # Only a caller who already imported pandas can pass a DataFrame; never import it to find out.
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(obj, pd.DataFrame)
