"""Bought together: the significance measure and known answers on tiny baskets."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import chi2_contingency

from engine.basket import (
    CONFIDENCE_RULES,
    BasketSettings,
    BoughtTogether,
    co_purchases,
    log_likelihood_ratio,
)
from engine.orders import catalogue
from engine.sessions import Sessions
from tests.engine.samples import online_retail


@pytest.mark.parametrize(
    ("k11", "k12", "k21", "k22"),
    [(1, 0, 0, 1), (10, 0, 0, 10), (5, 1995, 0, 100_000), (7, 3, 2, 40)],
)
def test_log_likelihood_ratio_matches_scipys_g_test(k11: int, k12: int, k21: int, k22: int) -> None:
    table = np.array([[k11, k12], [k21, k22]]) + 1e-12  # scipy needs no empty expected cell
    expected = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
    first, second, total = k11 + k12, k11 + k21, k11 + k12 + k21 + k22
    k, a, b = (np.array([float(x)]) for x in (k11, first, second))
    got = log_likelihood_ratio(k, a, b, total)
    assert got[0] == pytest.approx(expected, rel=1e-6)


def test_log_likelihood_ratio_golden_values() -> None:
    # Mahout's LogLikelihoodTest: LLR(1,0,0,1) = 2.772588722239781 = 4 ln 2.
    assert log_likelihood_ratio(np.array([1.0]), np.array([1.0]), np.array([1.0]), 2.0)[
        0
    ] == pytest.approx(2.772588722239781, abs=1e-12)


# Item i is always bought with i + 5; item 9 is in every basket (a bestseller).
PAIRS = Sessions.from_lists([[i, i + 5, 9] for i in range(4) for _ in range(3)] + [[9]] * 3)


def test_the_partner_item_comes_first() -> None:
    model = BoughtTogether(BasketSettings(min_together=1)).fit(PAIRS, 10)
    for i in range(4):
        assert model.recommend([i], n=2, exclude=[i])[0].item == i + 5


def test_a_bestseller_is_no_association_but_confidence_trusts_it() -> None:
    significant = BoughtTogether(BasketSettings(min_together=1)).fit(PAIRS, 10)
    confidence = BoughtTogether(CONFIDENCE_RULES).fit(PAIRS, 10)
    assert significant.associations[0, 9] == 0
    assert confidence.associations[0, 9] == pytest.approx(1.0)


def test_reasons_name_the_basket_item_behind_the_recommendation() -> None:
    model = BoughtTogether(BasketSettings(min_together=1)).fit(PAIRS, 10)
    first = model.recommend([1, 2], n=1, exclude=[1, 2])[0]
    assert (first.reason, first.because) == ("bought together with", first.item - 5)


def test_pairs_seen_too_rarely_are_left_out() -> None:
    model = BoughtTogether(BasketSettings(min_together=4)).fit(PAIRS, 10)
    assert model.associations.nnz == 0
    assert model.recommend([0], n=1)[0].reason == "popular"


def test_co_purchases_in_blocks_add_up_to_the_whole() -> None:
    item_ids, baskets = catalogue(online_retail(20_000).purchases())
    whole = list(co_purchases(baskets, len(item_ids), 1.0))
    blocks = list(co_purchases(baskets, len(item_ids), 1.0, block=2_000))
    assert len(whole) == 1 and len(blocks) > 10
    assert [start for start, _, _ in blocks] == sorted({start for start, _, _ in blocks})
    stacked = sp.vstack([pairs for _, pairs, _ in blocks], format="csr")
    assert (stacked != whole[0][1].tocsr()).nnz == 0
    assert np.array_equal(np.concatenate([d for _, _, d in blocks]), whole[0][2])
