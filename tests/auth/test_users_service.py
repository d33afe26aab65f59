"""Users and roles: the service's rules, authentication, permissions, and what the audit log
keeps of them."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from astrofinance.auth import service
from astrofinance.auth.context import act_as
from astrofinance.auth.models import ROLES
from astrofinance.errors import Conflict, NotFound, ValidationFailed

PW = "correct horse battery"

TEAM = {"vertical_lead", "supervisor", "loan_officer"}  # the same permissions, scoped
EVERYONE = {"admin", "manager", "analyst", "viewer"} | TEAM

# The documented matrix (docs/users-and-audit.md): permission -> roles that have it.
MATRIX = {
    "users.manage": {"admin"},
    "audit.read": {"admin", "manager"},
    "settings.manage": {"admin", "manager"},
    "sync.run": {"admin", "manager"},
    "customers.read": EVERYONE,
    "customers.write": {"admin", "manager"} | TEAM,
    "products.read": EVERYONE,
    "products.write": {"admin", "manager"},
    "loans.read": EVERYONE,
    "loans.write": {"admin", "manager"} | TEAM,
    "loans.approve": {"admin", "manager"},
    "loans.write_off": {"admin", "manager"},
    "payments.post": {"admin", "manager"} | TEAM,
    "payments.reverse": {"admin", "manager"},
    "accounting.read": {"admin", "manager", "analyst", "viewer"},
    "accounting.post": {"admin", "manager"},
    "metrics.read": EVERYONE,
    "metrics.recalculate": {"admin", "manager"},
}


def test_roles_and_permission_matrix(db):
    with db.begin() as c:
        roles = {r.name: set(r.permissions) for r in service.list_roles(c)}
    assert list(roles) == list(ROLES)
    for permission, holders in MATRIX.items():
        assert {r for r, perms in roles.items() if permission in perms} == holders, permission
    assert set().union(*roles.values()) == set(MATRIX)


def test_add_get_and_permissions(db):
    with db.begin() as c:
        u = service.add_user(c, " ada ", "loan_officer", PW, full_name=" Ada Obi ",
                             email="ada@example.ng")
    assert (u.username, u.full_name, u.email, u.role, u.is_active) == \
        ("ada", "Ada Obi", "ada@example.ng", "loan_officer", True)
    assert u.last_login_at is None and u.password_changed_at is not None
    assert service.has_permission(u, "payments.post")
    assert not service.has_permission(u, "payments.reverse")
    assert not service.has_permission(u, "users.manage")
    assert not service.has_permission(None, "loans.read")
    with db.begin() as c:
        assert service.get_user(c, "ADA").id == u.id           # any case
        assert [x.username for x in service.list_users(c)] == ["ada"]
        stored = c.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PW not in stored


def test_add_rejects_duplicates_bad_roles_names_emails_and_passwords(db):
    with db.begin() as c:
        service.add_user(c, "Ada", "viewer", PW)
    with db.begin() as c, pytest.raises(Conflict, match="user 'ada' already exists"):
        service.add_user(c, "ada", "viewer", PW)
    with db.begin() as c, pytest.raises(ValidationFailed) as e:
        service.add_user(c, "bola", "superuser", PW)
    assert str(e.value) == ("unknown role 'superuser'; the roles are: admin, manager, analyst, "
                            "vertical_lead, supervisor, loan_officer, viewer")
    with db.begin() as c, pytest.raises(ValidationFailed, match="username 'b c' is not valid"):
        service.add_user(c, "b c", "viewer", PW)
    with db.begin() as c, pytest.raises(ValidationFailed, match="not an email address"):
        service.add_user(c, "bola", "viewer", PW, email="bola-at-example")
    with db.begin() as c, pytest.raises(ValidationFailed, match="at least 10 characters"):
        service.add_user(c, "bola", "viewer", "123456789")
    with db.begin() as c:
        assert c.execute(text("SELECT count(*) FROM users")).scalar_one() == 1


def test_authenticate(db):
    with db.begin() as c:
        service.add_user(c, "ada", "analyst", PW)
    with db.begin() as c:
        assert service.authenticate(c, "ada", "wrong password!") is None
        assert service.authenticate(c, "nobody", PW) is None
        assert service.authenticate(c, "", PW) is None
        user = service.authenticate(c, "ADA", PW)
    assert user is not None and user.username == "ada" and user.last_login_at is not None
    assert service.has_permission(user, "metrics.read")
    assert not service.has_permission(user, "metrics.recalculate")  # manager and admin only
    with db.begin() as c:
        service.disable_user(c, "ada")
    with db.begin() as c:
        assert service.authenticate(c, "ada", PW) is None
        disabled = service.get_user(c, "ada")
    assert not disabled.is_active and not service.has_permission(disabled, "loans.read")
    with db.begin() as c:
        service.enable_user(c, "ada")
        assert service.authenticate(c, "ada", PW) is not None


def test_authenticate_rehashes_hashes_with_old_parameters(db):
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PW)
    with db.begin() as c:
        service.add_user(c, "ada", "viewer", PW)
        c.execute(text("UPDATE users SET password_hash = :h"), {"h": old})
        changed_at = c.execute(text("SELECT password_changed_at FROM users")).scalar_one()
    with db.begin() as c:
        assert service.authenticate(c, "ada", PW) is not None
        new, changed_again = c.execute(
            text("SELECT password_hash, password_changed_at FROM users")).one()
    assert new != old and "m=65536" in new and changed_again == changed_at
    with db.begin() as c:
        assert service.authenticate(c, "ada", PW) is not None    # the new hash verifies
        assert c.execute(text("SELECT password_hash FROM users")).scalar_one() == new


def test_reset_password_and_set_role(db):
    with db.begin() as c:
        service.add_user(c, "root", "admin", PW)
        service.add_user(c, "ada", "viewer", PW)
    with db.begin() as c:
        service.reset_password(c, "ada", "a brand new secret")
        service.set_role(c, "ada", "manager")
    with db.begin() as c:
        assert service.authenticate(c, "ada", PW) is None
        user = service.authenticate(c, "ada", "a brand new secret")
    assert user is not None and user.role == "manager"
    with db.begin() as c, pytest.raises(ValidationFailed, match="the roles are"):
        service.set_role(c, "ada", "boss")
    with db.begin() as c, pytest.raises(NotFound, match="no user 'nobody'"):
        service.reset_password(c, "nobody", "a brand new secret")
    with db.begin() as c, pytest.raises(ValidationFailed, match="cannot be the username"):
        service.reset_password(c, "ada", "ADA       ")


def test_the_last_active_admin_stays(db):
    with db.begin() as c:
        service.add_user(c, "root", "admin", PW)
    for change in (lambda c: service.disable_user(c, "root"),
                   lambda c: service.set_role(c, "root", "viewer")):
        with db.begin() as c, pytest.raises(Conflict, match="last active admin"):
            change(c)
    with db.begin() as c:
        service.add_user(c, "second", "admin", PW)
        service.set_role(c, "root", "viewer")
        assert service.get_user(c, "root").role == "viewer"


def test_officers_link_to_users(db):
    with db.begin() as c:
        uid = service.add_user(c, "ada", "loan_officer", PW).id
        c.execute(text("INSERT INTO officers (officer_id, name, user_id) VALUES ('O1', 'Ada', :u)"),
                  {"u": uid})
    with pytest.raises(Exception, match="officers_user_fk"), db.begin() as c:
        c.execute(text("INSERT INTO officers (officer_id, name, user_id) VALUES ('O2', 'X', -1)"))


def test_password_hashes_never_reach_the_audit_log(db):
    with db.begin() as c:
        act_as(c, "root")
        service.add_user(c, "ada", "viewer", PW)
    with db.begin() as c:
        act_as(c, "root")
        service.reset_password(c, "ada", "a brand new secret")
        service.authenticate(c, "ada", "a brand new secret")    # last_login_at: not audited
    with db.begin() as c:
        rows = c.execute(text(
            "SELECT action, old_values, new_values, changed_by FROM audit_logs "
            "WHERE table_name = 'users' ORDER BY id")).all()
        leaked = c.execute(text(
            "SELECT count(*) FROM audit_logs WHERE concat(old_values, new_values) "
            "LIKE '%argon2%'")).scalar_one()
    assert leaked == 0
    assert [(a, by) for a, _, _, by in rows] == [("INSERT", "root"), ("UPDATE", "root")]
    assert rows[0][2]["password_hash"] == "***" and rows[0][2]["username"] == "ada"
    assert rows[1][1]["password_hash"] == "***"
    assert rows[1][2]["password_hash"] == "changed"
    assert set(rows[1][2]) == {"password_hash", "password_changed_at"}


def test_disabling_or_a_new_password_ends_the_users_sessions(db):
    """Disabled, a user's sessions end for good (re-enabled, they sign in again) while their
    API tokens are only suspended; a new password ends the sessions signed in with the old."""
    from astrofinance.auth import tokens

    with db.begin() as c:
        service.add_user(c, "root", "admin", PW)
        ada = service.add_user(c, "ada", "manager", PW)
        bob = service.add_user(c, "bob", "manager", PW)
        session = tokens.start_session(c, ada.id, "ada", hours=8).token
        script = tokens.create_api_token(c, name="ada-cron", created_by="root",
                                         username="ada").token
        other = tokens.start_session(c, bob.id, "bob", hours=8).token

    def live(secret: str) -> bool:
        with db.begin() as c:
            return tokens.resolve(c, secret) is not None

    assert live(session) and live(script) and live(other)
    with db.begin() as c:
        service.disable_user(c, "ada")
    assert not live(session) and not live(script) and live(other)
    with db.begin() as c:
        service.enable_user(c, "ada")
    assert not live(session) and live(script)

    with db.begin() as c:
        again = tokens.start_session(c, ada.id, "ada", hours=8).token
    assert live(again)
    with db.begin() as c:
        service.reset_password(c, "ada", "a brand new secret")
    assert not live(again) and live(script) and live(other)
