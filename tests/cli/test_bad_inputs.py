"""Bad input through the real CLI: each case is one line on stderr naming the value and the fix, exit 2.

Every case runs with a report file that already holds an earlier result, and the progress log on (not
``--quiet``): stderr holding exactly one line proves the input was refused before anything was measured
(measuring prints a progress line per candidate), and the untouched report proves no partial file
replaced it.

Cases about file permissions cannot be staged in-process as root (root reads anything), so those run
the CLI in a subprocess whose capability bounding set drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH:
it stays root, but the permission bits apply to it.
"""

from __future__ import annotations

import ctypes
import json
import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelpick.cli import main
from modelpick.testing.tiny_models import save_tiny_model

BASELINES = ["--candidate", "majority-class", "--candidate", "tfidf-logreg"]
EARLIER_REPORT = "<html>an earlier report that a failed run must leave as it was</html>"


@dataclass(frozen=True)
class Case:
    """A command line after ``modelpick`` (``{dir}``: the folder of staged files) and what its error says."""

    args: str
    expected: tuple[str, ...]  # substrings of the error line: the bad value and the fix
    permissions: bool = False  # needs the permission bits to apply (see the module docstring)
    report: bool = True  # add --report {dir}/earlier.html (off where the case is about --report itself)
    baselines: bool = True  # add two cheap candidates, so that a run that was not refused would measure

    def argv(self, folder: Path) -> list[str]:
        argv = shlex.split(self.args.replace("{dir}", str(folder)))
        if self.baselines:
            argv += BASELINES
        if self.report:
            argv += ["--report", str(folder / "earlier.html")]
        return argv


def case(args: str, *expected: str, **flags: bool) -> Case:
    """A row of the table: the command line, then the fragments its error line must hold."""
    return Case(args, expected, **flags)


def _rows(texts_and_labels: list[tuple[str, str]]) -> str:
    return "text,label\n" + "".join(f'"{t}",{label}\n' for t, label in texts_and_labels)


def _varied(n: int, labels: tuple[str, ...] = ("a", "b")) -> list[tuple[str, str]]:
    return [(f"message number {i} about topic {labels[i % len(labels)]}", labels[i % len(labels)]) for i in range(n)]


def _stage(folder: Path) -> None:
    """Every bad file the cases read, written once."""
    (folder / "empty.csv").write_bytes(b"")
    (folder / "header.csv").write_text("text,label\n")
    (folder / "latin1.csv").write_bytes("text,label\ncafé crème,a\nthé,b\n".encode("latin-1"))
    (folder / "binary.csv").write_bytes(b"\xff\xfe\x00\x01\x02binary\x00")
    (folder / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "broken.json").write_text('{"text": "unclosed')
    (folder / "broken.jsonl").write_text('{"text": "fine", "label": "a"}\nnot json at all\n')
    (folder / "broken.parquet").write_bytes(b"PAR1garbage")
    (folder / "numbers.csv").write_text("a,b\n1,2\n3,4\n5,6\n7,8\n")
    (folder / "good.csv").write_text(_rows(_varied(24)))
    (folder / "one_class.csv").write_text(_rows([(f"hello number {i}", "x") for i in range(12)]))
    nan_rows = [(t, label if i % 5 else "") for i, (t, label) in enumerate(_varied(20))]
    (folder / "nan_labels.csv").write_text(_rows(nan_rows))
    blank_rows = [("  " if i % 4 == 0 else t, label) for i, (t, label) in enumerate(_varied(20))]
    (folder / "empty_texts.csv").write_text(_rows(blank_rows))
    (folder / "huge_text.csv").write_text(_rows([("word " * 210_000, "a"), *_varied(20)]))
    (folder / "single_example.csv").write_text(_rows([*_varied(20), ("the only one of its kind", "c")]))
    (folder / "duplicates.csv").write_text(_rows([("same text", "a"), ("other text", "b")] * 10))
    (folder / "locked.csv").write_text(_rows(_varied(20)))
    (folder / "locked.csv").chmod(0)
    (folder / "a_directory.csv").mkdir()
    (folder / "report_dir.html").mkdir()
    (folder / "not_a_model").mkdir()
    (folder / "corrupt.db").write_bytes(b"this is not an SQLite database" * 10)
    (folder / "profiles_broken.json").write_text("[1, 2")
    bad_config = save_tiny_model("bert", folder / "bad_config")
    (bad_config / "config.json").write_text('{"model_type": "bert",\n  "hidden_size": 32,,\n}')
    truncated = save_tiny_model("bert", folder / "truncated_weights")
    weights = truncated / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    garbage = save_tiny_model("bert", folder / "garbage_weights")
    (garbage / "model.safetensors").write_bytes(b"not safetensors at all")
    locked = save_tiny_model("bert", folder / "locked_model")
    locked.chmod(0)
    pickled = save_tiny_model("bert", folder / "pickle_only")
    import torch
    from safetensors.torch import load_file

    torch.save(load_file(pickled / "model.safetensors"), pickled / "pytorch_model.bin")
    (pickled / "model.safetensors").unlink()
    own_code = save_tiny_model("bert", folder / "own_code")
    settings = json.loads((own_code / "config.json").read_text())
    settings.update(model_type="own-code", auto_map={"AutoConfig": "configuration_own.OwnConfig",
                                                     "AutoModel": "modeling_own.OwnModel"})
    (own_code / "config.json").write_text(json.dumps(settings))
    for module in ("configuration_own.py", "modeling_own.py"):
        (own_code / module).write_text(f"open({str(folder / 'code_ran')!r}, 'w').close()\n")
    (folder / "typo.toml").write_text("# limits\nmin_accuracy = 0.8\nmax_latency = 20\n")
    (folder / "wrong_type.toml").write_text('max_latency_ms = "fast"\n')
    (folder / "not_toml.toml").write_text("max_latency_ms = = 20\n")


CASES: dict[str, Case] = {
    # the sample file
    "missing file": case("advise --data {dir}/nope.csv", "nope.csv", "does not exist"),
    "empty file": case("advise --data {dir}/empty.csv", "empty.csv", "is empty"),
    "header only": case("advise --data {dir}/header.csv", "header.csv", "0 rows", "Add rows"),
    "not UTF-8": case("advise --data {dir}/latin1.csv", "latin1.csv", "not UTF-8", "UTF-8 encoding"),
    "binary file": case("advise --data {dir}/binary.csv", "binary.csv", "not UTF-8"),
    "data is a directory": case("advise --data {dir}/a_directory.csv", "a_directory.csv", "is a directory"),
    "unsupported file type": case("advise --data {dir}/sheet.xlsx", ".xlsx", "Use .csv"),
    "malformed JSON": case("advise --data {dir}/broken.json", "broken.json", "not valid JSON", "Fix it"),
    "malformed JSON line": case("advise --data {dir}/broken.jsonl", "Line 2", "broken.jsonl"),
    "corrupt parquet": case("advise --data {dir}/broken.parquet", "broken.parquet", "Parquet"),
    "unreadable data file": case("advise --data {dir}/locked.csv", "locked.csv", "ermission", permissions=True),
    "no text column": case("advise --data {dir}/numbers.csv", "No text column", "'a', 'b'", "--text-column"),
    "text column not there": case(
        "advise --data {dir}/good.csv --text-column body", "'body'", "'text', 'label'", "--text-column",
    ),
    "label column not there": case("advise --data {dir}/good.csv --label-column tag", "'tag'", "--label-column"),
    "column named without data": case("advise --demo --text-column body", "'body'", "--text-column", "--data"),
    "one class only": case("advise --data {dir}/one_class.csv", "only one class", "'x'", "Add examples"),
    "NaN labels": case("advise --data {dir}/nan_labels.csv", "have no label", "data row 1", "Label or remove"),
    "empty strings": case("advise --data {dir}/empty_texts.csv", "are empty", "data row 1", "Remove or fill"),
    "a 1 MB text": case("advise --data {dir}/huge_text.csv", "Data row 1", "1,050,000 characters", "shorten"),
    "a class with one example": case("advise --data {dir}/single_example.csv", "'c'", "only 1 example", "Add examples"),
    "duplicate rows only": case("advise --data {dir}/duplicates.csv", "only 1 distinct text", "duplicates"),
    # constraints and other numbers
    "negative latency": case("advise --demo --max-latency-ms -5", "--max-latency-ms", "> 0", "Got -5 "),
    "zero latency": case("advise --demo --max-latency-ms 0", "--max-latency-ms", "Got 0 "),
    "non-numeric latency": case("advise --demo --max-latency-ms fast", "--max-latency-ms", "'fast'", "--help"),
    "accuracy above 1": case("advise --demo --min-accuracy 1.5", "--min-accuracy", "<= 1", "1.5"),
    "NaN memory": case("advise --demo --max-memory-mb nan", "--max-memory-mb", "nan"),
    "negative memory": case("advise --demo --max-memory-mb -100", "--max-memory-mb", "-100"),
    "unknown percentile": case("advise --demo --latency-percentile p42", "'p42'", "p90"),
    "test size of 1.5": case("advise --demo --test-size 1.5", "--test-size", "< 1", "1.5"),
    "zero threads": case("advise --demo --threads 0", "--threads", ">= 1", "Got 0"),
    "negative time budget": case("advise --demo --tune --time-budget -5", "--time-budget", "-5"),
    "unreadable duration": case("advise --demo --tune --time-budget soon", "--time-budget", "'soon'"),
    # names
    "unknown task": case("advise --demo --task translation", "'translation'", "text-classification"),
    "unknown candidate": case(
        "advise --demo --candidate distilbertt", "'distilbertt'", "Did you mean 'distilbert", baselines=False,
    ),
    "candidate named twice": case("advise --demo --candidate tfidf-logreg", "--candidate", "duplicates"),
    "model path that does not exist": case(
        "advise --demo --candidate {dir}/no_model_here", "no_model_here", "no such directory", baselines=False,
    ),
    "model dir without config.json": case(
        "advise --demo --candidate {dir}/not_a_model", "not_a_model", "without config.json", baselines=False,
    ),
    # model directories
    "corrupt config.json": case(
        "advise --demo --candidate {dir}/bad_config", "bad_config/config.json", "not valid JSON", "line 2",
    ),
    "truncated safetensors": case(
        "advise --demo --candidate {dir}/truncated_weights", "truncated_weights/model.safetensors", "truncated",
    ),
    "garbage safetensors": case(
        "advise --demo --candidate {dir}/garbage_weights",
        "garbage_weights/model.safetensors", "not a usable safetensors",
    ),
    "unreadable model dir": case(
        "advise --demo --candidate {dir}/locked_model", "locked_model", "permission denied", "chmod", permissions=True,
    ),
    "pickle-only weights": case(
        "advise --demo --candidate {dir}/pickle_only", "pickle_only", "pytorch_model.bin", "--allow-pickle",
    ),
    "model that needs its own code": case(
        "advise --demo --candidate {dir}/own_code", "own_code", "--trust-remote-code",
    ),
    # config files
    "config key with a typo": case(
        "advise --demo --config {dir}/typo.toml", "typo.toml:3", "'max_latency'", "did you mean 'max_latency_ms'",
    ),
    "config value of the wrong type": case(
        "advise --demo --config {dir}/wrong_type.toml", "wrong_type.toml:1", "'max_latency_ms'", "'fast'",
    ),
    "config that is not TOML": case("advise --demo --config {dir}/not_toml.toml", "not_toml.toml:1", "TOML"),
    "config path that is a directory": case(
        "advise --demo --config {dir}/a_directory.csv", "a_directory.csv", "is a directory, not a config file",
    ),
    "gate on a report that is not JSON": case(
        "gate --report {dir}/broken.json", "broken.json", "is not JSON", "modelpick advise --report", report=False,
        baselines=False,
    ),
    "missing config file": case("advise --demo --config {dir}/nope.toml", "nope.toml", "modelpick init"),
    # tuning storage
    "corrupt Optuna storage": case(
        "advise --demo --tune --storage sqlite:///{dir}/corrupt.db", "corrupt.db", "not a database", "--storage",
    ),
    "unreachable PostgreSQL": case(
        "advise --demo --tune --storage postgresql+psycopg://who:secret@127.0.0.1:1/db",
        "127.0.0.1:1", "Connection refused", "--storage",
    ),
    "unknown storage scheme": case("advise --demo --tune --storage nosuchdb://x", "nosuchdb://x", "--storage"),
    "tune without data": case("advise --tune", "--tune", "--data"),
    # output
    "unwritable report path": case(
        "advise --demo --report /proc/modelpick/report.html",
        "--report", "/proc/modelpick/report.html", "cannot create files", report=False,
    ),
    "report path is a directory": case(
        "advise --demo --report {dir}/report_dir.html", "--report", "report_dir.html", "is a directory", report=False,
    ),
    "unknown report suffix": case("advise --demo --report {dir}/report.docx", "report.docx", ".docx", ".html"),
    "MLflow store that cannot be opened": case(
        "advise --demo --mlflow-tracking-uri sqlite:///{dir}/empty.csv/mlflow.db", "empty.csv/mlflow.db", "MLflow",
    ),
    "missing profiles file": case("advise --demo --profiles {dir}/nope.json", "nope.json", "modelpick profile --save"),
    "corrupt profiles file": case(
        "advise --demo --profiles {dir}/profiles_broken.json", "profiles_broken.json", "not a modelpick profiles file",
    ),
    "compare with one candidate": case("compare tfidf-logreg --demo", "two or more", "tfidf-logreg", baselines=False),
}


def _without_dac_override() -> None:
    # PR_CAPBSET_DROP (24) of CAP_DAC_OVERRIDE (1) and CAP_DAC_READ_SEARCH (2): the exec'd CLI keeps uid 0
    # but loses the capabilities that let root ignore permission bits.
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _run(argv: list[str], case: Case, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    if not case.permissions:
        code = main(argv)
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    preexec: Callable[[], None] | None = _without_dac_override if os.geteuid() == 0 else None
    done = subprocess.run(
        [sys.executable, "-m", "modelpick", *argv], capture_output=True, text=True, timeout=300,
        preexec_fn=preexec, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad-inputs")
    _stage(folder)
    yield folder
    for locked in (folder / "locked.csv", folder / "locked_model"):
        locked.chmod(0o755)  # so pytest can remove the folder


def test_the_table_covers_at_least_thirty_inputs() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_exit_2_before_measuring(name: str, staged: Path, capsys) -> None:
    case = CASES[name]
    earlier = staged / "earlier.html"
    earlier.write_text(EARLIER_REPORT)
    code, out, err = _run(case.argv(staged), case, capsys)

    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, f"expected one line (nothing measured), got:\n{err}"
    line = lines[0]
    assert line.startswith("error: ") and "Traceback" not in err
    for fragment in case.expected:
        assert fragment.replace("{dir}", str(staged)) in line, f"{fragment!r} not in {line!r}"
    assert out == ""
    assert earlier.read_text() == EARLIER_REPORT
    assert not list(staged.glob(".earlier.html.*")), "a temporary report file was left behind"
    assert not (staged / "code_ran").exists(), "a model's own code ran"


def test_debug_shows_the_traceback_instead(staged: Path) -> None:
    with pytest.raises(Exception, match="does not exist"):
        main(["advise", "--data", str(staged / "nope.csv"), *BASELINES, "--debug"])
