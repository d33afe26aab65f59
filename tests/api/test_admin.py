"""Users, roles and the audit log over HTTP (admin; the audit log also managers)."""

from __future__ import annotations

import csv
import io

from tests.api.live import Api

PW = "a-long-password-1"


def test_admin_adds_changes_and_disables_a_user(api: Api) -> None:
    admin = api.as_role("admin")
    r = admin.post("/users", json={"username": "Emeka", "role": "viewer", "password": PW,
                                   "full_name": "Emeka Obi", "email": "emeka@example.ng"})
    assert r.status_code == 201, r.text
    added = r.json()["data"]
    assert (added["username"], added["role"], added["is_active"]) == ("Emeka", "viewer", True)
    assert PW not in r.text and "argon2" not in r.text and "password_hash" not in r.text
    assert admin.post("/users", json={"username": "EMEKA", "role": "viewer",
                                      "password": PW}).status_code == 409
    login = api.client().post("/auth/login", json={"username": "emeka", "password": PW})
    assert login.status_code == 200
    r = admin.patch("/users/emeka", json={"role": "analyst"})
    assert r.status_code == 200 and r.json()["data"]["role"] == "analyst"
    assert admin.get("/users/emeka").json()["data"]["role"] == "analyst"
    assert "Emeka" in [u["username"] for u in admin.get("/users").json()["data"]["items"]]
    listed = list(csv.DictReader(io.StringIO(admin.get("/users", params={"format": "csv"}).text)))
    assert {"Emeka", "admin-user"} <= {u["username"] for u in listed}
    new_pw = "another-long-pass-2"
    assert admin.patch("/users/emeka", json={"password": new_pw}).status_code == 200
    assert api.client().post("/auth/login", json={"username": "emeka",
                                                  "password": PW}).status_code == 401
    assert admin.patch("/users/emeka", json={"is_active": False}).status_code == 200
    assert api.client().post("/auth/login", json={"username": "emeka",
                                                  "password": new_pw}).status_code == 401
    assert admin.get("/users/nobody").status_code == 404
    # the last active admin cannot be demoted
    r = admin.patch("/users/admin-user", json={"role": "viewer"})
    assert r.status_code == 409, r.text


def test_roles_list_the_permission_matrix(api: Api) -> None:
    roles = {r["name"]: r for r in api.as_role("admin").get("/roles").json()["data"]["items"]}
    assert list(roles) == ["admin", "manager", "analyst", "vertical_lead", "supervisor",
                           "loan_officer", "viewer"]
    assert "metrics.recalculate" in roles["manager"]["permissions"]
    assert "metrics.recalculate" not in roles["analyst"]["permissions"]
    assert roles["supervisor"]["permissions"] == roles["loan_officer"]["permissions"]
    assert api.as_role("manager").get("/roles").status_code == 403


def test_the_audit_log_shows_who_changed_what(api: Api) -> None:
    admin = api.as_role("admin")
    assert admin.post("/users", json={"username": "femi", "role": "viewer",
                                      "password": PW}).status_code == 201
    assert admin.patch("/users/femi", json={"role": "analyst"}).status_code == 200
    manager = api.as_role("manager")
    r = manager.get("/audit-log", params={"table": "users", "action": "UPDATE"})
    assert r.status_code == 200, r.text
    rows = [e for e in r.json()["data"]["items"] if e["new_values"].get("role") == "analyst"]
    assert rows and rows[0]["changed_by"] == "admin-user"
    assert rows[0]["old_values"]["role"] == "viewer"
    everything = manager.get("/audit-log", params={"table": "users"}).json()["data"]["items"]
    assert all("password_hash" not in e["new_values"] or
               "argon2" not in str(e["new_values"]["password_hash"]) for e in everything)
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    by_user = manager.get("/audit-log", params={"user": "admin-user", "limit": 1})
    assert len(by_user.json()["data"]["items"]) == 1
    exported = list(csv.DictReader(io.StringIO(manager.get(
        "/audit-log", params={"table": "users", "format": "csv"}).text)))
    assert len(exported) == len(everything) and exported[0]["table"] == "users"
    assert api.as_role("analyst").get("/audit-log").status_code == 403


def test_admin_changes_a_users_name_and_email_and_the_scope_follows(api: Api) -> None:
    """A loan officer's email links them to their officer record: corrected by an admin,
    what they see follows from their next request."""
    from tests.api.book import seeded_book, two_officers

    seeded_book(api.db)
    mine, other = two_officers(api.db)
    admin = api.as_role("admin")
    assert admin.post("/users", json={"username": "ada", "role": "loan_officer",
                                      "password": PW, "email": mine["email"]}
                      ).status_code == 201
    token = api.client().post("/auth/login", json={"username": "ada", "password": PW}
                              ).json()["data"]["access_token"]
    ada = api.client(token)

    def officers_seen() -> set[str]:
        r = ada.get("/loans", params={"limit": 200})
        assert r.status_code == 200, r.text
        return {i["officer_id"] for i in r.json()["data"]["items"]}

    assert officers_seen() == {mine["officer_id"]}
    r = admin.patch("/users/ada", json={"full_name": "Ada Obi", "email": other["email"]})
    assert r.status_code == 200, r.text
    assert (r.json()["data"]["full_name"], r.json()["data"]["email"]) == ("Ada Obi",
                                                                         other["email"])
    assert officers_seen() == {other["officer_id"]}
    r = admin.patch("/users/ada", json={"email": ""})
    assert r.status_code == 200 and r.json()["data"]["email"] is None
    assert r.json()["data"]["full_name"] == "Ada Obi"          # left as it was
    assert officers_seen() == set()
    bad = admin.patch("/users/ada", json={"email": "nope"})
    assert bad.status_code == 422 and "not an email address" in bad.text
    assert api.as_role("manager").patch("/users/ada", json={"full_name": "X"}
                                        ).status_code == 403
