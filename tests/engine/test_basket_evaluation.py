"""The basket protocol on the first invoices of the real Online Retail file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from engine import basket_evaluation as be
from engine.basket import BoughtTogether
from engine.popularity import Popularity
from tests.engine.samples import online_retail, online_retail_text
from widget.cli.evaluate import baskets

LINES = 80_000


@pytest.fixture(scope="module")
def data() -> be.BasketSplit:
    return be.split(online_retail(LINES))


def test_one_case_per_test_basket_of_two_or_more_items(data: be.BasketSplit) -> None:
    _, after = online_retail(LINES).purchases().split(be.TEST_DAYS)
    items = after.baskets(data.item_ids).items
    assert len(data.test) == int((items.lengths >= 2).sum())
    assert (data.test.cases.prefixes.lengths >= 0).all() and (data.test.values > 0).all()


def test_the_hidden_item_is_never_in_its_context(data: be.BasketSplit) -> None:
    cases = data.test.cases
    assert not any(cases.targets[c] in cases.prefixes[c] for c in range(len(cases)))


def test_the_hidden_items_are_the_same_for_the_same_seed() -> None:
    lines = online_retail(LINES)
    assert (be.split(lines).test.cases.targets == be.split(lines).test.cases.targets).all()


def test_validation_never_sees_the_test_period(data: be.BasketSplit) -> None:
    lines = online_retail(LINES)
    tuning, final = be.validation(lines, test_days=10), be.split(lines, test_days=10)
    assert len(tuning.train) + len(tuning.test) < len(final.train)


def test_revenue_hit_rate_by_hand() -> None:
    ranked = np.array([[3, 4], [5, 6], [7, -1]], dtype=np.int32)
    targets = np.array([4, 1, -1], dtype=np.int32)
    values = np.array([10.0, 30.0, 60.0])
    assert be.revenue_hit_rate(ranked, targets, values) == pytest.approx(0.1)


def test_recommendations_never_repeat_the_basket(data: be.BasketSplit) -> None:
    model = Popularity().fit(data.train, len(data.item_ids))
    ranked = be.rank_baskets(model, data.test.cases)
    prefixes = data.test.cases.prefixes
    assert not any(set(ranked[c]) & set(prefixes[c]) for c in range(len(ranked)))


def test_bought_together_beats_popularity(data: be.BasketSplit) -> None:
    ours = be.evaluate_baskets(BoughtTogether(), data)
    popular = be.evaluate_baskets(Popularity(), data)
    assert ours.hr > 2 * popular.hr and ours.revenue_hr > popular.revenue_hr
    assert ours.cases == len(data.test) and 0 < ours.coverage <= 1


def test_the_command_prints_json_per_model(tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(online_retail_text(40_000))
    args = ["--orders", str(orders), "--test-days", "7", "--json"]
    args += ["--model", "bought_together", "--model", "ar"]
    result = CliRunner().invoke(baskets, args)
    assert result.exit_code == 0, result.output
    assert [line.split('"')[3] for line in result.stdout.splitlines()] == ["bought_together", "ar"]
