"""The installed console entry point, run as a user would: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_python_m_modelpick_advise_demo_json():
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "modelpick", "advise", "--demo", "--candidate", "tfidf-linearsvm",
         "--candidate", "majority-class", "--max-profile-time-s", "0.3", "--min-accuracy", "0.5", "--json"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)  # stdout is pure JSON
    assert payload["ranked"][0]["name"] == "tfidf-linearsvm"
    assert "[1/2] tfidf-linearsvm" in done.stderr  # progress went to stderr
    majority = next(r for r in payload["results"] if r["candidate"]["name"] == "majority-class")
    assert majority["quality"]["accuracy"] < 0.5
    assert [r["name"] for r in payload["rejected"]] == ["majority-class"]


def test_help_lists_commands():
    done = subprocess.run([sys.executable, "-m", "modelpick", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for command in ("advise", "compare", "profile", "candidates", "schema"):
        assert command in done.stdout


def test_bad_input_exit_code_2_without_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-m", "modelpick", "advise", "--data", str(tmp_path / "x.csv")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
