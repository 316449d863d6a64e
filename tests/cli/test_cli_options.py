"""The CLI's flags come from the option declarations, and every flag reaches the API (real runs)."""

from __future__ import annotations

import argparse
import json

import pytest

from modelpick._validation import Options
from modelpick.cli import build_parser, main
from modelpick.cli._options import flag_of
from modelpick.config import AdviseConfig

COMMANDS = ("advise", "compare", "profile")


def _subparser(command: str) -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices[command]


@pytest.mark.parametrize("command", COMMANDS)
def test_each_declared_option_is_a_flag_with_its_default_choices_and_help(command):
    actions = {a.dest: a for a in _subparser(command)._actions}
    for name, (default, spec) in AdviseConfig.options(command).items():
        action = actions.get(name)
        assert action is not None, f"{command} has no flag for option {name}"
        assert flag_of(name, spec) in action.option_strings
        assert spec.help in action.help
        if isinstance(default, bool):
            # A switch flips the declared default.
            assert (action.default, action.const) == (default, not default), name
        else:
            assert action.default == default, name
        choices = [c for c in spec.constraints if isinstance(c, Options)]
        if choices:
            assert tuple(action.choices) == tuple(choices[0].values), name


def _every_option_changed(tmp_path, topics, command: str) -> tuple[list[str], dict[str, object]]:
    """A real sample with non-standard column names, and a non-default value for every option of ``command``."""
    rows = ["id,ticket_text,tag"]
    for label in ("billing", "shipping"):
        texts = topics[label]
        for i in range(9):
            # The id column is longer than the texts, so detection alone would pick it: --text-column must arrive.
            rows.append(f"{'x' * 80}{i}{label},\"{texts[i % 3]} {i}\",{label}")
    data = tmp_path / "tickets.csv"
    data.write_text("\n".join(rows) + "\n")
    values: dict[str, object] = {
        "task": "text-classification",  # the only task there is; still passed explicitly
        "max_latency_ms": 5000.0, "max_memory_mb": 50000.0, "min_accuracy": 0.01, "latency_percentile": "p95",
        "candidates": ["tfidf-logreg"], "variants": ["eager", "int8"], "text_column": "ticket_text", "label_column": "tag", "test_size": 0.3,
        "random_state": 3, "num_threads": 1, "device": "cpu", "timeout_s": 300.0, "max_profile_time_s": 0.3,
        "throughput_batch_size": 4, "latency_batch_size": 2, "allow_download": False, "trust_remote_code": True, "allow_pickle": True,
        "estimate_quality": True,
        # Only a baseline is a candidate, so --tune plans no trial; the options must still reach the run.
        "tune": True, "tune_top_k": 2, "tune_trials": 4, "time_budget_s": 900.0,
        "storage": f"sqlite:///{tmp_path / 'studies.db'}", "study": "options-test",
        "use_cache": False, "cache_path": str(tmp_path / "measurements.sqlite3"),
    }
    argv = [command, "--data", str(data), "--quiet", "--json"]
    options = AdviseConfig.options(command)
    assert set(options) <= set(values), f"give the new option(s) {set(options) - set(values)} a value here"
    for name, (default, spec) in options.items():
        value = values[name]
        flag = flag_of(name, spec)
        if isinstance(default, bool):
            if value != default:
                argv.append(flag)
        elif isinstance(value, list):
            for item in value:
                argv += [flag, str(item)]
        else:
            argv += [flag, str(value)]
    return argv, {name: values[name] for name in options}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["advise", "profile"])
def test_every_option_given_on_the_command_line_reaches_the_run(command, capsys, tmp_path, topics):
    argv, expected = _every_option_changed(tmp_path, topics, command)
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    echoed = json.loads(captured.out)["config"]
    for name, value in expected.items():
        assert echoed[name] == value, f"{command}: {flag_of(name, AdviseConfig.options()[name][1])} did not reach the run"


@pytest.mark.slow
def test_profile_fits_baselines_on_the_named_label_column(capsys, tmp_path):
    # Before 0.2, 'profile --label-column' was accepted and dropped, so baselines failed to fit.
    data = tmp_path / "tickets.csv"
    data.write_text("body,topic_code\n" + "".join(
        f"\"{text} {i}\",{code}\n" for i in range(6) for text, code in (("refund my payment", "B"), ("parcel late", "S"))
    ))
    code = main(["profile", "--data", str(data), "--label-column", "topic_code", "--candidate", "tfidf-logreg",
                 "--max-profile-time-s", "0.2", "--threads", "1", "--quiet", "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.out + captured.err
    profile_set = json.loads(captured.out)
    assert [p["candidate"] for p in profile_set["profiles"]] == ["tfidf-logreg"]
    assert profile_set["config"]["label_column"] == "topic_code"


@pytest.mark.parametrize("command", ["advise", "compare"])
def test_an_unwritable_output_is_refused_before_measuring(command, capsys, tmp_path, reviews_csv):
    names = ["tfidf-logreg"] if command == "compare" else []
    for target, problem in ((tmp_path, "it is a directory"), (tmp_path / "file.txt" / "report.json", "is not a directory"),
                            ("/proc/modelpick-report.json", "cannot create files in /proc")):
        if problem == "is not a directory":
            (tmp_path / "file.txt").write_text("a file, not a folder")
        # Progress stays on (no --quiet): nothing may be measured, so no candidate line may appear.
        code = main([command, *names, "--data", str(reviews_csv), "--output", str(target), "--threads", "1"])
        err = capsys.readouterr().err.strip()
        assert code == 2, err
        assert len(err.splitlines()) == 1 and "Traceback" not in err, err
        assert err.startswith("error: The --output option must be a writable file path (") and problem in err, err
        assert f"Got '{target}' instead." in err


def test_an_unwritable_save_path_is_refused_before_measuring(capsys, tmp_path, reviews_csv):
    code = main(["profile", "--data", str(reviews_csv), "--save", str(tmp_path), "--threads", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"error: The --save option must be a writable file path (it is a directory). Got '{tmp_path}' instead."
