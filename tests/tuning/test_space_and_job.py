"""The search space (lengths from the data, ranges, the first recipe) and the job that names a study."""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import pytest

from modelpick.tuning import SearchSpace, TuningJob
from modelpick.tuning._space import LENGTH_CHOICES

optuna = pytest.importorskip("optuna")


def replace_text(job: TuningJob, index: int, text: str) -> TuningJob:
    texts = list(job.train_texts)
    texts[index] = text
    return dataclasses.replace(job, train_texts=tuple(texts))


# --- SearchSpace.for_lengths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("p99", "model_max", "lengths"),
    [
        (40, 512, (16, 32, 64)),  # the p99 rounded up to the next choice
        (64, 512, (16, 32, 64)),  # a p99 on a choice needs nothing longer
        (64.2, 512, (16, 32, 64, 128)),  # a fraction of a token over still needs the next choice
        (16, 512, (16,)),
        (1, 512, (16,)),
        (700, 512, (16, 32, 64, 128, 256, 512)),  # longer than the model: the model's limit
        (200, 128, (16, 32, 64, 128)),
        (100, 100, (16, 32, 64, 100)),  # no choice fits between 64 and the model's 100: the limit itself
        (40, 8, (8,)),
    ],
)
def test_for_lengths_stops_at_the_first_length_covering_the_p99(p99, model_max, lengths):
    assert SearchSpace.for_lengths(p99_tokens=p99, model_max_length=model_max).max_lengths == lengths


@pytest.mark.parametrize("model_max", [8, 64, 100, 128, 200, 512, 4096])
@pytest.mark.parametrize("p99", [2, 10, 16, 17, 33, 64, 65, 129, 300, 511, 513, 2000])
def test_for_lengths_never_exceeds_the_model_and_always_covers_what_it_can(p99, model_max):
    lengths = SearchSpace.for_lengths(p99_tokens=p99, model_max_length=model_max).max_lengths
    assert lengths, "a space needs at least one length"
    assert list(lengths) == sorted(set(lengths)), "increasing, no repeats"
    assert max(lengths) <= model_max
    assert lengths[-1] >= min(p99, model_max), "the longest length covers the p99 when the model allows it"
    assert all(n in LENGTH_CHOICES for n in lengths[:-1])
    assert all(n < min(p99, model_max) for n in lengths[:-1]), "nothing longer than needed but the last"


# --- SearchSpace.suggest / first_recipe ----------------------------------------------------------------


def _inside(space: SearchSpace, params: dict) -> None:
    assert 1e-5 <= space.learning_rate[0] <= params["learning_rate"] <= space.learning_rate[1] <= 2e-4
    assert space.epochs[0] <= params["num_train_epochs"] <= space.epochs[1]
    assert isinstance(params["num_train_epochs"], int)
    assert params["per_device_train_batch_size"] in space.batch_sizes
    assert space.weight_decay[0] <= params["weight_decay"] <= space.weight_decay[1]
    assert space.warmup_ratio[0] <= params["warmup_ratio"] <= space.warmup_ratio[1]
    assert params["max_length"] in space.max_lengths


def test_suggest_draws_every_parameter_inside_its_range():
    space = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    drawn = []
    for _ in range(40):
        trial = study.ask()
        params = space.suggest(trial)
        _inside(space, params)
        drawn.append(params)
        study.tell(trial, 0.5)
    # The draws explore the space rather than repeat one point.
    assert len({p["learning_rate"] for p in drawn}) == 40
    assert {p["max_length"] for p in drawn} == set(space.max_lengths)
    assert {p["per_device_train_batch_size"] for p in drawn} == set(space.batch_sizes)
    # The learning rate is searched on a log scale: small rates are as likely as large ones.
    assert study.trials[0].distributions["learning_rate"].log is True
    assert sum(p["learning_rate"] < 4.5e-5 for p in drawn) >= 10  # the log-midpoint of 1e-5..2e-4


def test_suggest_names_its_parameters_as_trainer_arguments():
    space = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
    params = space.suggest(optuna.trial.FixedTrial(space.first_recipe()))
    assert set(params) == {
        "learning_rate", "num_train_epochs", "per_device_train_batch_size", "weight_decay", "warmup_ratio",
        "max_length",
    }


def test_the_first_recipe_is_the_common_one_and_inside_the_space():
    space = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
    recipe = space.first_recipe()
    assert recipe == {
        "learning_rate": 5e-5, "num_train_epochs": 3, "per_device_train_batch_size": 16, "weight_decay": 0.01,
        "warmup_ratio": 0.1, "max_length": 64,
    }
    _inside(space, recipe)
    # A FixedTrial warns about any value outside its distribution: enqueueing it must not.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert space.suggest(optuna.trial.FixedTrial(recipe)) == recipe


def test_the_first_recipe_follows_a_narrower_space():
    space = SearchSpace(
        max_lengths=(32, 48), epochs=(5, 8), batch_sizes=(4, 8), weight_decay=(0.05, 0.1), warmup_ratio=(0.15, 0.2),
    )
    recipe = space.first_recipe()
    assert recipe["num_train_epochs"] == 5
    assert recipe["per_device_train_batch_size"] == 4
    assert recipe["weight_decay"] == 0.05
    assert recipe["warmup_ratio"] == 0.15
    assert recipe["max_length"] == 48
    assert SearchSpace(max_lengths=(32,), epochs=(1, 2)).first_recipe()["num_train_epochs"] == 2


def test_the_first_recipes_learning_rate_is_inside_any_space():
    space = SearchSpace(max_lengths=(32,), learning_rate=(1e-4, 1e-3))
    low, high = space.learning_rate
    assert low <= space.first_recipe()["learning_rate"] <= high


def test_the_space_fingerprint_changes_with_the_space_only():
    space = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
    same = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
    assert space.fingerprint() == same.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{12}", space.fingerprint())
    others = [
        SearchSpace.for_lengths(p99_tokens=200, model_max_length=512),
        dataclasses.replace(space, learning_rate=(1e-5, 1e-4)),
        dataclasses.replace(space, epochs=(1, 4)),
        dataclasses.replace(space, batch_sizes=(8, 16)),
        dataclasses.replace(space, weight_decay=(0.0, 0.2)),
        dataclasses.replace(space, warmup_ratio=(0.0, 0.1)),
    ]
    prints = {space.fingerprint(), *(o.fingerprint() for o in others)}
    assert len(prints) == 1 + len(others)


def test_a_space_round_trips_through_json():
    space = SearchSpace.for_lengths(p99_tokens=40, model_max_length=512)
    assert SearchSpace.from_dict(json.loads(json.dumps(space.to_dict()))) == space


# --- TuningJob -----------------------------------------------------------------------------------------


def _flip(label: str) -> str:
    return {"pos": "neg", "neg": "pos"}[label]


def test_the_job_fingerprint_changes_with_the_data_candidate_space_and_seed(tmp_path, make_job):
    job = make_job(tmp_path)
    changed = {
        "a training text": replace_text(job, 0, "good good 99"),
        "a training label": dataclasses.replace(job, train_labels=(_flip(job.train_labels[0]), *job.train_labels[1:])),
        "a validation text": dataclasses.replace(job, validation_texts=("hate 0", *job.validation_texts[1:])),
        "a validation label": dataclasses.replace(
            job, validation_labels=(_flip(job.validation_labels[0]), *job.validation_labels[1:])
        ),
        "the labels": dataclasses.replace(job, labels=("pos", "neg")),  # the head's output order
        "the candidate": dataclasses.replace(job, candidate="other-bert"),
        "the space": dataclasses.replace(job, space=SearchSpace.for_lengths(p99_tokens=100, model_max_length=128)),
        "the seed": dataclasses.replace(job, random_state=1),
        "a dropped example": dataclasses.replace(
            job, train_texts=job.train_texts[:-1], train_labels=job.train_labels[:-1]
        ),
    }
    prints = {what: other.fingerprint() for what, other in changed.items()}
    for what, fingerprint in prints.items():
        assert fingerprint != job.fingerprint(), f"changing {what} must start a new study"
    assert len(set(prints.values())) == len(prints)


def test_the_job_fingerprint_ignores_the_trial_count_and_timeout(tmp_path, make_job):
    job = make_job(tmp_path)
    assert dataclasses.replace(job, trials_planned=50).fingerprint() == job.fingerprint()
    assert dataclasses.replace(job, trial_timeout_s=9.0).fingerprint() == job.fingerprint()
    assert make_job(tmp_path).fingerprint() == job.fingerprint()  # stable across builds


def test_study_name_is_prefix_safe_candidate_and_fingerprint(tmp_path, make_job):
    job = dataclasses.replace(make_job(tmp_path), candidate="org/bert tiny@v1!")
    name = job.study_name("reviews-v1")
    prefix, candidate, fingerprint = name.split("/")
    assert prefix == "reviews-v1"
    assert candidate == "org-bert-tiny-v1"
    assert fingerprint == job.fingerprint()


@pytest.mark.parametrize(
    "candidate", ["/home/me/models/my bert", "sentence-transformers/all-MiniLM-L6-v2", "C:\\models\\bert", "bert"]
)
def test_study_name_keeps_only_safe_characters_of_the_candidate(tmp_path, make_job, candidate):
    name = dataclasses.replace(make_job(tmp_path), candidate=candidate).study_name("p")
    parts = name.split("/")
    assert len(parts) == 3 and parts[0] == "p"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", parts[1])
    assert not parts[1].startswith("-") and not parts[1].endswith("-")


def test_two_candidates_with_the_same_safe_name_get_different_studies(tmp_path, make_job):
    a = dataclasses.replace(make_job(tmp_path), candidate="org/bert")
    b = dataclasses.replace(make_job(tmp_path), candidate="org-bert")
    assert a.study_name("p") != b.study_name("p")


def test_a_job_round_trips_through_json(tmp_path, make_job):
    job = make_job(tmp_path)
    data = json.loads(json.dumps(job.to_dict()))
    back = TuningJob.from_dict(data)
    assert back == job
    assert isinstance(back.space, SearchSpace)
    assert isinstance(back.train_texts, tuple) and isinstance(back.space.max_lengths, tuple)
    assert back.fingerprint() == job.fingerprint()
    assert data["format"] == "modelpick-tuning-job/1"


def test_token_length_p99_counts_special_tokens_with_the_models_tokenizer(tiny_bert):
    from modelpick.tuning import token_length_p99

    # [CLS] good great [SEP]: four tokens, the length a trial must keep to see the whole text.
    p99, model_max = token_length_p99(str(tiny_bert), ["good great"] * 20)
    assert p99 == 4.0
    assert model_max == 128  # the tiny model's position embeddings and tokenizer limit
    p99, _ = token_length_p99(str(tiny_bert), ["good"] * 99 + ["good " * 50])
    assert 3.0 < p99 < 52.0  # the one long text pulls the p99 up, but not to its own length
    assert SearchSpace.for_lengths(p99_tokens=p99, model_max_length=model_max).max_lengths[-1] >= p99
