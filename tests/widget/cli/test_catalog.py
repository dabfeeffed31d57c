from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.widget.catalog.samples import ENCODERS, as_csv, online_retail, write_file
from widget.cli import main

PRODUCTS = online_retail()


def invoke(store_url: str, *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env={"BASKETLIFT_REDIS_URL": store_url})


@pytest.fixture
def acme(clean_store: str) -> str:
    assert invoke(clean_store, "shop", "create", "--name", "Acme", "--id", "acme").exit_code == 0
    return clean_store


@pytest.mark.parametrize("name", ["products.json", "products.ndjson", "products.csv.gz"])
def test_import_reads_each_format(acme: str, tmp_path: Path, name: str) -> None:
    fmt = name.split(".")[1]
    path = write_file(tmp_path, name, ENCODERS[fmt](PRODUCTS))
    result = invoke(acme, "catalog", "import", "--shop", "acme", str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "upserted": 300, "deleted": 0, "rejected": [], "rejected_count": 0
    }  # fmt: skip
    shown = json.loads(invoke(acme, "catalog", "show", "--shop", "acme", "85123A").output)
    assert shown["title"] == "WHITE HANGING HEART T-LIGHT HOLDER" and shown["price"] == "2.55"


def test_import_reports_rows_and_replaces(acme: str, tmp_path: Path) -> None:
    invoke(
        acme,
        "catalog",
        "import",
        "--shop",
        "acme",
        str(write_file(tmp_path, "a.csv", as_csv(PRODUCTS))),
    )
    rows = [*PRODUCTS[:100], {**PRODUCTS[100], "url": "shop.example/p"}]
    path = write_file(tmp_path, "b.txt", as_csv(rows))
    result = invoke(
        acme, "catalog", "import", "--shop", "acme", "--format", "csv", "--replace", str(path)
    )
    answer = json.loads(result.output)
    assert (answer["upserted"], answer["deleted"]) == (100, 199)
    assert answer["rejected"] == [
        {"row": 101, "field": "url", "reason": "must be an absolute http(s) URL without spaces"}
    ]  # fmt: skip


def test_import_errors_are_clear(acme: str, tmp_path: Path) -> None:
    path = write_file(tmp_path, "products.txt", b"[]")
    unknown = write_file(tmp_path, "other.csv", b"sku,name\n1,a\n")
    refused = invoke(acme, "catalog", "import", "--shop", "acme", str(unknown))
    assert refused.exit_code == 1 and "no known format has the header columns" in refused.output
    both = invoke(
        acme, "catalog", "import", "--shop", "acme", "--url", "https://a.example", str(path)
    )
    assert both.exit_code == 2 and "give a file or --url, not both" in both.output
    nobody = invoke(acme, "catalog", "import", "--shop", "nobody", "--format", "json", str(path))
    assert nobody.exit_code == 1 and "no shop with id 'nobody'" in nobody.output
    broken = write_file(tmp_path, "broken.json", b'{"product_id": 1}')
    refused = invoke(acme, "catalog", "import", "--shop", "acme", str(broken))
    assert refused.exit_code == 1 and "must be a JSON array" in refused.output
    missing = invoke(acme, "catalog", "show", "--shop", "acme", "nope")
    assert missing.exit_code == 1 and "no product 'nope'" in missing.output
