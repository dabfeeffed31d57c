"""Order lines of the real Online Retail file: purchases, baskets, the time split."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import EmptyData
from engine.orders import OrderLines, catalogue
from tests.engine.samples import online_retail, online_retail_text


def test_the_first_invoice_is_one_basket_of_seven_products_with_their_values() -> None:
    item_ids, baskets = catalogue(online_retail(7))
    assert len(baskets) == 1 and len(baskets[0]) == 7
    values = online_retail(7).baskets(item_ids).values
    # 6 x 2.55, 6 x 3.39, 8 x 2.75, 6 x 3.39, 6 x 3.39, 2 x 7.65, 6 x 4.25 (the file's lines)
    assert values.round(2).tolist() == [15.3, 20.34, 22.0, 20.34, 20.34, 15.3, 25.5]


def test_cancellations_and_adjustments_are_not_purchases() -> None:
    lines = online_retail(20_000)
    bought = lines.purchases()
    assert np.char.startswith(lines.invoices, "C").any()
    assert not np.char.startswith(bought.invoices, "C").any()
    assert (bought.quantities > 0).all() and (bought.prices > 0).all()


def test_a_product_twice_in_an_invoice_is_one_basket_item_with_the_summed_value() -> None:
    lines = online_retail(20_000).purchases()
    item_ids, baskets = catalogue(lines)
    assert all(len(set(b.tolist())) == len(b) for b in (baskets[s] for s in range(len(baskets))))
    total = float((lines.quantities * lines.prices).sum())
    assert lines.baskets(item_ids).values.sum() == pytest.approx(total)


def test_split_puts_the_last_days_apart() -> None:
    before, after = online_retail(60_000).split(days=30)
    assert before.times.max() <= after.times.min()
    assert (after.times.max() - after.times.min()) <= np.timedelta64(30, "D")


def test_a_file_without_the_needed_columns_is_refused() -> None:
    with pytest.raises(EmptyData, match="UnitPrice"):
        OrderLines.from_text(online_retail_text(3).replace("UnitPrice", "Price"))
