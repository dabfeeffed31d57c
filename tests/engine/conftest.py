"""Real data for the engine's tests: the yoochoose click sample, already split."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import files
from engine.sessions import ItemIds, NextItemCases, Sessions

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
YOOCHOOSE = DATA / "yoochoose-sample"


@pytest.fixture(scope="session")
def yoochoose() -> tuple[ItemIds, Sessions, NextItemCases]:
    """The catalogue and sessions of `train_full`, and every next click of `test`."""
    raw = files.read_click_log(YOOCHOOSE / "yoochoose-clicks-100k_train_full.txt.gz")
    item_ids, train = files.load_training(raw)
    test = files.encode(
        files.read_click_log(YOOCHOOSE / "yoochoose-clicks-100k_test.txt.gz"), item_ids
    )
    return item_ids, train, NextItemCases.from_sessions(test)
