"""load_sample: every supported source, column detection, label conversion and every error message."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from modelpick.data import DatasetSample, load_sample
from modelpick.exceptions import DataError, DataFileNotFoundError, InvalidParameterError

ROWS = [
    {"review": "Great blender, works well", "label": "pos", "stars": 5},
    {"review": "Broke after a day", "label": "neg", "stars": 1},
    {"review": "Fine for the price", "label": "pos", "stars": 4},
    {"review": "Never again", "label": "neg", "stars": 2},
]
TEXTS = tuple(r["review"] for r in ROWS)
LABELS = ("pos", "neg", "pos", "neg")


def _write(tmp_path, fmt: str, rows=ROWS):
    path = tmp_path / f"reviews.{fmt}"
    frame = pd.DataFrame(rows)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt in ("jsonl", "ndjson"):
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif fmt == "parquet":
        frame.to_parquet(path)
    return path


# ---------------------------------------------------------------------------------------------- sources


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "ndjson", "json", "parquet"])
def test_every_file_format_loads_the_same_sample(tmp_path, fmt):
    path = _write(tmp_path, fmt)
    sample = load_sample(path)
    assert isinstance(sample, DatasetSample)
    assert sample.texts == TEXTS
    assert sample.labels == LABELS
    assert (sample.text_column, sample.label_column) == ("review", "label")
    assert sample.source == str(path)
    assert sample.classes == ("neg", "pos")
    assert sample.n == 4


def test_a_str_path_and_an_upper_case_extension_work(tmp_path):
    path = _write(tmp_path, "csv")
    upper = path.with_name("REVIEWS.CSV")
    path.rename(upper)
    assert load_sample(str(upper)).texts == TEXTS


def test_dataframe_and_list_of_dicts(tmp_path):
    from_frame = load_sample(pd.DataFrame(ROWS))
    from_list = load_sample(ROWS)
    assert from_frame.texts == from_list.texts == TEXTS
    assert from_frame.labels == from_list.labels == LABELS
    assert from_frame.source == "DataFrame"
    assert from_list.source == "list of records"


def test_unsupported_source_type_is_a_parameter_error():
    with pytest.raises(InvalidParameterError, match="The 'source' parameter of load_sample .* Got a int"):
        load_sample(42)


@pytest.mark.parametrize("name, value", [("text_column", 3), ("label_column", ["a"]), ("require_labels", "no")])
def test_wrong_parameter_types(name, value):
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter of load_sample"):
        load_sample(ROWS, **{name: value})


# -------------------------------------------------------------------------------------- column detection


def test_named_columns_are_detected_case_insensitively():
    rows = [{"ID": i, "Sentence": f"text number {i}", "Category": "a" if i % 2 else "b"} for i in range(4)]
    sample = load_sample(rows)
    assert (sample.text_column, sample.label_column) == ("Sentence", "Category")


def test_exact_name_wins_over_a_case_variant():
    rows = [{"Text": "short", "text": "the real text", "label": x} for x in "abab"]
    assert load_sample(rows).text_column == "text"


def test_without_a_known_name_the_longest_string_column_is_the_text():
    rows = [
        {"code": "A1", "notes": "a much longer piece of writing here", "label": "x"},
        {"code": "B2", "notes": "another long note about something", "label": "y"},
    ]
    assert load_sample(rows).text_column == "notes"


def test_the_label_column_is_never_taken_as_the_text():
    rows = [{"label": "a rather long label string", "tag": "hi"}, {"label": "another long label", "tag": "yo"}]
    sample = load_sample(rows)
    assert (sample.text_column, sample.label_column) == ("tag", "label")


def test_explicit_columns(tmp_path):
    sample = load_sample(_write(tmp_path, "csv"), text_column="review", label_column="stars")
    assert sample.labels == ("5", "1", "4", "2")
    assert sample.label_column == "stars"


def test_unlabelled_sample_when_labels_are_not_required():
    rows = [{"text": "one"}, {"text": "two"}]
    sample = load_sample(rows, require_labels=False)
    assert sample.labels is None and sample.label_column is None and sample.classes == ()


def test_missing_label_column_is_an_error_when_labels_are_required():
    with pytest.raises(DataError, match=r"No label column found in the list of records.*'text'.*label_column="):
        load_sample([{"text": "one"}, {"text": "two"}])


def test_no_text_column_at_all():
    rows = [{"n": 1, "label": "a"}, {"n": 2, "label": "b"}]
    with pytest.raises(DataError, match=r"No text column found .*Columns are: 'n', 'label'.*text_column="):
        load_sample(rows)


@pytest.mark.parametrize("param, option", [("text_column", "--text-column"), ("label_column", "--label-column")])
def test_a_given_column_that_does_not_exist_lists_the_columns(tmp_path, param, option):
    path = _write(tmp_path, "csv")
    message = (
        f"Column 'txt' not found in {path}. Columns are: 'review', 'label', 'stars'. "
        f"Pass {param}= ({option}) with one of them."
    )
    with pytest.raises(DataError) as info:
        load_sample(path, **{param: "txt"})
    assert str(info.value) == message


def test_text_and_label_column_must_differ():
    with pytest.raises(DataError, match="both name 'review'"):
        load_sample(ROWS, text_column="review", label_column="review")


# --------------------------------------------------------------------------------------------- labels


def test_numeric_labels_become_strings(tmp_path):
    rows = [{"text": f"text {i}", "label": v} for i, v in enumerate([0, 1, 1.0, 0.0, 2.5, True])]
    assert load_sample(rows).labels == ("0", "1", "1", "0", "2.5", "True")


def test_csv_labels_read_as_numbers_become_strings(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("text,label,score\nhello,1,0.5\nworld,0,2.0\n", encoding="utf-8")
    assert load_sample(path).labels == ("1", "0")
    assert load_sample(path, label_column="score").labels == ("0.5", "2")


def test_missing_labels_name_the_count_and_first_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("text,label\na,x\nb,\nc,y\nd,\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_sample(path)
    assert str(info.value) == (
        # Counted as a person reads the file: data row 1 is the first line under the header.
        f"2 data rows of column 'label' in {path} have no label (first: data row 2). Label or remove them."
    )


def test_none_and_nan_labels_in_records():
    rows = [{"text": "a", "label": "x"}, {"text": "b", "label": None}, {"text": "c", "label": float("nan")}]
    with pytest.raises(DataError, match=r"2 rows of column 'label' .* have no label \(first: row 1\)"):
        load_sample(rows)


def test_a_single_missing_label_is_named_in_the_singular():
    rows = [{"text": "a", "label": "x"}, {"text": "b"}]
    with pytest.raises(DataError, match=r"^Row 1 of column 'label' in the list of records has no label\."):
        load_sample(rows)


def test_a_label_that_is_not_a_string_or_number():
    rows = [{"text": "a", "label": "x"}, {"text": "b", "label": [1, 2]}]
    with pytest.raises(DataError, match=r"Row 1 of column 'label' .* holds \[1, 2\], not a label"):
        load_sample(rows)


# ---------------------------------------------------------------------------------------------- texts


def test_empty_and_whitespace_texts_name_count_and_first_row(tmp_path):
    rows = [{"text": t, "label": "x"} for t in ["ok", "fine", "  ", "good", "", "\t"]]
    with pytest.raises(DataError) as info:
        load_sample(rows)
    assert str(info.value) == (
        "3 rows of column 'text' in the list of records are empty (first: row 2). Remove or fill them."
    )


def test_an_empty_csv_cell_is_an_empty_text(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('text,label\nhello,a\n"",b\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"^Data row 2 of column 'text' in .*s\.csv is empty\. Remove or fill it\.$"):
        load_sample(path)


def test_texts_are_not_stripped_and_na_is_text(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('text,label\n"  padded  ",a\nNA,b\nnull,a\n', encoding="utf-8")
    assert load_sample(path).texts == ("  padded  ", "NA", "null")


def test_numbers_in_the_text_column_are_an_error():
    rows = [{"text": "hello", "label": "a"}, {"text": 42, "label": "b"}, {"text": 7.5, "label": "a"}]
    with pytest.raises(DataError) as info:
        load_sample(rows)
    message = str(info.value)
    assert message.startswith("2 rows of column 'text' in the list of records are not text (first: row 1): 42.")
    assert "text_column=" in message


def test_a_numeric_text_column_chosen_by_name_is_an_error(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,label\n1,a\n2,b\n", encoding="utf-8")
    with pytest.raises(DataError, match="column 'id' .* are not text"):
        load_sample(path, text_column="id")


def test_dataframe_row_numbers_are_index_labels():
    frame = pd.DataFrame({"text": ["a", "b", " "], "label": ["x", "y", "x"]}, index=[10, 20, 30])
    with pytest.raises(DataError, match=r"Row 30 of column 'text'"):
        load_sample(frame)


def test_jsonl_problems_are_named_by_line(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n\n{"text": "", "label": "y"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"Line 3 of column 'text' in .* is empty"):
        load_sample(path)


def test_missing_keys_in_records_are_missing_cells():
    rows = [{"text": "a", "label": "x"}, {"label": "y"}]
    with pytest.raises(DataError, match=r"Row 1 of column 'text' in the list of records is empty"):
        load_sample(rows)


# ------------------------------------------------------------------------------------------ file errors


def test_missing_file(tmp_path):
    path = tmp_path / "x.csv"
    with pytest.raises(DataFileNotFoundError) as info:
        load_sample(path)
    assert str(info.value) == f"File '{path}' does not exist."
    assert isinstance(info.value, FileNotFoundError)


def test_missing_relative_file_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataFileNotFoundError, match=r"^File 'x\.csv' does not exist \(looked in .*\)\.$"):
        load_sample("x.csv")


def test_unsupported_extension(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(DataError) as info:
        load_sample(path)
    assert str(info.value) == f"Unsupported file type '.xlsx' for '{path}'. Use .csv, .tsv, .jsonl, .json or .parquet."


def test_a_directory_is_not_a_sample(tmp_path):
    with pytest.raises(DataError, match="is a directory"):
        load_sample(tmp_path)


@pytest.mark.parametrize(
    "name, content, pattern",
    [
        ("e.csv", "", r"'.*e\.csv' is empty"),
        ("bad.jsonl", '{"text": "a"}\n{oops\n', r"Line 2 of '.*bad\.jsonl' is not valid JSON"),
        ("list.jsonl", '{"text": "a"}\n[1, 2]\n', r"Line 2 of '.*list\.jsonl' holds a JSON list, not a record"),
        ("bad.json", "[{", r"'.*bad\.json' is not valid JSON"),
        ("dict.json", '{"data": []}', r"must hold a JSON list of records .* a dict with keys 'data'"),
        ("scalars.json", "[1, 2]", r"Row 0 of .*scalars\.json is an int, not a record"),
        ("bad.csv", 'text,label\n"unclosed,a\n', r"Could not parse '.*bad\.csv' as CSV"),
        ("bad.parquet", "not parquet", r"Could not read '.*bad\.parquet' as Parquet"),
    ],
)
def test_unreadable_files(tmp_path, name, content, pattern):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=pattern):
        load_sample(path)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncaf\xe9 ok,a\nfine,b\n".encode("latin-1"))
    with pytest.raises(DataError, match="is not UTF-8 text.*Save it with UTF-8 encoding"):
        load_sample(path)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("bad.csv", 'text,label\n"unclosed,a\n', r"as CSV: ParserError: [^\n]*[^.]\. Check that columns"),
        ("bad.parquet", "not parquet", r"as Parquet: \w+: "),
        ("latin.jsonl", None, r"is not UTF-8 text \(UnicodeDecodeError: [^\n]*\)\. Save it"),
    ],
)
def test_a_library_error_while_reading_is_one_line_naming_its_type_and_chained(tmp_path, name, content, reason):
    # The one error boundary (modelpick._errors): the reason reads "Type: first line", no doubled period.
    path = tmp_path / name
    if content is None:
        path.write_bytes('{"text": "caf\xe9", "label": "a"}\n'.encode("latin-1"))
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=reason) as info:
        load_sample(path)
    assert "\n" not in str(info.value) and ".." not in str(info.value)
    assert info.value.__cause__ is not None and not isinstance(info.value.__cause__, DataError)


@pytest.mark.parametrize("rows, n", [([], "0 rows"), ([{"text": "a", "label": "x"}], "1 row;")])
def test_fewer_than_two_rows(rows, n):
    with pytest.raises(DataError, match=f"the list of records has {n}.*at least 2"):
        load_sample(rows)


def test_duplicate_dataframe_columns():
    frame = pd.DataFrame([["a", "b", "x"], ["c", "d", "y"]], columns=["text", "text", "label"])
    with pytest.raises(DataError, match="more than one column named 'text'"):
        load_sample(frame)


def test_errors_are_one_line(tmp_path):
    problems = [
        lambda: load_sample(tmp_path / "nope.csv"),
        lambda: load_sample([{"text": " ", "label": "a"}, {"text": "b", "label": "b"}]),
        lambda: load_sample(ROWS, text_column="nope"),
    ]
    for problem in problems:
        with pytest.raises(DataError) as info:
            problem()
        assert "\n" not in str(info.value)


def test_importing_modelpick_data_imports_neither_pandas_nor_torch():
    code = "import sys, modelpick.data, modelpick.tasks; print('pandas' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
