"""Shared data and helpers for the estimation tests: a small, clearly separable 3-class sample."""

from __future__ import annotations

import pytest

from modelpick.data._sample import DataSplit
from modelpick.estimation import EstimationSettings

SPORTS = (
    "The striker scored twice in the second half of the match.",
    "Our team won the championship after a penalty shootout.",
    "The tennis final went to five sets.",
    "He ran the marathon in under three hours.",
    "The goalkeeper saved a late penalty.",
    "The coach benched the captain for the playoff game.",
    "She swam the hundred metres freestyle in record time.",
    "Fans cheered as the batter hit a home run.",
    "The referee showed a red card in the first minute.",
    "The cyclists raced up the mountain stage of the tour.",
    "Basketball practice starts at six every morning.",
    "The quarterback threw three touchdown passes.",
    "Rugby players need a lot of stamina to last eighty minutes.",
    "The golfer sank a long putt on the final hole.",
    "The boxer won by knockout in round four.",
    "Our hockey team lost in overtime.",
    "The sprinter false-started and was disqualified.",
    "The league table changed after the weekend fixtures.",
    "He signed a two-year contract with the football club.",
    "The volleyball match was tied at two sets each.",
)
COOKING = (
    "Simmer the onions in butter until they turn golden.",
    "Knead the dough for ten minutes before letting it rise.",
    "Add a pinch of salt to the boiling pasta water.",
    "Roast the chicken at two hundred degrees for an hour.",
    "Whisk the eggs with sugar until fluffy.",
    "Chop the garlic finely and fry it in olive oil.",
    "This soup recipe needs fresh basil and tomatoes.",
    "Bake the cake until a skewer comes out clean.",
    "Marinate the beef overnight in soy sauce.",
    "Season the salad with lemon juice and pepper.",
    "Slice the carrots thinly before steaming them.",
    "Grill the fish for three minutes on each side.",
    "Melt the chocolate slowly over a water bath.",
    "Stir the risotto constantly while adding warm stock.",
    "Peel the potatoes and boil them until soft.",
    "The sauce thickens when you reduce it on low heat.",
    "Sprinkle grated cheese over the lasagna before baking.",
    "Fold the flour gently into the batter.",
    "Let the bread cool on a rack before cutting it.",
    "Fry the pancakes in a hot pan with a little oil.",
)
WEATHER = (
    "Heavy rain is expected across the region tomorrow.",
    "Temperatures will drop below freezing tonight.",
    "A thunderstorm warning was issued for the afternoon.",
    "It will be sunny and warm all weekend.",
    "Strong winds may bring down trees along the coast.",
    "Snow is forecast for the mountains on Friday.",
    "The humidity will make it feel hotter than it is.",
    "Fog will reduce visibility on the roads this morning.",
    "A cold front moves in from the north on Monday.",
    "Expect scattered showers and cloudy skies.",
    "The heatwave will continue for another week.",
    "Hail fell briefly during the storm last night.",
    "Forecasters predict a mild and dry autumn.",
    "The hurricane is gaining strength over the ocean.",
    "Light drizzle will clear by noon.",
    "Frost is likely in low-lying areas overnight.",
    "A rainbow appeared after the morning showers.",
    "The barometer is falling, so rain is on the way.",
    "Gusty winds and sleet are expected this evening.",
    "Clear skies tonight with a chance of ground frost.",
)
TOPICS = {"sports": SPORTS, "cooking": COOKING, "weather": WEATHER}
N_TEST_PER_CLASS = 6


def make_split(groups: dict[str, tuple[str, ...]], *, n_test_per_class: int, random_state: int = 0) -> DataSplit:
    """A stratified split taken by position: the last ``n_test_per_class`` texts of each class are held out."""
    train, train_labels, test, test_labels = [], [], [], []
    for label, texts in groups.items():
        cut = len(texts) - n_test_per_class
        train += texts[:cut]
        train_labels += [label] * cut
        test += texts[cut:]
        test_labels += [label] * n_test_per_class
    return DataSplit(tuple(train), tuple(train_labels), tuple(test), tuple(test_labels), random_state)


def make_settings(**changes) -> EstimationSettings:
    values = {"num_threads": 2, "device": "cpu", "random_state": 0, "timeout_s": 180.0, "trust_remote_code": False}
    values.update(changes)
    return EstimationSettings(**values)


@pytest.fixture
def topic_split() -> DataSplit:
    """60 examples of sports / cooking / weather sentences: 42 to train on, 18 held out."""
    return make_split(TOPICS, n_test_per_class=N_TEST_PER_CLASS)


@pytest.fixture
def settings() -> EstimationSettings:
    return make_settings()


@pytest.fixture(name="make_settings")
def _make_settings_fixture():
    """``make_settings(**changes)``: settings for tests, with ``changes`` applied."""
    return make_settings


@pytest.fixture(name="make_split")
def _make_split_fixture():
    """``make_split(groups, n_test_per_class=...)``: a split built by position, per class."""
    return make_split


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch) -> None:
    # Children spawned by the probe inherit the environment: nothing here may reach the network.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
