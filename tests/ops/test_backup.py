"""`astrofinance backup` / `restore` / `db migrate --backup` on a real PostgreSQL: the round
trip (row counts and per-table checksums), verification, retention, restore safety."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.config import reset_settings
from astrofinance.db import session_scope
from astrofinance.db.migrate import head_revision
from astrofinance.metrics.service import recalculate
from astrofinance.ops import backup as ops
from astrofinance.ops.restore import MAIN_TABLES
from astrofinance.portfolio.seed import seed_portfolio
from tests.conftest import _admin, _with_database, fresh_database_name

runner = CliRunner()
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def seeded(db):
    """A seeded, recalculated book of 300 loans."""
    seed_portfolio(db, loans=300, seed=7, as_of=AS_OF)
    with session_scope(db) as conn:
        recalculate(conn, AS_OF)
    return db


@pytest.fixture
def new_database(pg_server_url, _used_databases):
    """Makes empty databases on the test server (dropped at the end of the session)."""

    def make(create: bool = True) -> str:
        name = fresh_database_name("r")
        if create:
            admin = _admin(pg_server_url)
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{name}"')
            admin.dispose()
        _used_databases.append(name)
        return _with_database(pg_server_url, name)

    return make


@pytest.fixture
def into(monkeypatch):
    """Points the CLI at another database (DATABASE_URL), as an operator would."""

    def select(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        reset_settings()

    yield select
    reset_settings()


def fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Every public table's row count and md5 over its rows in a fixed order."""
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
        out = {}
        for t in tables:
            out[t] = conn.execute(sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), "
                "'')) FROM {} r").format(sql.Identifier("public", t))).fetchone()
    return out


def table_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM pg_tables "
                            "WHERE schemaname = 'public'").fetchone()[0]


def cli_backup(directory: Path, *args: str) -> Path:
    r = runner.invoke(app, ["backup", "-o", str(directory), *args])
    assert r.exit_code == 0, r.output
    path = Path(r.stdout.split("\t")[0].strip())
    assert path.parent == directory and path.exists()
    return path


def test_round_trip_restores_identical_rows_into_a_new_database(seeded, db_url, tmp_path,
                                                                new_database, into):
    before = fingerprint(db_url)
    assert before["loans"][0] == 300 and before["repayments"][0] > 1000
    dump = cli_backup(tmp_path)
    assert dump.name.startswith(ops.target(db_url).dbname + "-") and dump.suffix == ".dump"
    digest, name = ops.checksum_path(dump).read_text().split()
    assert name == dump.name and digest == ops.sha256_of(dump)
    assert {"loans", "repayments", "alembic_version"} <= set(ops.archive_tables(dump))

    target = new_database()
    into(target)
    r = runner.invoke(app, ["restore", str(dump)])
    assert r.exit_code == 0, r.output
    assert fingerprint(target) == before
    out = r.stdout
    assert f"loans: {before['loans'][0]} rows" in out
    assert f"repayments: {before['repayments'][0]} rows" in out
    assert f"schema version {head_revision()}" in out and "db migrate" not in r.output
    assert all(f"{t}: " in out for t in MAIN_TABLES)


def test_a_backup_restores_with_plain_pg_restore(seeded, db_url, tmp_path, new_database):
    """An operator's own `pg_restore` (no list, exit on error) restores a backup whole: the
    monthly summary view it refreshes calls business_today() and app_setting() with an empty
    search_path (migration 0016 names their objects with the schema)."""
    import subprocess

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("REFRESH MATERIALIZED VIEW mvw_monthly_financial_summary")
        summary = conn.execute("SELECT month, disbursements_count, repayments_amount FROM "
                               "mvw_monthly_financial_summary ORDER BY month").fetchall()
    assert len(summary) == 12      # the last twelve months
    dump = cli_backup(tmp_path)
    target = new_database()
    done = subprocess.run([ops.tool("pg_restore"), "--no-owner", "--exit-on-error",
                           f"--dbname={ops.target(target).url}", str(dump)],
                          capture_output=True, text=True, env=ops.target(target).env())
    assert done.returncode == 0, done.stderr
    with psycopg.connect(target) as conn:
        restored = conn.execute("SELECT month, disbursements_count, repayments_amount FROM "
                                "mvw_monthly_financial_summary ORDER BY month").fetchall()
    assert restored == summary


def test_backup_of_the_embedded_or_server_database_names_size_and_verifies(db, tmp_path):
    r = runner.invoke(app, ["backup", "-o", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    path_text, size = r.stdout.strip().split("\t")
    path = Path(path_text)
    assert size.endswith("KB") or size.endswith("MB")
    assert ops.checksum_status(path) == "ok"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".partial")]


def _fake_backup(source: Path, name: str, age_days: float) -> Path:
    path = source.parent / name
    shutil.copyfile(source, path)
    ops.write_checksum(path)
    stamp = time.time() - age_days * 86400
    for p in (path, ops.checksum_path(path)):
        os.utime(p, (stamp, stamp))
    return path


def _foreign(directory: Path) -> list[Path]:
    files = [directory / "notes.txt", directory / "other_db-20200101T000000Z.dump",
             directory / "manual.dump", directory / "astro-backup.tar.gz"]
    for f in files:
        f.write_text("not ours")
        os.utime(f, (0, 0))                   # 1970: older than any retention
    return files


def test_retention_by_days_deletes_only_our_old_backups_after_a_verified_one(db, db_url,
                                                                            tmp_path):
    first = ops.create_backup(db_url, tmp_path).path
    stem = ops.file_stem(ops.target(db_url).dbname)
    old = _fake_backup(first, f"{stem}-20240101T000000Z.dump", age_days=40)
    recent = _fake_backup(first, f"{stem}-20250101T000000Z.dump", age_days=10)
    foreign = _foreign(tmp_path)
    made = ops.create_backup(db_url, tmp_path, retention_days=30, retention_count=0)
    assert made.deleted == [old]
    assert not old.exists() and not ops.checksum_path(old).exists()
    assert all(p.exists() for p in (first, recent, made.path, *foreign))
    # the backup just made survives even when every file counts as old
    gone = ops.apply_retention(tmp_path, ops.target(db_url).dbname, keep=made.path, days=1,
                               count=0, now=time.time() + 10 * 86400)
    assert set(gone) == {first, recent}
    assert made.path.exists() and all(p.exists() for p in foreign)


def test_retention_by_count_keeps_the_newest_and_never_the_new_one(db, db_url, tmp_path):
    first = ops.create_backup(db_url, tmp_path).path
    stem = ops.file_stem(ops.target(db_url).dbname)
    ages = {f"{stem}-2025010{i}T000000Z.dump": i for i in range(1, 6)}
    fakes = {age: _fake_backup(first, name, age_days=age) for name, age in ages.items()}
    os.utime(first, (time.time() - 100 * 86400,) * 2)
    foreign = _foreign(tmp_path)
    made = ops.create_backup(db_url, tmp_path, retention_days=0, retention_count=3)
    kept = ops.backups_in(tmp_path, ops.target(db_url).dbname)
    assert kept == [made.path, fakes[1], fakes[2]]
    assert set(made.deleted) == {fakes[3], fakes[4], fakes[5], first}
    assert all(p.exists() for p in foreign)
    # newer files than the one just made (a clock change): still never the new one
    for p in kept[1:]:
        os.utime(p, (time.time() + 3600,) * 2)
    assert set(ops.apply_retention(tmp_path, ops.target(db_url).dbname, keep=made.path,
                                   days=0, count=1)) == {fakes[1], fakes[2]}
    assert made.path.exists()


def _damaged(dump: Path, how: str) -> Path:
    copy = dump.with_name(dump.name.replace(".dump", f"-{len(how)}.dump"))
    shutil.copyfile(dump, copy)
    shutil.copyfile(ops.checksum_path(dump), ops.checksum_path(copy))
    data = bytearray(copy.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0x01
        copy.write_bytes(bytes(data))
    else:
        copy.write_bytes(bytes(data[: len(data) // 2]))
    return copy


@pytest.mark.parametrize("how", ["flip", "truncate"])
def test_restore_refuses_a_damaged_file_and_leaves_the_database_untouched(
        seeded, db_url, tmp_path, new_database, into, how):
    dump = _damaged(ops.create_backup(db_url, tmp_path).path, how)
    before = fingerprint(db_url)
    target = new_database()
    for url, args in ((target, []), (db_url, ["--reset", "--yes"])):
        into(url)
        r = runner.invoke(app, ["restore", *args, str(dump)])
        assert r.exit_code == 1, r.output
        assert "does not match its checksum" in r.output and "corrupted" in r.output
    assert table_count(target) == 0
    assert fingerprint(db_url) == before


def test_restore_refuses_a_file_without_checksum(db, db_url, tmp_path, new_database, into):
    dump = ops.create_backup(db_url, tmp_path).path
    ops.checksum_path(dump).unlink()
    target = new_database()
    into(target)
    r = runner.invoke(app, ["restore", str(dump)])
    assert r.exit_code == 1 and "no checksum file" in r.output
    assert table_count(target) == 0


def test_restore_refuses_a_non_empty_database_without_reset(seeded, db_url, tmp_path,
                                                           new_database, into):
    dump = ops.create_backup(db_url, tmp_path).path
    before = fingerprint(db_url)
    target = new_database()
    with psycopg.connect(target) as conn:        # a small other book in the target
        conn.execute("CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1)")
    into(target)
    r = runner.invoke(app, ["restore", str(dump)])
    assert r.exit_code == 1 and "is not empty" in r.output and "--reset" in r.output
    r = runner.invoke(app, ["restore", "--reset", str(dump)], input="n\n")
    assert r.exit_code == 1 and "nothing was changed" in r.output
    assert set(fingerprint(target)) == {"notes"}
    r = runner.invoke(app, ["restore", "--reset", str(dump)], input="y\n")
    assert r.exit_code == 0, r.output
    assert fingerprint(target) == before                 # notes is gone, the book is there
    # a migrated database with no rows counts as not empty (its alembic_version)
    r = runner.invoke(app, ["restore", str(dump)])
    assert r.exit_code == 1 and "a schema version" in r.output


def test_restore_create_makes_the_database_and_says_when_to_migrate(db, db_url, tmp_path,
                                                                   new_database, into):
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0010'")
    dump = ops.create_backup(db_url, tmp_path).path
    target = new_database(create=False)
    into(target)
    r = runner.invoke(app, ["restore", str(dump)])
    assert r.exit_code == 1 and "does not exist" in r.output
    r = runner.invoke(app, ["restore", "--create", str(dump)])
    assert r.exit_code == 0, r.output
    assert "schema version 0010" in r.stdout
    assert "run `astrofinance db migrate`" in r.output


def test_list_shows_size_date_and_checksum_status(db, db_url, tmp_path):
    good = ops.create_backup(db_url, tmp_path).path
    bad = _damaged(good, "flip")
    unsummed = _damaged(good, "truncate")
    ops.checksum_path(unsummed).unlink()
    (tmp_path / "notes.txt").write_text("not ours")
    r = runner.invoke(app, ["restore", "--list", "-o", str(tmp_path)])
    assert r.exit_code == 0, r.output
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    assert set(rows) == {good.name, bad.name, unsummed.name}
    assert "matches" in rows[good.name] and "MISMATCH" in rows[bad.name]
    assert "missing" in rows[unsummed.name]
    assert dt.datetime.now(dt.UTC).strftime("%Y-%m-%d") in rows[good.name]
    assert rows[good.name].split()[1:3] == [f"{good.stat().st_size / 1024:.1f}", "KB"]
    assert r.stdout.splitlines()[0].split() == ["file", "size", "date", "(UTC)", "checksum"]


def test_migrate_backup_takes_a_verified_backup_first(db, tmp_path, monkeypatch):
    monkeypatch.setenv("ASTROFINANCE_BACKUP_PATH", str(tmp_path / "pre"))
    r = runner.invoke(app, ["db", "migrate", "--backup"])
    assert r.exit_code == 0, r.output
    (made,) = ops.backups_in(tmp_path / "pre")
    assert ops.checksum_status(made) == "ok" and "alembic_version" in ops.archive_tables(made)
    assert f"backed up to {made}" in r.output.replace("\n", "")


def test_password_goes_to_the_environment_never_the_url():
    t = ops.target("postgresql+psycopg://app:s%40cret@db.example:5433/book?sslmode=require")
    assert t.url == "postgresql://app@db.example:5433/book?sslmode=require"
    assert t.password == "s@cret" and t.dbname == "book"
    assert t.env()["PGPASSWORD"] == "s@cret"
    assert t.scrub("failed for s@cret") == "failed for ***"
    embedded = ops.target("postgresql://postgres:@/astrofinance?host=/tmp/x")
    assert embedded.password is None and "PGPASSWORD" not in embedded.env()
    assert embedded.url == "postgresql://postgres@/astrofinance?host=%2Ftmp%2Fx"


def test_backup_defaults_come_from_the_configuration_file(db, tmp_path, monkeypatch):
    config = tmp_path / "database.config.json"
    config.write_text(json.dumps({"backup": {"path": str(tmp_path / "conf"),
                                             "retentionCount": 2, "retentionDays": 30}}))
    monkeypatch.setenv("ASTROFINANCE_CONFIG_FILE", str(config))
    made = []
    for _ in range(3):
        r = runner.invoke(app, ["backup"])
        assert r.exit_code == 0, r.output
        made.append(Path(r.stdout.split("\t")[0]))
    assert ops.backups_in(tmp_path / "conf") == made[:0:-1]
    assert "deleted old backup " + made[0].name in r.output
    monkeypatch.setenv("ASTROFINANCE_BACKUP_RETENTION_COUNT", "many")   # the environment wins
    r = runner.invoke(app, ["backup"])
    assert r.exit_code == 1
    assert "ASTROFINANCE_BACKUP_RETENTION_COUNT must be a whole number" in r.output
