from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from tests.widget.demo.samples import packaged
from widget.demo.make_subset import DAYS, PRODUCTS, cut
from widget.demo.retail import (
    PACKAGED,
    RetailDataMissing,
    RetailSource,
    find_source,
    is_purchase,
    purchase_rows,
    read_retail,
    write_rows,
)

REPOSITORY = Path(__file__).resolve().parents[3]


def test_the_shared_file_is_found_beside_the_repository_else_the_packaged_subset(
    tmp_path: Path,
) -> None:
    assert find_source("auto", [tmp_path, REPOSITORY]).path == SHARED_DATA.joinpath(
        "online-retail", "online_retail.csv.gz"
    )
    assert find_source("auto", [tmp_path]) == RetailSource(PACKAGED, packaged=True)
    assert find_source("packaged", [REPOSITORY]).packaged
    with pytest.raises(RetailDataMissing, match="no Online Retail file under"):
        find_source("shared", [tmp_path])


def test_only_purchases_of_products_are_read() -> None:
    rows = list(purchase_rows(PACKAGED, lambda done: None))
    assert rows and all(is_purchase(row) for row in rows)
    for order in packaged().orders:
        assert all(line.quantity > 0 and line.unit_price > 0 for line in order.lines)
        assert order.lines[0].product_id[0].isdigit()


def test_products_take_their_most_frequent_description_and_price() -> None:
    rows = [row for row in purchase_rows(PACKAGED, lambda done: None) if row.code == "85123A"]
    product = packaged().products["85123A"]
    assert product.title == "WHITE HANGING HEART T-LIGHT HOLDER"
    prices = [Decimal(row.price) for row in rows]
    assert prices.count(product.price) == max(prices.count(price) for price in prices)
    quantities = sorted(int(row.quantity) for row in rows)
    assert product.usual_quantity == quantities[(len(quantities) - 1) // 2]


def test_the_latest_orders_are_kept_oldest_first() -> None:
    everything = read_retail(RetailSource(PACKAGED, True), lambda done: None, 10**6, 100)
    latest = packaged(latest=50).orders
    assert latest == everything.orders[-50:]
    assert [order.placed for order in latest] == sorted(order.placed for order in latest)


def test_a_file_with_another_layout_is_refused() -> None:
    other = SHARED_DATA / "yoochoose-sample" / "yoochoose-clicks-100k_test.txt.gz"
    with pytest.raises(RetailDataMissing, match="does not start with the header"):
        list(purchase_rows(other, lambda done: None))


@pytest.mark.slow
def test_the_packaged_subset_is_what_make_subset_cuts_from_the_shared_file() -> None:
    shared = SHARED_DATA / "online-retail" / "online_retail.csv.gz"
    rows = list(purchase_rows(shared, lambda done: None))
    assert write_rows(cut(rows, DAYS, PRODUCTS)) == PACKAGED.read_bytes()
    assert PACKAGED.stat().st_size < 300_000
