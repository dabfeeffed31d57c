from __future__ import annotations

from typing import Any

import pytest

from tracker.errors import InvalidShopField, ShopAlreadyExists, UnknownShop
from tracker.shops import ShopRegistry, normalise_origin

pytestmark = pytest.mark.anyio


async def test_create_then_get(store: Any) -> None:
    registry = ShopRegistry(store)
    issued = await registry.create("Acme Gifts", ("https://Acme.example:443/",))
    assert issued.shop.id == "acme-gifts"
    assert await registry.get("acme-gifts") == issued.shop
    assert issued.shop.origins == ("https://acme.example",)


async def test_secret_key_is_stored_only_hashed(store: Any) -> None:
    issued = await ShopRegistry(store).create("Acme")
    record = await store.hgetall("bl:{acme}:shop")
    assert issued.secret_key not in record.values()


async def test_same_name_gets_another_id_but_explicit_id_conflicts(store: Any) -> None:
    registry = ShopRegistry(store)
    first = await registry.create("Acme")
    second = await registry.create("Acme")
    assert second.shop.id.startswith("acme-") and second.shop.id != first.shop.id
    with pytest.raises(ShopAlreadyExists):
        await registry.create("Other", shop_id="acme")


async def test_list_is_sorted(store: Any) -> None:
    registry = ShopRegistry(store)
    for name in ("Beta", "Alpha"):
        await registry.create(name)
    assert [shop.id for shop in await registry.list()] == ["alpha", "beta"]


async def test_authenticate_by_secret_key_and_rotation(store: Any) -> None:
    registry = ShopRegistry(store)
    issued = await registry.create("Acme")
    assert (await registry.authenticate(issued.secret_key)).id == "acme"
    rotated = await registry.rotate_secret_key("acme")
    with pytest.raises(UnknownShop):
        await registry.authenticate(issued.secret_key)
    assert (await registry.authenticate(rotated)).id == "acme"


async def test_site_key_rotation(store: Any) -> None:
    registry = ShopRegistry(store)
    issued = await registry.create("Acme")
    assert (await registry.rotate_site_key("acme")).site_key != issued.shop.site_key


async def test_origins_add_and_remove(store: Any) -> None:
    registry = ShopRegistry(store)
    await registry.create("Acme")
    assert (await registry.add_origin("acme", "http://localhost:3000")).origins == (
        "http://localhost:3000",
    )
    assert (await registry.remove_origin("acme", "http://localhost:3000")).origins == ()
    with pytest.raises(InvalidShopField):
        await registry.remove_origin("acme", "http://localhost:3000")


async def test_unknown_shop(store: Any) -> None:
    with pytest.raises(UnknownShop):
        await ShopRegistry(store).add_origin("nope", "https://a.example")


@pytest.mark.parametrize(
    "origin", ["shop.example", "ftp://shop.example", "https://shop.example/path", "https://"]
)
def test_bad_origins_are_refused(origin: str) -> None:
    with pytest.raises(InvalidShopField):
        normalise_origin(origin)


def test_origin_keeps_non_default_port() -> None:
    assert normalise_origin("HTTP://LocalHost:8080") == "http://localhost:8080"
