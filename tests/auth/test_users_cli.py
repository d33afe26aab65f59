"""`astrofinance users ...` and `roles list`: passwords from stdin or a hidden prompt, never
echoed; clear errors; every change logged under the acting user."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from astrofinance.auth import service
from astrofinance.cli.main import app

runner = CliRunner()
PW = "Tr0ub4dor&3-horse"
PW2 = "another secret phrase"

pytestmark = pytest.mark.usefixtures("cli_as_it_admin")


def run(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    assert PW not in result.output and PW2 not in result.output
    return result


def test_add_with_password_stdin_then_list(db):
    r = run("users", "add", "ada", "--role", "loan_officer", "--name", "Ada Obi",
            "--email", "ada@example.ng", "--password-stdin", input=PW + "\n")
    assert r.exit_code == 0, r.output
    assert "Added user ada (loan_officer)." in r.output
    r = run("users", "list")
    assert r.exit_code == 0 and "ada" in r.output and "Ada Obi" in r.output
    r = run("users", "list", "--format", "json")
    [user] = json.loads(r.output)
    assert (user["username"], user["role"], user["is_active"]) == ("ada", "loan_officer", True)
    assert "payments.post" in user["permissions"]
    assert "password_hash" not in user and "$argon2" not in r.output
    with db.begin() as c:
        assert service.authenticate(c, "ada", PW) is not None


def test_add_prompts_twice_with_hidden_input(db):
    r = run("users", "add", "bola", "--role", "viewer", input=f"{PW}\n{PW}\n")
    assert r.exit_code == 0, r.output
    assert "Password:" in r.output and "Repeat for confirmation:" in r.output
    with db.begin() as c:
        assert service.authenticate(c, "bola", PW) is not None


def test_a_password_is_never_an_option_or_argument(db):
    assert run("users", "add", "ada", "--role", "viewer", "--password", PW).exit_code == 2
    r = run("users", "add", "ada", PW, "--role", "viewer")
    assert r.exit_code == 2 and "not shown" in r.output
    r = run("users", "reset-password", "ada", PW)
    assert r.exit_code == 2 and "not shown" in r.output
    with db.begin() as c:
        assert service.list_users(c) == []


def test_bad_role_short_password_duplicate(db):
    r = run("users", "add", "ada", "--role", "boss", "--password-stdin", input=PW + "\n")
    assert r.exit_code == 1
    assert ("unknown role 'boss'; the roles are: admin, manager, analyst, vertical_lead, "
            "supervisor, loan_officer, viewer"
            in r.output)
    r = run("users", "add", "ada", "--role", "viewer", "--password-stdin", input="short\n")
    assert r.exit_code == 1 and "at least 10 characters (this one has 5)" in r.output
    assert "short" not in r.output.replace("(this one has 5)", "")
    assert "Traceback" not in r.output
    assert run("users", "add", "ada", "--role", "viewer", "--password-stdin",
               input=PW + "\n").exit_code == 0
    r = run("users", "add", "ADA", "--role", "viewer", "--password-stdin", input=PW + "\n")
    assert r.exit_code == 1 and "user 'ADA' already exists" in r.output
    r = run("users", "add", "carl", "--role", "viewer", "--password-stdin", input="\n")
    assert r.exit_code == 1 and "standard input had no password" in r.output
    with db.begin() as c:
        assert [u.username for u in service.list_users(c)] == ["ada"]


def test_disable_enable_set_role_reset_password(db):
    for name, role in (("root", "admin"), ("ada", "viewer")):
        assert run("users", "add", name, "--role", role, "--password-stdin",
                   input=PW + "\n").exit_code == 0
    r = run("users", "disable", "ada")
    assert r.exit_code == 0 and "Disabled user ada." in r.output
    assert "already disabled" in run("users", "disable", "ada").output
    assert "no" in run("users", "list").output
    r = run("users", "enable", "ada")
    assert r.exit_code == 0 and "Enabled user ada." in r.output
    r = run("users", "set-role", "ada", "manager")
    assert r.exit_code == 0 and "User ada: role viewer → manager." in r.output
    r = run("users", "set-role", "ada", "boss")
    assert r.exit_code == 1 and "the roles are" in r.output
    r = run("users", "reset-password", "ada", "--password-stdin", input=PW2 + "\n")
    assert r.exit_code == 0 and "Password of ada changed." in r.output
    r = run("users", "reset-password", "nobody", "--password-stdin", input=PW2 + "\n")
    assert r.exit_code == 1 and "no user 'nobody'" in r.output
    r = run("users", "disable", "root")
    assert r.exit_code == 1 and "last active admin" in r.output
    with db.begin() as c:
        assert service.authenticate(c, "ada", PW) is None
        user = service.authenticate(c, "ada", PW2)
    assert user is not None and user.role == "manager"


def test_changes_are_logged_under_the_acting_user_without_passwords(db):
    run("users", "add", "ada", "--role", "viewer", "--password-stdin", input=PW + "\n")
    run("users", "set-role", "ada", "analyst")
    run("users", "reset-password", "ada", "--password-stdin", input=PW2 + "\n")
    run("users", "disable", "ada")
    with db.begin() as c:
        rows = c.execute(text("SELECT action, changed_by, new_values FROM audit_logs "
                              "WHERE table_name = 'users' ORDER BY id")).all()
        dump = c.execute(text("SELECT string_agg(concat(old_values, new_values), ' ') "
                              "FROM audit_logs")).scalar_one()
    assert [(a, by) for a, by, _ in rows] == [("INSERT", "it-admin")] + [("UPDATE", "it-admin")] * 3
    assert [v for _, _, v in rows][1:] == [
        {"role": "analyst"},
        {"password_hash": "changed", "password_changed_at": rows[2][2]["password_changed_at"]},
        {"is_active": False}]
    assert "$argon2" not in dump and PW not in dump and PW2 not in dump


def test_roles_list(db):
    r = run("roles", "list")
    assert r.exit_code == 0
    for role in ("admin", "manager", "analyst", "vertical_lead", "supervisor", "loan_officer",
                 "viewer"):
        assert role in r.output
    roles = {x["name"]: x["permissions"] for x in json.loads(
        run("roles", "list", "--format", "json").output)}
    assert "users.manage" in roles["admin"] and "users.manage" not in roles["manager"]
    assert roles["viewer"] == ["accounting.read", "customers.read", "loans.read",
                               "metrics.read", "products.read"]


def test_set_details_changes_or_clears_the_name_and_email(db):
    assert run("users", "add", "ada", "--role", "viewer", "--password-stdin",
               "--name", "Ada Obi", input=PW + "\n").exit_code == 0
    r = run("users", "set-details", "ada", "--email", "Ada.Obi@Example.ng")
    assert r.exit_code == 0 and "name Ada Obi, email Ada.Obi@Example.ng" in r.output
    r = run("users", "set-details", "ada", "--name", "Ada Okafor", "--email", "")
    assert r.exit_code == 0 and "name Ada Okafor, email (none)" in r.output
    with db.begin() as c:
        user = service.get_user(c, "ada")
    assert (user.full_name, user.email) == ("Ada Okafor", None)
    r = run("users", "set-details", "ada", "--email", "not an email")
    assert r.exit_code == 1 and "is not an email address" in r.output
    r = run("users", "set-details", "ada")
    assert r.exit_code == 1 and "give --name and/or --email" in r.output
    r = run("users", "set-details", "nobody", "--name", "X")
    assert r.exit_code == 1 and "no user 'nobody'" in r.output
