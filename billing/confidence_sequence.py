"""An anytime-valid lower bound: the one-sided normal-mixture boundary of a running mean.

Method. For a running sum S_t of mean-zero increments whose variance process is V_t, the
half-normal mixture over λ ≥ 0 (mixing precision ρ) of exp(λ S_t − λ² V_t / 2) is

    M(S, V) = 2 sqrt(ρ / (V + ρ)) exp(S² / (2 (V + ρ))) Φ(S / sqrt(V + ρ)),

a (super)martingale for Gaussian increments, so by Ville's inequality S_t < u(V_t) at every
t at once with probability ≥ 1 − α, where M(u(V), V) = 1/α (Howard, Ramdas, McAuliffe,
Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence sequences", Annals of
Statistics 49(2), 2021: the one-sided normal mixture; the same function as confseq's
`OneSidedNormalMixture`). Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas, "Time-uniform central
limit theory and asymptotic confidence sequences" (Annals of Statistics, 2024) show that for
i.i.d. increments with finite variance the boundary applied to the standardised sum, V_t = t
and the variance estimated as it goes, gives an asymptotic confidence sequence. So a mean
estimated from t visitors with standard error se(t) has the lower bound

    estimate − se(t) · u(t) / sqrt(t)      (u(t) / sqrt(t) is `anytime_multiplier`),

valid however often and whenever it is looked at, as the fixed-sample z (1.96 at 2.5%) is not.

Choosing ρ. With r = t / ρ the multiplier depends on r alone: at α = 2.5% it is 3.14 at
r = 3, least (3.04) near r = 8, 3.12 at r = 30, and grows slowly beyond (3.27 at r = 100).
`SequenceDesign.for_monthly_visitors` puts ρ at a third of a month of the shop's traffic, so
that the first month (r = 3) to the twelfth (r = 36) all lie within 3.5% of the least
multiplier. ρ is a contract term, fixed from traffic before the contract starts: it only moves
where the bound is tight, never its validity, and it must not be chosen from the outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import optimize, special

from billing.errors import InvalidDesign

ALPHA = 0.025
# ρ as a share of a month's visitors; see "Choosing ρ" above.
MIXTURE_MONTHS = 1 / 3


@dataclass(frozen=True)
class SequenceDesign:
    """The terms of the bound: one-sided `alpha` and the mixture's ρ in visitors."""

    mixture_visitors: float
    alpha: float = ALPHA

    def __post_init__(self) -> None:
        if not (self.mixture_visitors > 0 and math.isfinite(self.mixture_visitors)):
            raise InvalidDesign("mixture_visitors", f"must be above 0, got {self.mixture_visitors}")
        if not 0 < self.alpha < 0.5:
            raise InvalidDesign("alpha", f"must be within 0 and 0.5, got {self.alpha}")

    @classmethod
    def for_monthly_visitors(
        cls, visitors_per_month: float, alpha: float = ALPHA
    ) -> SequenceDesign:
        """Tight over a contract's first year, from a month of traffic seen before it."""
        return cls(mixture_visitors=visitors_per_month * MIXTURE_MONTHS, alpha=alpha)


def log_mixture(s: float, v: float, rho: float) -> float:
    """log M(s, v): the one-sided normal mixture's log value at sum s and variance v."""
    scale = math.sqrt(v + rho)
    return (
        math.log(2)
        + 0.5 * math.log(rho / (v + rho))
        + s * s / (2 * (v + rho))
        + float(special.log_ndtr(s / scale))
    )


def mixture_boundary(v: float, rho: float, alpha: float) -> float:
    """u(v): the sum at which the mixture reaches 1/α, for variance process v ≥ 0."""
    # With x = s / sqrt(v + ρ) the log mixture is x²/2 + log Φ(x) + constant, increasing in x
    # (its derivative x + φ(x)/Φ(x) is positive), so the root is unique.
    target = math.log(1 / (2 * alpha)) + 0.5 * math.log((v + rho) / rho)

    def excess(x: float) -> float:
        return x * x / 2 + float(special.log_ndtr(x)) - target

    high = math.sqrt(2 * (target + math.log(2))) + 1
    root: float = optimize.brentq(excess, 0.0, high, xtol=1e-14)
    return root * math.sqrt(v + rho)


def anytime_multiplier(visitors: float, design: SequenceDesign) -> float:
    """u(t) / sqrt(t): how many standard errors below the estimate the bound lies."""
    return mixture_boundary(visitors, design.mixture_visitors, design.alpha) / math.sqrt(visitors)
