"""Password hashing (argon2id) and the password rules."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from astrofinance.auth.passwords import (
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from astrofinance.errors import ValidationFailed


def test_hash_is_salted_argon2id_and_verifies():
    h1, h2 = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert h1.startswith("$argon2id$") and h1 != h2          # a fresh salt each time
    assert "correct horse" not in h1
    assert verify_password(h1, "correct horse battery")
    assert verify_password(h2, "correct horse battery")
    assert not verify_password(h1, "correct horse batterY")
    assert not verify_password("not a hash", "correct horse battery")


def test_needs_rehash_when_parameters_change():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    old = weak.hash("correct horse battery")
    assert verify_password(old, "correct horse battery")
    assert needs_rehash(old)
    assert not needs_rehash(hash_password("correct horse battery"))


@pytest.mark.parametrize("password,reason", [
    ("short-pw9", "at least 10 characters (this one has 9)"),
    ("", "at least 10 characters (this one has 0)"),
    (" " * 12, "cannot be only spaces"),
    ("x" * 1025, "at most 1024 characters"),
    ("Ada.Obi-2026", "cannot be the username"),
])
def test_rules_reject_with_a_clear_reason(password, reason):
    with pytest.raises(ValidationFailed) as e:
        check_password_rules(password, "ada.obi-2026")
    assert reason in str(e.value)
    assert password.strip() == "" or password not in str(e.value)   # never echoed


def test_rules_accept_ten_characters():
    check_password_rules("0123456789", "ada")
