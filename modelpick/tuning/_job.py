"""What one candidate's study needs to run a trial, on this machine or any worker: a :class:`TuningJob`.

The job is stored in the study itself (a user attribute), so ``modelpick tune --storage URL --study NAME``
on another machine needs nothing else: the data, the labels, the search space and the candidate are all
there. The study's name ends with a fingerprint of the job, so a changed sample, candidate or space
starts a new study instead of reusing stale trials.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from modelpick._serialization import Serializable
from modelpick.tuning._space import SearchSpace

__all__ = ["JOB_ATTRIBUTE", "TuningJob"]

JOB_ATTRIBUTE = "modelpick_job"  # the study user attribute that holds the job
JOB_FORMAT = "modelpick-tuning-job/1"


@dataclass(frozen=True)
class TuningJob(Serializable):
    """One candidate's quick fine-tune: the model, the data split for training and validation, the space.

    The held-out test split is not here: trials never see it.
    """

    candidate: str
    model_path: str  # where the weights were resolved (a worker elsewhere re-resolves ``candidate``)
    labels: tuple[str, ...]  # every class, in the order of the classification head's outputs
    train_texts: tuple[str, ...]
    train_labels: tuple[str, ...]
    validation_texts: tuple[str, ...]
    validation_labels: tuple[str, ...]
    space: SearchSpace
    trials_planned: int
    trial_timeout_s: float
    random_state: int
    format: str = JOB_FORMAT

    def fingerprint(self) -> str:
        """A short hash of the data, the candidate, the space and the seed (not of the trial count)."""
        content = {
            "candidate": self.candidate,
            "labels": self.labels,
            "train": [self.train_texts, self.train_labels],
            "validation": [self.validation_texts, self.validation_labels],
            "space": self.space.fingerprint(),
            "random_state": self.random_state,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]

    def study_name(self, prefix: str) -> str:
        """``prefix/candidate/fingerprint``; the candidate part keeps only characters safe in any storage.

        Example:
            >>> from modelpick.tuning._space import SearchSpace
            >>> job = TuningJob("org/bert-tiny", "/m", ("a", "b"), ("x", "y"), ("a", "b"), ("z",), ("a",),
            ...                 SearchSpace(max_lengths=(32,)), 5, 60.0, 0)
            >>> job.study_name("reviews-v1").startswith("reviews-v1/org-bert-tiny/")
            True
        """
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", self.candidate).strip("-")
        return f"{prefix}/{safe}/{self.fingerprint()}"
