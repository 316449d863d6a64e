"""How long `import modelpick` and `modelpick --help` take (target: --help under 1 s).

Run: python benchmarks/cli_startup.py
Each figure is the median of several fresh interpreter runs, so it includes Python's own start-up.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

RUNS = 7


def _median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    python_only = _median_seconds([sys.executable, "-c", "pass"])
    imported = _median_seconds([sys.executable, "-c", "import modelpick"])
    script = shutil.which("modelpick")
    help_cmd = [script, "--help"] if script else [sys.executable, "-m", "modelpick", "--help"]
    helped = _median_seconds(help_cmd)
    print(f"{'what':32s} {'median s':>9s}")
    print(f"{'python -c pass':32s} {python_only:9.3f}")
    label = 'python -c "import modelpick"'
    print(f"{label:32s} {imported:9.3f}")
    print(f"{' '.join(['modelpick' if script else 'python -m modelpick', '--help']):32s} {helped:9.3f}   target < 1.000")


if __name__ == "__main__":
    main()
