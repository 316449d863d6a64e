"""``modelpick schema``: the JSON Schema of the JSON output on stdout, the published file's exact text."""

from __future__ import annotations

import json

from modelpick.cli import main
from modelpick.report import schema_for, schema_text


def test_schema_prints_the_advise_schema_by_default(capsys):
    assert main(["schema"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == schema_for("advise")
    assert captured.out == schema_text("advise")  # byte for byte what the published file holds
    assert captured.err == ""


def test_schema_takes_the_kind(capsys):
    assert main(["schema", "advise"]) == 0
    assert json.loads(capsys.readouterr().out)["$id"].endswith(".schema.json")


def test_an_unknown_kind_is_a_one_line_usage_error_naming_the_choices(capsys):
    assert main(["schema", "nope"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "invalid choice: 'nope'" in err and "'advise'" in err
