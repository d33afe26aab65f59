"""Signing in and out, tokens, the envelope, health."""

from __future__ import annotations

from sqlalchemy import text

from astrofinance.db import session_scope
from tests.api.live import PASSWORD, Api


def test_health_needs_no_sign_in_and_reports_the_schema(api: Api) -> None:
    r = api.client().get("/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "success"
    assert body["data"]["database"] == "ok"
    assert body["data"]["schema"]["up_to_date"] is True
    assert body["data"]["schema"]["current"] == body["data"]["schema"]["expected"]
    assert r.headers["X-Request-ID"]


def test_login_gives_a_token_that_works_until_logout(api: Api) -> None:
    api.user("ada", "analyst")
    anon = api.client()
    r = anon.post("/auth/login", json={"username": "ADA", "password": PASSWORD})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["token_type"] == "bearer" and data["user"]["role"] == "analyst"
    token = data["access_token"]
    me = api.client(token).get("/auth/me")
    assert me.status_code == 200 and me.json()["data"]["name"] == "ada"
    assert me.json()["data"]["scope"] == "all"
    assert api.client(token).post("/auth/logout").status_code == 200
    after = api.client(token).get("/auth/me")
    assert after.status_code == 401
    assert after.json()["status"] == "error"
    assert after.json()["error"]["code"] == "unauthenticated"


def test_wrong_password_is_401_without_echo_and_then_rate_limited(api: Api) -> None:
    api.user("bola", "viewer")
    anon = api.client()
    secret = "not-the-password-123"
    for _ in range(5):
        r = anon.post("/auth/login", json={"username": "bola", "password": secret})
        assert r.status_code == 401
        assert secret not in r.text
    r = anon.post("/auth/login", json={"username": "bola", "password": PASSWORD})
    assert r.status_code == 429, "the right password is refused while the limit holds"
    assert int(r.headers["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "too_many_requests"
    with session_scope(api.db) as conn:       # failures are kept, passwords never
        rows = conn.execute(text("SELECT * FROM login_failures")).mappings().all()
        logged = conn.execute(text("SELECT count(*) FROM audit_logs "
                                   "WHERE new_values::text LIKE :s"), {"s": f"%{secret}%"})
    assert len(rows) == 5 and all(secret not in str(dict(r)) for r in rows)
    assert logged.scalar_one() == 0


def test_disabled_user_token_stops_working(api: Api) -> None:
    token = api.token("viewer", username="cyril")
    assert api.client(token).get("/auth/me").status_code == 200
    with session_scope(api.db) as conn:
        conn.execute(text("UPDATE users SET is_active = false WHERE username = 'cyril'"))
    assert api.client(token).get("/auth/me").status_code == 401


def test_admin_creates_lists_and_revokes_an_api_token(api: Api) -> None:
    admin = api.as_role("admin")
    r = admin.post("/tokens", json={"name": "cron", "role": "manager", "expires_days": 30})
    assert r.status_code == 201, r.text
    made = r.json()["data"]
    assert made["token"].startswith("af_") and made["role"] == "manager"
    cron = api.client(made["token"])
    me = cron.get("/auth/me").json()["data"]
    assert me["name"] == "token:cron" and me["role"] == "manager"
    listed = admin.get("/tokens").json()["data"]["items"]
    assert [t["name"] for t in listed if t["name"] == "cron"] == ["cron"]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    dup = admin.post("/tokens", json={"name": "CRON", "role": "viewer"})
    assert dup.status_code == 409
    assert admin.delete(f"/tokens/{made['id']}").status_code == 200
    assert cron.get("/auth/me").status_code == 401
    with session_scope(api.db) as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens WHERE name = 'cron'")
                              ).scalar_one()
    assert made["token"] not in stored


def test_unknown_route_and_bad_input_use_the_error_envelope(api: Api) -> None:
    admin = api.as_role("admin")
    r = admin.post("/users", json={"username": "x y", "role": "viewer"})
    assert r.status_code == 422
    body = r.json()
    assert body["status"] == "error" and body["error"]["code"] == "validation_failed"
    fields = {p["field"] for p in body["error"]["details"]}
    assert "body.password" in fields
    r = admin.post("/users", json={"username": "x y", "role": "viewer",
                                   "password": "a-long-password"})
    assert r.status_code == 422 and "username" in r.json()["message"]
    nf = api.client().get("/nope")
    assert nf.status_code == 404 and nf.json()["error"]["code"] == "not_found"


def test_retry_after_is_when_the_limit_that_holds_lifts(api: Api) -> None:
    """An older failure of another username from the same address does not shorten the wait
    of the username whose own limit holds (per user: 5 in 300 s)."""
    api.user("mallory", "viewer")
    with session_scope(api.db) as conn:
        conn.execute(text("INSERT INTO login_failures (username, client, failed_at) "
                          "VALUES ('ada', '127.0.0.1', now() - interval '200 seconds')"))
    anon = api.client()
    for _ in range(5):
        assert anon.post("/auth/login", json={"username": "mallory",
                                              "password": "wrong-password-1"}).status_code == 401
    r = anon.post("/auth/login", json={"username": "mallory", "password": PASSWORD})
    assert r.status_code == 429
    assert 290 <= int(r.headers["Retry-After"]) <= 301, r.headers["Retry-After"]
