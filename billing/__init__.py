"""Billing: holdout measurement, uplift statistics, revenue-share fees and invoices.

May import `tracker` (to read events); never imports `engine` or `widget`, and never
reads the environment: everything it needs arrives as arguments.

Inside, lower modules never import higher ones:
errors, currency -> sufficient -> visitors, evidence, inference, srm -> uplift -> contracts
-> fees.
Revenue is counted in integer minor units in the statistics and is Decimal in fees.
"""

from __future__ import annotations

from billing.contracts import Basis, Contract
from billing.errors import (
    BillingError,
    IncompatibleStatistics,
    InvalidContract,
    InvalidVisitorRows,
    UnsupportedCurrency,
)
from billing.evidence import ArmRow, arm_table
from billing.fees import FeeComputation, NoShareReason, compute_fee
from billing.inference import ArmEstimate, Comparison, Difference, StatisticReason
from billing.srm import SampleRatioCheck
from billing.sufficient import Arm, ArmStatistics, ExperimentStatistics, RatioSums, SampleMean
from billing.uplift import GateReason, SampleGates, UpliftReport, estimate_uplift
from billing.visitors import pooled_revenue_cap, summarise_day, summarise_visitors

__all__ = [
    "Arm",
    "ArmEstimate",
    "ArmRow",
    "ArmStatistics",
    "Basis",
    "BillingError",
    "Comparison",
    "Contract",
    "Difference",
    "ExperimentStatistics",
    "FeeComputation",
    "GateReason",
    "IncompatibleStatistics",
    "InvalidContract",
    "InvalidVisitorRows",
    "NoShareReason",
    "RatioSums",
    "SampleGates",
    "SampleMean",
    "SampleRatioCheck",
    "StatisticReason",
    "UnsupportedCurrency",
    "UpliftReport",
    "arm_table",
    "compute_fee",
    "estimate_uplift",
    "pooled_revenue_cap",
    "summarise_day",
    "summarise_visitors",
]
