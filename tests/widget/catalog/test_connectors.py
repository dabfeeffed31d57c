"""Platform exports through `PUT /v1/catalog`: each told from its content, variants folded.

The files in `exports/` are written from each platform's documented columns (their
README cites the pages): Shopify's and WooCommerce's product CSV exports,
https://help.shopify.com/en/manual/products/import-export/using-csv and
https://woocommerce.com/document/product-csv-importer-exporter/, and Google Merchant
Center feeds, https://support.google.com/merchants/answer/7052112.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

EXPORTS = Path(__file__).parent / "exports"


def upload(client: TestClient, shop: dict[str, Any], name: str, **params: str) -> Any:
    headers = {"Authorization": f"Bearer {shop['secret_key']}", "Content-Type": "text/csv"}
    body = (EXPORTS / name).read_bytes()
    return client.put("/v1/catalog", content=body, headers=headers, params=params)


def product(client: TestClient, shop: dict[str, Any], product_id: str) -> Any:
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    return client.get(f"/v1/catalog/{product_id}", headers=headers).json()


def test_a_shopify_export_becomes_one_product_per_handle(
    client: TestClient, shop: dict[str, Any]
) -> None:
    mug = {"product_id": "draft-mug", "title": "Mug", "url": "https://shop.example/m"}
    headers = {"Authorization": f"Bearer {shop['secret_key']}"}
    client.put("/v1/catalog", json=[mug | {"price": "9", "currency": "EUR"}], headers=headers)
    answer = upload(client, shop, "shopify_products.csv", currency="EUR").json()
    assert answer == {"upserted": 2, "deleted": 1, "rejected": [], "rejected_count": 0}
    assert product(client, shop, "example-t-shirt") == {
        "product_id": "example-t-shirt",
        "title": "Example T-Shirt",
        "url": "https://shop.example/products/example-t-shirt",
        "image_url": "https://cdn.shopify.com/s/files/1/0001/products/t-shirt-white.jpg",
        "price": "17.50",
        "currency": "EUR",
        "category": "Apparel & Accessories > Clothing > Shirts & Tops",
        "in_stock": True,
        "brand": "Acme",
        "margin": None,
        "variants": ["TS-S-W", "TS-M-W", "TS-L-W"],
    }
    gift_card = product(client, shop, "gift-card")
    assert (gift_card["in_stock"], gift_card["image_url"]) == (True, None)  # untracked; http
    assert product(client, shop, "draft-mug")["error"]["code"] == "unknown_product"  # a draft


def test_a_woocommerce_export_folds_variations_into_their_parent(
    client: TestClient, shop: dict[str, Any]
) -> None:
    answer = upload(client, shop, "woocommerce_products.csv", currency="EUR").json()
    assert answer == {"upserted": 2, "deleted": 0, "rejected": [], "rejected_count": 0}
    assert product(client, shop, "20") == {
        "product_id": "20",
        "title": "Hoodie",
        "url": "https://shop.example/?p=20",
        "image_url": "https://shop.example/wp-content/uploads/hoodie.jpg",
        "price": "42",
        "currency": "EUR",
        "category": "Clothing > Hoodies",
        "in_stock": True,
        "brand": None,
        "margin": None,
        "variants": ["21", "woo-hoodie-blue", "23", "woo-hoodie-green", "22", "woo-hoodie-red"],
    }
    beanie = product(client, shop, "10")
    assert (beanie["price"], beanie["category"]) == ("18", "Clothing > Accessories")
    assert beanie["image_url"] == "https://shop.example/wp-content/uploads/beanie.jpg"
    assert "title" not in product(client, shop, "30")  # grouped: left out


@pytest.mark.parametrize("name", ["merchant_center.xml", "merchant_center.tsv"])
def test_a_merchant_center_feed_folds_item_groups(
    client: TestClient, shop: dict[str, Any], name: str
) -> None:
    answer = upload(client, shop, name).json()
    assert answer == {"upserted": 2, "deleted": 0, "rejected": [], "rejected_count": 0}
    assert product(client, shop, "TSHIRT") == {
        "product_id": "TSHIRT",
        "title": "Organic T-shirt - Small",
        "url": "https://shop.example/p/tshirt?size=s",
        "image_url": "https://shop.example/img/tshirt.jpg",
        "price": "4.95",
        "currency": "EUR",
        "category": "Home > Women > Tees",
        "in_stock": True,
        "brand": "Acme",
        "margin": None,
        "variants": ["TSHIRT-S", "TSHIRT-M"],
    }
    lamp = product(client, shop, "LAMP-1")
    assert (lamp["price"], lamp["in_stock"], lamp["category"]) == (
        "1234.50",
        True,  # preorder: orderable
        "Home & Garden > Lighting",
    )
    assert lamp["image_url"] == "https://shop.example/img/lamp-2.jpg"  # the first https one


def test_prices_in_another_currency_than_the_shops_refuse_the_feed(
    client: TestClient, shop: dict[str, Any]
) -> None:
    response = upload(client, shop, "merchant_center.xml", currency="GBP")
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid_feed_option", "g:sale_price")
    assert error["message"].startswith(
        "row 1: g:sale_price '4.95 EUR' is in EUR, not in the shop's currency GBP"
    )


def test_an_export_without_currency_or_store_url_is_refused_naming_the_option(
    client: TestClient, shop: dict[str, Any], clean_store: str
) -> None:
    no_currency = upload(client, shop, "shopify_products.csv").json()["error"]
    assert (no_currency["status"], no_currency["field"]) == (422, "currency")
    with redis.Redis.from_url(clean_store) as store:
        store.sadd("bl:{test-shop}:origins", "https://other.example")
    no_store = upload(client, shop, "woocommerce_products.csv", currency="EUR").json()["error"]
    assert (no_store["status"], no_store["field"]) == (422, "store_url")
    given = upload(
        client, shop, "woocommerce_products.csv", currency="EUR", store_url="https://w.example/"
    )
    assert (
        given.status_code == 200 and product(client, shop, "10")["url"] == "https://w.example/?p=10"
    )


def test_a_row_with_a_bad_price_is_rejected_naming_its_row_and_column(
    client: TestClient, shop: dict[str, Any], tmp_path: Path
) -> None:
    lines = (EXPORTS / "merchant_center.tsv").read_text().splitlines()
    lines[3] = lines[3].replace("1.234,50 EUR", "about ten")
    headers = {"Authorization": f"Bearer {shop['secret_key']}", "Content-Type": "text/csv"}
    body = "\n".join(lines).encode()
    answer = client.put("/v1/catalog", content=body, headers=headers).json()
    reason = "'about ten' is not a price such as 4.95, 4,95 or 4.95 EUR"
    assert answer["rejected"] == [{"row": 3, "field": "price", "reason": reason}]


def test_an_unknown_format_is_refused_listing_the_known_ones(
    client: TestClient, shop: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {shop['secret_key']}", "Content-Type": "text/csv"}
    for body in (b"sku;name\n1;a\n", b'<?xml version="1.0"?><feed></feed>'):
        error = client.put("/v1/catalog", content=body, headers=headers).json()["error"]
        assert error["status"] == 415 and error["code"] == "unsupported_format"
        assert "shopify: Shopify's product CSV export" in error["message"]
        assert "merchant_center_xml: a Google Merchant Center RSS 2.0 feed" in error["message"]
