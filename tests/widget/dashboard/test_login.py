from __future__ import annotations

from starlette.testclient import TestClient

from tests.widget.conftest import PASSWORD, csrf_of, log_in
from widget.dashboard.login import MAX_FAILURES
from widget.dashboard.passwords import hash_password, verify_password


def test_passwords_are_salted_scrypt_hashes() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt$32768$8$3$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored) and not verify_password("wrong" + PASSWORD, stored)
    assert stored != hash_password(PASSWORD)


def test_login_sets_a_secure_httponly_lax_session_cookie(web: TestClient) -> None:
    response = log_in(web, "admin@a.example")
    assert (response.status_code, response.headers["location"]) == (303, "/dashboard/")
    cookie = next(c for c in response.headers.get_list("set-cookie") if "bl_session=" in c)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_a_wrong_password_is_refused(web: TestClient) -> None:
    response = log_in(web, "admin@a.example", "not the password")
    assert response.status_code == 401 and "Wrong email or password" in response.text
    assert "bl_session" not in web.cookies


def test_five_failures_lock_the_account_out(web: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert log_in(web, "analyst@a.example", "guess guess guess").status_code == 401
    assert log_in(web, "analyst@a.example").status_code == 401
    assert log_in(web, "admin@a.example").status_code == 303


def test_login_needs_the_form_token(web: TestClient) -> None:
    web.get("/dashboard/login")
    form = {"email": "admin@a.example", "password": PASSWORD, "csrf_token": "forged"}
    assert web.post("/dashboard/login", data=form).status_code == 403


def test_login_from_another_origin_is_refused(web: TestClient) -> None:
    token = csrf_of(web.get("/dashboard/login").text)
    form = {"email": "admin@a.example", "password": PASSWORD, "csrf_token": token}
    headers = {"Origin": "https://evil.example"}
    assert web.post("/dashboard/login", data=form, headers=headers).status_code == 403


def test_login_never_redirects_off_the_dashboard(web: TestClient) -> None:
    token = csrf_of(web.get("/dashboard/login").text)
    form = {"email": "admin@a.example", "password": PASSWORD, "csrf_token": token}
    response = web.post("/dashboard/login?next=//evil.example/x", data=form, follow_redirects=False)
    assert response.headers["location"] == "/dashboard/"


def test_logout_ends_the_session_in_the_store(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    old = web.cookies["bl_session"]
    token = csrf_of(web.get("/dashboard/shops/shop-a/uplift").text)
    assert web.post("/dashboard/logout", data={"csrf_token": token}).status_code == 200
    web.cookies.set("bl_session", old, domain="testserver.local", path="/dashboard")
    response = web.get("/dashboard/shops/shop-a/uplift", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/dashboard/login"
    )


def test_logout_needs_the_csrf_token(web: TestClient) -> None:
    log_in(web, "admin@a.example")
    assert web.post("/dashboard/logout", data={"csrf_token": "forged"}).status_code == 403
