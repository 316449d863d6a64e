"""Quick fine-tunes tuned with Optuna (DESIGN.md section 6).

One study per candidate, in Optuna's own storage (a SQLite file under the user cache dir by default,
any RDB URL such as PostgreSQL for several workers). A trial fine-tunes the candidate with transformers'
``Trainer`` in a spawned child with a deadline, on the training split minus a validation part; its
per-epoch validation accuracy feeds the pruner. The held-out split is never seen by a trial: only the
best trial's model is scored on it, by the orchestrator.

What to tune, when to stop and how a time budget is shared are decided between trials by the
orchestrator (``modelpick._tuner``) with the pure rules in :mod:`modelpick.selection._elimination` and
:mod:`modelpick.tuning._budget`.
"""

from __future__ import annotations

from modelpick.tuning._budget import Round, halving_schedule, keep_after_round, survivors, trial_fits
from modelpick.tuning._job import TuningJob
from modelpick.tuning._search import make_pruner, make_sampler
from modelpick.tuning._settings import TuningSettings
from modelpick.tuning._space import SearchSpace
from modelpick.tuning._storage import default_cache_dir, default_storage_url, display_url, open_storage
from modelpick.tuning._study import StudyProgress, TunedStudy
from modelpick.tuning._trial import TrialOutcome, TrialRequest, predict_labels, token_length_p99, train_trial
from modelpick.tuning._worker import run_worker, study_names

__all__ = [
    "Round",
    "SearchSpace",
    "StudyProgress",
    "TrialOutcome",
    "TrialRequest",
    "TunedStudy",
    "TuningJob",
    "TuningSettings",
    "default_cache_dir",
    "default_storage_url",
    "display_url",
    "halving_schedule",
    "keep_after_round",
    "make_pruner",
    "make_sampler",
    "open_storage",
    "predict_labels",
    "run_worker",
    "study_names",
    "survivors",
    "token_length_p99",
    "train_trial",
    "trial_fits",
]
