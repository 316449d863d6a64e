"""Durations: ``parse_duration`` reads what the CLI takes, the DURATION rule rejects what no budget can be."""

from __future__ import annotations

import math

import pytest

from modelpick._validation import DURATION, parse_duration
from modelpick.cli import build_parser, main
from modelpick.config import AdviseConfig
from modelpick.exceptions import InvalidParameterError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("90s", 90.0),
        ("20m", 1200.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("2.5s", 2.5),
        ("1.5h", 5400.0),
        ("1h1m1s", 3661.0),
        (" 20M ", 1200.0),  # spaces around and upper-case units are what people type
        ("0.25", 0.25),
    ],
)
def test_parse_duration_reads_seconds_and_units(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "   ", "abc", "20x", "m20", "1h30", "20 minutes", "h", "5m-", "1,5s"])
def test_parse_duration_rejects_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match="90s, 20m or 1h30m") as caught:
        parse_duration(text)
    # The message repeats the value, so the user sees what was read.
    assert repr(text) in str(caught.value)


def test_negative_numbers_parse_and_the_duration_rule_rejects_them():
    # A plain number is read as it is; whether it can be a budget is the DURATION rule's call.
    assert parse_duration("-5") == -5.0
    assert not DURATION.is_satisfied_by(-5.0)
    assert not DURATION.is_satisfied_by(0.0)
    assert not DURATION.is_satisfied_by(math.inf)
    assert not DURATION.is_satisfied_by(math.nan)
    assert not DURATION.is_satisfied_by(True)
    assert not DURATION.is_satisfied_by("90")
    assert DURATION.is_satisfied_by(0.5)
    assert DURATION.is_satisfied_by(3600)


@pytest.mark.parametrize("bad", [-5, 0, float("nan"), float("inf"), "20m"])
def test_config_rejects_a_budget_that_is_not_positive_seconds(bad):
    with pytest.raises(InvalidParameterError, match="time_budget_s") as caught:
        AdviseConfig(time_budget_s=bad)
    assert "a number of seconds > 0" in str(caught.value)
    assert caught.value.parameter == "time_budget_s"


def test_config_takes_a_budget_in_seconds_or_none():
    assert AdviseConfig(time_budget_s=90).time_budget_s == 90
    assert AdviseConfig(time_budget_s=2.5).time_budget_s == 2.5
    assert AdviseConfig().time_budget_s is None


def _time_budget(*values: str) -> float | None:
    return build_parser().parse_args(["advise", *values]).time_budget_s


def test_cli_time_budget_takes_units():
    assert _time_budget("--time-budget", "1h30m") == 5400.0
    assert _time_budget("--time-budget", "20m") == 1200.0
    assert _time_budget("--time-budget", "45") == 45.0
    assert _time_budget() is None


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_cli_time_budget_that_is_not_a_duration_is_a_one_line_usage_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["advise", "--demo", "--time-budget", "abc"]) == 2
    err = _one_line_error(capsys)
    assert "--time-budget" in err and "'abc'" in err and "1h30m" in err


@pytest.mark.parametrize("value", ["-5", "0s", "0"])
def test_cli_time_budget_not_above_zero_names_the_option(capsys, monkeypatch, tmp_path, value):
    monkeypatch.setenv("MODELPICK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["advise", "--demo", "--time-budget", value]) == 2
    err = _one_line_error(capsys)
    assert "The --time-budget option must be a number of seconds > 0" in err
