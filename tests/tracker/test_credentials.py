from __future__ import annotations

from tracker.credentials import (
    SECRET_KEY_PREFIX,
    SITE_KEY_PREFIX,
    hash_secret,
    new_secret_key,
    new_site_key,
    secret_matches,
    shop_of_key,
)


def test_keys_name_their_shop() -> None:
    assert shop_of_key(new_site_key("acme-gifts"), SITE_KEY_PREFIX) == "acme-gifts"
    assert shop_of_key(new_secret_key("acme-gifts"), SECRET_KEY_PREFIX) == "acme-gifts"


def test_malformed_keys_name_no_shop() -> None:
    for key in ("", "pk_", "pk_acme", "sk_acme_x", "pk_Bad Shop_x", "pk__abc"):
        assert shop_of_key(key, SITE_KEY_PREFIX) is None


def test_secret_keys_are_distinct_and_checked_by_hash() -> None:
    first, second = new_secret_key("a"), new_secret_key("a")
    assert first != second
    assert secret_matches(first, hash_secret(first))
    assert not secret_matches(second, hash_secret(first))
