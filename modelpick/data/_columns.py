"""Which columns of a :class:`~modelpick.data._readers.Table` hold texts and labels; checking their values.

Every problem is reported, never repaired: texts are not stripped and rows are not dropped. Each error is
one line naming the rows (by the ids the reader gave them) and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

from modelpick.data._readers import Table, quote_list
from modelpick.exceptions import DataError

__all__ = [
    "LABEL_COLUMN_NAMES", "MAX_TEXT_CHARACTERS", "TEXT_COLUMN_NAMES", "label_values", "resolve_columns", "text_values",
]

# Checked in this order, case-insensitively, when the caller names no column.
TEXT_COLUMN_NAMES = (
    "text", "sentence", "review", "content", "body", "message", "document", "comment",
    "utterance", "tweet", "review_text", "question", "description", "text_a",
)  # fmt: skip
# A text this long is a mistake (a file pasted into a cell, a lost delimiter), not a sample: encoders read
# 512 tokens, and tokenizing megabytes per example would dominate every measurement.
MAX_TEXT_CHARACTERS = 100_000
LABEL_COLUMN_NAMES = ("label", "labels", "class", "category", "target", "sentiment", "y")


def resolve_columns(
    table: Table, *, text_column: str | None, label_column: str | None, require_labels: bool
) -> tuple[str, str | None]:
    """The text and label columns: the given ones, checked, or else detected (see ``load_sample``).

    Raises:
        DataError: A given column is not in the table, both name the same column, or none is found.

    Example:
        >>> table = Table(["Review", "stars"], {"Review": ["ok"], "stars": [5]}, [0], "the list", "list")
        >>> resolve_columns(table, text_column=None, label_column="stars", require_labels=True)
        ('Review', 'stars')
    """
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
            f"and none holds only strings. Columns are: {quote_list(table.columns)}. Pass text_column= "
            "(--text-column) with one of them."
        )
    if label_column is None and require_labels:
        raise DataError(
            f"No label column found in {table.where}: none is named {', '.join(LABEL_COLUMN_NAMES)}. "
            f"Columns are: {quote_list(table.columns)}. Pass label_column= (--label-column) with one "
            "of them."
        )
    return text_column, label_column


def text_values(table: Table, column: str) -> tuple[str, ...]:
    """The texts of ``column``, as they are; a missing, empty or non-string cell is an error.

    Example:
        >>> text_values(Table(["t"], {"t": ["ok", " fine "]}, [0, 1], "the list", "list"), "t")
        ('ok', ' fine ')
    """
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
    huge = [i for i, v in enumerate(values) if len(v) > MAX_TEXT_CHARACTERS]
    if huge:
        longest = max(len(values[i]) for i in huge)
        phrase = _rows_phrase(table, huge, column, "are too long", "is too long")
        raise DataError(
            f"{phrase} ({longest:,} characters; at most {MAX_TEXT_CHARACTERS:,} per text). Encoders read the "
            "first 512 tokens, about 2,000 characters: shorten or split such texts, or drop them."
        )
    return tuple(values)


def label_values(table: Table, column: str) -> tuple[str, ...]:
    """The labels of ``column`` as strings; a missing label or a value that is no label is an error.

    Example:
        >>> label_values(Table(["y"], {"y": [1, 1.0, "neg"]}, [0, 1, 2], "the list", "list"), "y")
        ('1', '1', 'neg')
    """
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
    return tuple(label for label in labels if label is not None)  # none is left: missing ones raised above


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    # pandas.NA and pandas.NaT, recognised without importing pandas
    return type(value).__name__ in ("NAType", "NaTType")


def _find_column(table: Table, given: str | None, names: Sequence[str], exclude: str | None) -> str | None:
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


def _longest_string_column(table: Table, exclude: str | None) -> str | None:
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


def _check_given_column(table: Table, column: str | None, parameter: str, option: str) -> None:
    if column is not None and column not in table.values:
        raise DataError(
            f"Column {column!r} not found in {table.where}. Columns are: {quote_list(table.columns)}. "
            f"Pass {parameter}= ({option}) with one of them."
        )


def _rows_phrase(table: Table, bad: list[int], column: str, verb_plural: str, verb_single: str) -> str:
    noun = table.row_noun
    first = table.rows[bad[0]]
    if len(bad) == 1:
        return f"{noun.capitalize()} {first} of column {column!r} in {table.where} {verb_single}"
    return f"{len(bad)} {noun}s of column {column!r} in {table.where} {verb_plural} (first: {noun} {first})"


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
