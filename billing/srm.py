"""Sample-ratio mismatch: are the arms' visitor counts what the holdout share predicts?

A mismatch means the assignment or the counting is broken, so no lift can be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats


@dataclass(frozen=True)
class SampleRatioCheck:
    """Pearson's chi-square test, one degree of freedom, of the observed split."""

    treatment_visitors: int
    holdout_visitors: int
    expected_holdout_share: float
    chi_square: float
    p_value: float

    def mismatch(self, alpha: float) -> bool:
        return self.p_value < alpha


def check_sample_ratio(
    treatment_visitors: int, holdout_visitors: int, holdout_share: float
) -> SampleRatioCheck:
    total = treatment_visitors + holdout_visitors
    if total == 0:
        return SampleRatioCheck(0, 0, holdout_share, 0.0, 1.0)
    expected_holdout = total * holdout_share
    expected_treatment = total - expected_holdout
    chi_square = (holdout_visitors - expected_holdout) ** 2 / expected_holdout + (
        treatment_visitors - expected_treatment
    ) ** 2 / expected_treatment
    p_value = float(stats.chi2.sf(chi_square, 1))
    return SampleRatioCheck(
        treatment_visitors, holdout_visitors, holdout_share, chi_square, p_value
    )
