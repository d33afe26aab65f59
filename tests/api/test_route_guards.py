"""Generated from the route table: every route but the public ones answers 401 without
credentials, and 403 to a role without its permission; so a new route cannot be forgotten."""

from __future__ import annotations

import re

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import text

from astrofinance.api import create_app
from astrofinance.api.deps import Permission, get_principal
from astrofinance.api.routers import PUBLIC_PATHS, ROUTERS
from astrofinance.auth.context import act_as
from astrofinance.auth.service import add_user
from astrofinance.auth.tokens import create_api_token
from astrofinance.db import Database, session_scope
from tests.api.live import PASSWORD, Api

SIGNED_IN_ONLY = {"/api/v1/auth/me", "/api/v1/auth/logout"}


def _calls(dependant: Dependant) -> list[object]:
    out: list[object] = []
    for d in dependant.dependencies:
        out.append(d.call)
        out.extend(_calls(d))
    return out


def _routes(db: Database) -> list[tuple[str, str, list[Permission], bool]]:
    """Every operation of the routers, checked against the app's OpenAPI document so that a
    route added any other way fails the test too."""
    found = []
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            calls = _calls(route.dependant)
            perms = [c for c in calls if isinstance(c, Permission)]
            for method in sorted(route.methods):
                found.append((method, "/api/v1" + route.path, perms, get_principal in calls))
    documented = {(m.upper(), p) for p, ops in create_app(db).openapi()["paths"].items()
                  for m in ops}
    assert documented == {(m, p) for m, p, _, _ in found}
    return found


def test_each_route_declares_one_permission_or_is_public(db: Database) -> None:
    routes = _routes(db)
    assert len(routes) > 20
    for method, path, perms, signed_in in routes:
        if path in PUBLIC_PATHS:
            assert not perms and not signed_in, f"{method} {path} is public"
        elif path in SIGNED_IN_ONLY:
            assert signed_in and not perms, f"{method} {path}"
        else:
            assert len(perms) == 1, f"{method} {path} declares {perms}"


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path).removeprefix("/api/v1")


def test_every_protected_route_is_401_without_credentials_and_403_without_permission(
        api: Api) -> None:
    with session_scope(api.db) as conn:         # a role with no permission at all
        act_as(conn, "test")
        conn.execute(text("INSERT INTO roles VALUES ('nobody', 'no permissions')"))
        add_user(conn, "nobody", "nobody", PASSWORD)
        powerless = create_api_token(conn, name="nobody", created_by="test",
                                     username="nobody").token
        limited = create_api_token(conn, name="viewer", created_by="test", role="viewer").token
    viewer_perms = set(conn_perms(api.db, "viewer"))
    anon, nobody, viewer = api.client(), api.client(powerless), api.client(limited)
    checked = 0
    for method, path, perms, _ in _routes(api.db):
        if path in PUBLIC_PATHS:
            continue
        url, body = _url(path), ({} if method in ("POST", "PUT", "PATCH") else None)
        r = anon.request(method, url, json=body)
        assert r.status_code == 401, f"{method} {path} without credentials: {r.status_code}"
        assert r.json()["error"]["code"] == "unauthenticated"
        if path in SIGNED_IN_ONLY:
            continue
        r = nobody.request(method, url, json=body)
        assert r.status_code == 403, f"{method} {path} for a powerless role: {r.status_code}"
        assert perms[0].permission in r.json()["message"]
        if perms[0].permission not in viewer_perms:
            r = viewer.request(method, url, json=body)
            assert r.status_code == 403, f"{method} {path} for a viewer: {r.status_code}"
        checked += 1
    assert checked > 20


def conn_perms(db: Database, role: str) -> list[str]:
    with session_scope(db) as conn:
        return list(conn.execute(text("SELECT permission FROM permissions WHERE role = :r"),
                                 {"r": role}).scalars())


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer af_forged", "Basic YTpi"])
def test_bad_credentials_are_401(api: Api, header: str) -> None:
    r = api.client(headers={"Authorization": header}).get("/loans")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == "Bearer"
