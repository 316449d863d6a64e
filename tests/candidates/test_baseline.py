"""The scikit-learn baselines: built unfitted, fitted and used on a small real labelled set."""

from __future__ import annotations

import pytest

from modelpick.candidates import BaselineCandidate, baselines
from modelpick.exceptions import InvalidParameterError

# Short support messages written for this test, three intents.
TEXTS = {
    "billing": [
        "I was charged twice for my subscription this month",
        "please refund the extra payment on my card",
        "why is my invoice higher than last month",
        "the billing page shows a wrong amount",
        "cancel my plan and refund the charge",
        "my credit card was billed after I cancelled",
        "I need a copy of my receipt for the payment",
        "the price on my invoice does not match the offer",
    ],
    "technical": [
        "the app crashes every time I open it",
        "login fails with an error after the update",
        "the page is very slow and keeps freezing",
        "I cannot reset my password, the link is broken",
        "the upload button does nothing on my phone",
        "sync stopped working since yesterday",
        "error code 500 when I save my settings",
        "the app freezes on the loading screen",
    ],
    "shipping": [
        "my order has not arrived yet",
        "the parcel was delivered to the wrong address",
        "tracking shows no update for a week",
        "the package arrived damaged",
        "when will my order be shipped",
        "delivery is late again, where is my parcel",
        "can I change the delivery address of my order",
        "the courier never came to deliver the package",
    ],
}
X = [text for texts in TEXTS.values() for text in texts]
Y = [label for label, texts in TEXTS.items() for _ in texts]


def test_three_builtin_baselines():
    assert [(b.name, b.strategy, b.source, b.kind) for b in baselines()] == [
        ("majority-class", "majority", "builtin", "baseline"),
        ("tfidf-logreg", "tfidf-logreg", "builtin", "baseline"),
        ("tfidf-linearsvm", "tfidf-linearsvm", "builtin", "baseline"),
    ]
    assert all(b.info().weights_source == "fitted" for b in baselines())


def test_estimators_are_unfitted_pipelines_of_the_promised_parts():
    from sklearn.dummy import DummyClassifier
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    majority, logreg, svm = (b.build_estimator(random_state=0) for b in baselines())
    assert all(isinstance(p, Pipeline) for p in (majority, logreg, svm))
    assert isinstance(majority[-1], DummyClassifier) and majority[-1].strategy == "most_frequent"
    assert isinstance(logreg[-1], LogisticRegression) and isinstance(svm[-1], LinearSVC)
    tfidf = logreg.named_steps["tfidf"]
    assert tfidf.ngram_range == (1, 2) and tfidf.sublinear_tf
    with pytest.raises(NotFittedError):
        logreg.predict(["hello"])


def test_baselines_fit_and_predict_on_real_texts():
    majority, logreg, svm = (b.build_estimator(random_state=0) for b in baselines())
    uneven_y = Y[:-2] + ["billing", "billing"]  # billing becomes the majority class
    assert set(majority.fit(X, uneven_y).predict(["anything at all"])) == {"billing"}
    for model in (logreg, svm):
        model.fit(X, Y)
        assert (model.predict(X) == Y).mean() >= 0.9
        assert model.predict(["my parcel is late", "refund my payment", "the app crashes on login"]).tolist() == [
            "shipping", "billing", "technical"
        ]


def test_same_seed_same_model():
    first = baselines()[1].build_estimator(random_state=3).fit(X, Y)
    second = baselines()[1].build_estimator(random_state=3).fit(X, Y)
    assert (first[-1].coef_ == second[-1].coef_).all()


def test_unknown_strategy_is_a_parameter_error():
    with pytest.raises(InvalidParameterError, match="'strategy' parameter of BaselineCandidate"):
        BaselineCandidate(name="x", family="x", strategy="random-forest")
