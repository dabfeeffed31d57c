from __future__ import annotations

import pytest
from scipy import stats

from billing.srm import check_sample_ratio


def test_chi_square_matches_scipy() -> None:
    check = check_sample_ratio(9100, 900, holdout_share=0.1)
    reference = stats.chisquare([900, 9100], f_exp=[1000, 9000])
    assert (check.chi_square, check.p_value) == pytest.approx(
        (reference.statistic, reference.pvalue), abs=1e-12
    )


def test_golden_mismatch() -> None:
    check = check_sample_ratio(9100, 900, holdout_share=0.1)
    assert (round(check.chi_square, 5), round(check.p_value, 5)) == (11.11111, 0.00086)
    assert check.mismatch(alpha=0.001)


def test_split_as_configured_passes() -> None:
    assert not check_sample_ratio(5020, 4980, holdout_share=0.5).mismatch(alpha=0.001)


def test_no_visitors_is_no_mismatch() -> None:
    assert check_sample_ratio(0, 0, holdout_share=0.1).p_value == 1.0
