"""Billing: holdout measurement, uplift statistics, revenue-share fees and invoices.

May import `tracker` (to read events); never imports `engine` or `widget`, and never
reads the environment: everything it needs arrives as arguments.

Inside, lower modules never import higher ones:
errors, currency, periods, keys -> sufficient -> visitors, evidence, inference, srm,
group_sequential -> adjustment -> uplift, cumulative -> contracts -> fees (the pure core);
holdout, ledger -> day_statistics, period_lock -> recompute (the store's measurements);
contract_store, parties -> invoices -> invoice_store, documents -> exports, invoice_pdf.
Revenue is counted in integer minor units in the statistics and is Decimal in fees.
"""

from __future__ import annotations

from billing.contracts import Basis, Contract
from billing.cumulative import CumulativeBound, cumulative_bound
from billing.day_statistics import daily_statistics, period_statistics
from billing.errors import (
    BillingError,
    ContractVersionConflict,
    IncompatibleStatistics,
    InvalidBilledAmount,
    InvalidContract,
    InvalidDesign,
    InvalidLedgerEntry,
    InvalidParty,
    InvalidPeriod,
    InvalidVisitorRows,
    InvoiceNotIssued,
    MissingSeller,
    NoContractInForce,
    NotExposed,
    PeriodNotOver,
    RetroactiveContract,
    UnknownInvoice,
    UnsupportedCurrency,
)
from billing.evidence import ArmRow, arm_table
from billing.fees import (
    CumulativeFeeComputation,
    FeeComputation,
    NoShareReason,
    compute_cumulative_fee,
    compute_fee,
)
from billing.group_sequential import SequenceDesign
from billing.holdout import assign_arm, record_exposure
from billing.inference import ArmEstimate, Comparison, Difference, StatisticReason
from billing.invoices import Invoice
from billing.ledger import LedgerOutcome, record_order, record_refund, record_visit
from billing.periods import Period, billing_day
from billing.srm import SampleRatioCheck
from billing.sufficient import (
    Arm,
    ArmStatistics,
    CovariateSums,
    ExperimentStatistics,
    PrePeriodStatistics,
    RatioSums,
    SampleMean,
)
from billing.uplift import GateReason, SampleGates, UpliftReport, estimate_uplift
from billing.visitors import (
    buyer_revenue_cap,
    pooled_revenue_cap,
    summarise_covariate,
    summarise_day,
    summarise_visitors,
)

__all__ = [
    "Arm",
    "ArmEstimate",
    "ArmRow",
    "ArmStatistics",
    "Basis",
    "BillingError",
    "Comparison",
    "Contract",
    "ContractVersionConflict",
    "CovariateSums",
    "CumulativeBound",
    "CumulativeFeeComputation",
    "Difference",
    "ExperimentStatistics",
    "FeeComputation",
    "GateReason",
    "IncompatibleStatistics",
    "InvalidBilledAmount",
    "InvalidContract",
    "InvalidDesign",
    "InvalidLedgerEntry",
    "InvalidParty",
    "InvalidPeriod",
    "InvalidVisitorRows",
    "Invoice",
    "InvoiceNotIssued",
    "LedgerOutcome",
    "MissingSeller",
    "NoContractInForce",
    "NoShareReason",
    "NotExposed",
    "Period",
    "PeriodNotOver",
    "PrePeriodStatistics",
    "RatioSums",
    "RetroactiveContract",
    "SampleGates",
    "SampleMean",
    "SampleRatioCheck",
    "SequenceDesign",
    "StatisticReason",
    "UnknownInvoice",
    "UnsupportedCurrency",
    "UpliftReport",
    "arm_table",
    "assign_arm",
    "billing_day",
    "buyer_revenue_cap",
    "compute_cumulative_fee",
    "compute_fee",
    "cumulative_bound",
    "daily_statistics",
    "estimate_uplift",
    "period_statistics",
    "pooled_revenue_cap",
    "record_exposure",
    "record_order",
    "record_refund",
    "record_visit",
    "summarise_covariate",
    "summarise_day",
    "summarise_visitors",
]
