"""Config files: ``--config FILE`` (declared default < file < flag), ``modelpick init``, :func:`modelpick.load_config`,
and one-line errors that name the file, the line and the key."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import modelpick
from modelpick._config_file import _key_lines, read_config_file
from modelpick.cli import build_parser, main
from modelpick.cli._options import apply_config_file, config_kwargs
from modelpick.config import AdviseConfig
from modelpick.exceptions import ConfigFileError, InvalidParameterError

FAST = ["--max-profile-time-s", "0.2", "--threads", "1", "--offline", "--quiet", "--json"]


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _parsed(argv: list[str]):
    """``argv`` parsed by the real parser, with the config file applied as ``main`` does."""
    args = build_parser().parse_args(argv)
    apply_config_file(args)
    return args


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


# --- reading ----------------------------------------------------------------------------------------


def test_load_config_gives_recommend_arguments_with_the_sample_read_from_the_files_folder(tmp_path):
    path = _write(tmp_path / "project" / "modelpick.toml", (
        "# limits\n"
        "max_latency_ms = 20\n"
        "min_accuracy = 0.8\n"
        'candidates = [\n  "tfidf-logreg",\n  "majority-class",\n]\n'
        'data = "../data/reviews.csv"\n'
        'profiles = "/srv/profiles.json"\n'
        'time_budget_s = "1h30m"\n'
        "allow_download = false\n"
    ))
    assert modelpick.load_config(path) == {
        "max_latency_ms": 20, "min_accuracy": 0.8, "candidates": ["tfidf-logreg", "majority-class"],
        "sample": str(tmp_path / "project" / ".." / "data" / "reviews.csv"), "profiles": "/srv/profiles.json",
        "time_budget_s": 5400.0, "allow_download": False,
    }
    # Every value passed the option's own rules, so the API takes the whole dict as it is.
    values = modelpick.load_config(path)
    values.pop("sample"), values.pop("profiles")
    assert AdviseConfig.for_caller("recommend", **values).constraints.max_latency_ms == 20


def test_the_line_of_each_key_is_found_past_comments_multi_line_values_and_tables():
    quotes = '"' * 3
    text = (
        "# a comment: seed = 3\n"  # 1
        "\n"  # 2
        "max_latency_ms = 20  # trailing comment\n"  # 3
        f"text_column = {quotes}\n"  # 4: a multi-line string ...
        "random_state = 1\n"  # 5: ... whose lines are not keys
        f'"{quotes}\n'  # 6: a quote just before the closing ones
        "candidates = [\n"  # 7
        '  "device = cpu", # not a key\n'  # 8
        "  'x[' ,\n"  # 9: a bracket inside a string opens nothing
        "]\n"  # 10
        "'literal key' = 1\n"  # 11
        '"esc\\"aped".part = 2\n'  # 12: a dotted key with an escaped quote sets its first part
        "  label_column = 'y'\n"  # 13: indented
        "[table]\n"  # 14
        "study = 'nested'\n"  # 15: inside [table], not top-level
        "[[many]]\n"  # 16
    )
    assert _key_lines(text) == {
        "max_latency_ms": 3, "text_column": 4, "candidates": 7, "literal key": 11, 'esc"aped': 12,
        "label_column": 13, "table": 14, "many": 16,
    }


@pytest.mark.parametrize(("text", "line", "key", "problem"), [
    ("max_latency = 20\n", 3, "max_latency", "unknown key 'max_latency' (did you mean 'max_latency_ms'?)"),
    ("seed = 3\n", 3, "seed", "unknown key 'seed' (did you mean 'random_state'?"),
    ("max-latency-ms = 3\n", 3, "max-latency-ms", "unknown key 'max-latency-ms' (did you mean 'max_latency_ms'?"),
    ("offline = true\n", 3, "offline", "unknown key 'offline' (did you mean 'allow_download = false'?"),
    ("no_quality = true\n", 3, "no_quality", "unknown key 'no_quality' (did you mean 'estimate_quality = false'?"),
    ("colour = 3\n", 3, "colour", "unknown key 'colour' ('modelpick init' writes a file with every key there is)"),
    ("[advise]\nmax_latency_ms = 3\n", 3, "advise", "unknown table [advise] (modelpick reads the keys at the top"),
    ('max_latency_ms = "fast"\n', 3, "max_latency_ms", "'max_latency_ms' must be a number > 0. Got 'fast' instead."),
    ("max_latency_ms = -5\n", 3, "max_latency_ms", "'max_latency_ms' must be a number > 0. Got -5 instead."),
    ("min_accuracy = 80\n", 3, "min_accuracy", "'min_accuracy' must be a number >= 0 and <= 1. Got 80 instead."),
    ("random_state = 3.0\n", 3, "random_state", "'random_state' must be an integer >= 0. Got 3.0 instead."),
    ("tune_top_k = true\n", 3, "tune_top_k", "'tune_top_k' must be an integer >= 1. Got true instead."),
    ("allow_download = 1\n", 3, "allow_download", "'allow_download' must be true or false. Got 1 instead."),
    ('candidates = "tfidf-logreg"\n', 3, "candidates",
     "'candidates' must be a non-empty list of non-empty strings. Got 'tfidf-logreg' instead."),
    ('device = "tpu"\n', 3, "device", "'device' must be one of 'auto', 'cpu', 'cuda'. Got 'tpu' instead."),
    ('time_budget_s = "soon"\n', 3, "time_budget_s",
     "'time_budget_s' must be a number of seconds > 0, or a duration such as '90s', '20m' or '1h30m'. Got 'soon'"),
    ("data = 3\n", 3, "data", "'data' must be a file path (a string). Got 3 instead."),
    ('timeout_s = 10\nsecond = """\n\n"""\nthird = 1\n', 4, "second", "unknown key 'second'"),
])
def test_a_bad_key_or_value_is_one_line_naming_the_file_the_line_and_the_key(tmp_path, text, line, key, problem):
    path = _write(tmp_path / "modelpick.toml", "# settings of the project\n\n" + text)
    with pytest.raises(ConfigFileError) as info:
        read_config_file(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: {problem}"), message
    assert "\n" not in message
    assert (info.value.path, info.value.line, info.value.key) == (str(path), line, key)
    assert isinstance(info.value, InvalidParameterError)  # an input error: exit 2 from the CLI


@pytest.mark.parametrize(("content", "expected"), [
    (b"timeout_s = 10\nmax_latency_ms = \n", r"^{path}:2:18: not valid TOML: Invalid value$"),
    (b"timeout_s = 10\ntimeout_s = 20\n", r"^{path}:2:\d+: not valid TOML: Cannot overwrite a value$"),
    (b"timeout_s = 10\ntext_column = 'caf\xe9'\n", r"^{path}:2: not UTF-8 text \(byte 0xe9\); TOML files are UTF-8$"),
])
def test_a_file_that_is_not_utf8_toml_is_one_line_naming_file_and_line(tmp_path, content, expected):
    path = tmp_path / "modelpick.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigFileError, match=expected.format(path=re.escape(str(path)))) as info:
        read_config_file(path)
    assert info.value.line == 2


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "modelpick.toml"
    path.write_bytes(b"\xef\xbb\xbfmax_latency_ms = 20\n")
    assert modelpick.load_config(path) == {"max_latency_ms": 20}


def test_a_missing_file_or_a_directory_is_one_line_naming_it(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigFileError, match=rf"^{re.escape(str(missing))}: no such config file \(write a starter "
                                              rf"one with: modelpick init {re.escape(str(missing))}\)$"):
        read_config_file(missing)
    with pytest.raises(ConfigFileError, match=rf"^{re.escape(str(tmp_path))}: is a directory, not a config file$"):
        read_config_file(tmp_path)


# --- the command line: declared default < file < flag ---------------------------------------------------


def test_the_file_sets_what_no_flag_sets_and_a_flag_wins_over_the_file(tmp_path):
    config = _write(tmp_path / "modelpick.toml", (
        "random_state = 7\ntest_size = 0.3\nmax_latency_ms = 5000\nallow_download = false\n"
        "trust_remote_code = true\nestimate_quality = false\n"
        'candidates = ["tfidf-logreg", "majority-class"]\ndevice = "cpu"\ndata = "reviews.csv"\n'
    ))
    plain = _parsed(["advise", "--config", str(config)])
    assert config_kwargs(plain, "advise") == {
        **{name: default for name, (default, _) in AdviseConfig.options("advise").items()},
        "random_state": 7, "test_size": 0.3, "max_latency_ms": 5000, "allow_download": False,
        "trust_remote_code": True, "estimate_quality": False, "candidates": ["tfidf-logreg", "majority-class"],
        "device": "cpu",
    }
    assert plain.data == str(tmp_path / "reviews.csv")

    flags = _parsed(["advise", "--config", str(config), "--seed", "9", "--candidate", "bert-base-uncased",
                     "--max-latency-ms", "40", "--device", "auto", "--demo"])
    kwargs = config_kwargs(flags, "advise")
    assert (kwargs["random_state"], kwargs["candidates"], kwargs["max_latency_ms"], kwargs["device"]) == (
        9, ["bert-base-uncased"], 40.0, "auto")
    assert (kwargs["test_size"], kwargs["allow_download"]) == (0.3, False)  # the file's, where no flag was given
    assert flags.demo and flags.data is None  # --demo replaces the file's sample
    assert _parsed(["advise", "--config", str(config), "--data", "other.csv"]).data == "other.csv"


def test_a_switch_given_as_a_flag_wins_over_the_file(tmp_path):
    config = _write(tmp_path / "modelpick.toml", "allow_download = true\ntune = false\n")
    kwargs = config_kwargs(_parsed(["advise", "--config", str(config), "--offline", "--tune"]), "advise")
    assert (kwargs["allow_download"], kwargs["tune"]) == (False, True)


def test_advise_runs_with_the_options_of_the_file(capsys, tmp_path, reviews_csv, monkeypatch):
    _write(tmp_path / "settings" / "modelpick.toml", (
        f'data = "../{reviews_csv.name}"\n'  # read from the config file's folder, not the working directory
        'candidates = ["tfidf-logreg", "majority-class"]\n'
        "random_state = 5\ntest_size = 0.3\nmax_latency_ms = 5000\n"
    ))
    (tmp_path / "work" / "here").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work" / "here")  # where ../reviews.csv does not exist
    code = main(["advise", "--config", "../../settings/modelpick.toml", *FAST, "--seed", "11"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    echoed = json.loads(captured.out)["config"]
    assert echoed["candidates"] == ["tfidf-logreg", "majority-class"]
    assert (echoed["test_size"], echoed["max_latency_ms"], echoed["random_state"]) == (0.3, 5000, 11)
    assert (echoed["num_threads"], echoed["allow_download"]) == (1, False)


def test_a_bad_file_stops_the_cli_with_exit_2_before_measuring(capsys, tmp_path, reviews_csv):
    config = _write(tmp_path / "modelpick.toml", "# limits\nmax_latency = 20\n")
    # Progress stays on: nothing may be measured, so nothing but the error may appear.
    code = main(["advise", "--config", str(config), "--data", str(reviews_csv), "--candidate", "majority-class"])
    assert code == 2
    assert _one_line_error(capsys) == (
        f"error: {config}:2: unknown key 'max_latency' (did you mean 'max_latency_ms'?)"
    )
    assert main(["advise", "--config", str(tmp_path / "missing.toml"), "--demo"]) == 2
    assert _one_line_error(capsys).startswith(f"error: {tmp_path / 'missing.toml'}: no such config file")


def test_profile_leaves_out_the_keys_it_has_no_option_for_and_says_so(capsys, tmp_path):
    config = _write(tmp_path / "modelpick.toml", (
        'candidates = ["tfidf-logreg"]\nmax_latency_ms = 20\ntune = true\nprofiles = "p.json"\n'
    ))
    args = _parsed(["profile", "--config", str(config)])
    assert args.candidates == ["tfidf-logreg"] and not hasattr(args, "max_latency_ms")
    assert capsys.readouterr().err.splitlines() == [
        f"note: {config}:2: 'max_latency_ms' is not an option of 'modelpick profile'; left out",
        f"note: {config}:3: 'tune' is not an option of 'modelpick profile'; left out",
        f"note: {config}:4: 'profiles' is not an option of 'modelpick profile'; left out",
    ]
    _parsed(["profile", "--config", str(config), "--quiet"])
    assert capsys.readouterr().err == ""
    # A key no command has is an error for every command, even one that would leave it out.
    _write(config, "max_latency = 20\n")
    with pytest.raises(ConfigFileError, match="unknown key 'max_latency'"):
        _parsed(["profile", "--config", str(config)])


def test_compare_measures_the_candidates_its_command_line_names(capsys, tmp_path):
    config = _write(tmp_path / "modelpick.toml", 'candidates = ["bert-base-uncased"]\nrandom_state = 4\n')
    args = _parsed(["compare", "tfidf-logreg", "majority-class", "--config", str(config)])
    assert (args.names, args.candidates, args.random_state) == (["tfidf-logreg", "majority-class"], None, 4)
    assert "'candidates' left out: compare measures the ones its command line names" in capsys.readouterr().err


def test_a_tune_worker_reads_storage_and_study_from_the_file(tmp_path):
    config = _write(tmp_path / "modelpick.toml", (
        'storage = "sqlite:///studies.db"\nstudy = "reviews-v1"\ntime_budget_s = "20m"\nrandom_state = 3\n'
    ))
    args = _parsed(["tune", "--config", str(config), "--study", "other", "--quiet"])
    assert (args.storage, args.study, args.time_budget_s) == ("sqlite:///studies.db", "other", 1200.0)


# --- modelpick init ---------------------------------------------------------------------------------------


def test_init_writes_a_starter_file_that_loads_as_the_defaults(capsys, tmp_path):
    path = tmp_path / "modelpick.toml"
    assert main(["init", str(path)]) == 0
    assert capsys.readouterr().err.startswith(f"wrote {path}; ")
    text = path.read_text()
    for name, (_, spec) in AdviseConfig.options().items():
        assert spec.help.split(";")[0][:40] in text, name  # each option's help is there, as a comment
    assert read_config_file(path).values == {}  # everything commented out: every default

    kwargs = config_kwargs(_parsed(["advise", "--config", str(path)]), "advise")
    assert kwargs == {name: default for name, (default, _) in AdviseConfig.options("advise").items()}

    # Uncommenting the lines that show a default gives exactly the defaults.
    defaults_set = re.sub(r"(?m)^# (\w+ = .*)$", lambda m: m.group(1) if "an example" not in m.group(1) else m.group(0),
                          text)
    _write(path, defaults_set)
    assert read_config_file(path).values == {
        name: (list(default) if isinstance(default, tuple) else default)
        for name, (default, _) in AdviseConfig.options().items() if default is not None
    }
    # Uncommenting every key line (the examples too) gives a file every option's rules accept.
    everything = re.sub(r"(?m)^# (\w+ = .*)$", r"\1", text)
    values = read_config_file(_write(path, everything)).values
    assert set(values) == {*AdviseConfig.options(), "data", "profiles"}
    values.pop("data"), values.pop("profiles")
    AdviseConfig(**values)


def test_the_starter_file_runs_advise_with_the_declared_defaults(capsys, tmp_path, reviews_csv):
    path = tmp_path / "modelpick.toml"
    assert main(["init", str(path)]) == 0
    capsys.readouterr()
    code = main(["advise", "--config", str(path), "--data", str(reviews_csv), "--candidate", "tfidf-logreg",
                 "--candidate", "majority-class", *FAST])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    echoed = json.loads(captured.out)["config"]
    given = {"candidates": ["tfidf-logreg", "majority-class"], "num_threads": 1, "max_profile_time_s": 0.2,
             "allow_download": False}
    for name, (default, _) in AdviseConfig.options("advise").items():
        if name != "device":  # echoed as resolved: auto becomes the device used
            assert echoed[name] == given.get(name, default), name


def test_init_never_overwrites_a_file_unless_forced(capsys, tmp_path):
    path = _write(tmp_path / "modelpick.toml", "max_latency_ms = 20\n")
    assert main(["init", str(path)]) == 2
    assert _one_line_error(capsys) == (
        f"error: {path} exists already; modelpick init leaves it as it is (--force replaces it)"
    )
    assert path.read_text() == "max_latency_ms = 20\n"
    assert main(["init", str(path), "--force"]) == 0
    assert capsys.readouterr().err.startswith(f"wrote {path}; ")
    assert path.read_text().startswith("# modelpick configuration")
    assert main(["init", str(tmp_path)]) == 2
    assert _one_line_error(capsys).startswith(f"error: {tmp_path} is a directory; name the config file to write")


def test_init_dash_prints_the_starter_file_and_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "-"]) == 0
    assert capsys.readouterr().out.startswith("# modelpick configuration")
    assert list(tmp_path.iterdir()) == []


def test_help_names_the_config_option_and_still_shows_the_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["advise", "--help"])
    out = capsys.readouterr().out
    assert "--config FILE" in out and "(default: 0.25)" in out and "(default: 600)" in out


def test_every_example_value_of_the_starter_file_belongs_to_a_declared_option():
    # An option renamed without its example would silently fall back to a generic one.
    from modelpick.cli import _starter
    from modelpick.config import AdviseConfig

    assert set(_starter._EXAMPLES) <= set(AdviseConfig.options())
