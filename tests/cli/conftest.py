from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """The CLI tests never reach the network."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    try:
        import huggingface_hub.constants as constants
    except ImportError:  # pragma: no cover - huggingface_hub is a dependency
        return
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True, raising=False)


@pytest.fixture
def topics():
    """Three well-separated classes of support messages, three phrasings each."""
    return {
        "billing": ["refund my payment", "charged twice on my invoice", "billing error on my card"],
        "shipping": ["parcel arrived late", "delivery never came", "tracking number for my package"],
        "technical": ["the app crashes on start", "login page shows an error", "the website is very slow"],
    }


@pytest.fixture
def reviews_csv(tmp_path, topics):
    """A small real CSV with three well-separated classes."""
    rows = ["review,label"]
    for label, texts in topics.items():
        for i in range(8):
            rows.append(f"\"{texts[i % 3]} please help {i}\",{label}")
    path = tmp_path / "reviews.csv"
    path.write_text("\n".join(rows) + "\n")
    return path
