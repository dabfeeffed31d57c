from __future__ import annotations

import json
from decimal import Decimal

from billing import compute_fee
from billing.evidence import arm_table
from tests.billing.samples import contract, drawn_experiment, experiment


def test_money_in_the_table_is_exact_in_major_units() -> None:
    treatment, holdout = arm_table(experiment([0, 1999, 2001], [0, 0, 305]))
    assert (treatment.net_revenue, holdout.net_revenue) == (Decimal("40.00"), Decimal("3.05"))
    assert (treatment.revenue_per_visitor, treatment.average_basket_value) == (40 / 3, 20.0)


def test_an_arm_without_orders_has_no_basket_value() -> None:
    assert arm_table(experiment([0, 0], [0, 5]))[0].average_basket_value is None


def test_the_table_travels_in_the_json_evidence() -> None:
    evidence = json.loads(compute_fee(contract(), drawn_experiment(seed=4)).to_json())
    treatment, holdout = evidence["arm_table"]
    assert (treatment["arm"], holdout["visitors"]) == ("treatment", 1000)
    assert isinstance(treatment["net_revenue"], str)
