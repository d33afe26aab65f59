"""The configuration file (database.config.json): the profile's environment, environment
variables over the file, DATABASE_URL from the parts, `config show` masking, clear errors."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from typer.testing import CliRunner

from astrofinance.cli.main import app
from astrofinance.config import Settings, get_settings, reset_settings
from astrofinance.errors import ConfigurationError

runner = CliRunner()
PASSWORD = f"pa:ss/w0rd@{secrets.token_hex(4)}"   # URL-special characters, made per run
ENCODED = "pa%3Ass%2Fw0rd%40" + PASSWORD.rsplit("@", 1)[1]   # as a URL must carry it

CONFIG = {
    "development": {"host": "dev-db.internal", "port": 5433, "database": "af_dev",
                    "user": "app", "password": PASSWORD, "poolSize": 7, "ssl": False},
    "test": {"host": "test-db.internal", "database": "af_test", "user": "tester",
             "monitoring": {"slowQueryThreshold": 75}},
    "production": {"host": "prod-db.internal", "port": 5432, "database": "af",
                   "user": "app", "password": PASSWORD, "pool": {"max": 30}, "ssl": True},
    "backup": {"enabled": True, "schedule": "0 2 * * *", "retentionDays": 14,
               "retentionCount": 5, "path": "/var/backups/astrofinance"},
    "monitoring": {"enabled": True, "slowQueryThreshold": 500, "logQueries": True,
                   "logQueryParams": False},
    "maintenance": {"backupBeforeMaintenance": True,
                    "vacuum": {"enabled": True, "schedule": "0 3 * * 0"}},
}


@pytest.fixture
def config(tmp_path: Path, monkeypatch):
    """Writes a configuration file and points ASTROFINANCE_CONFIG_FILE at it."""
    for var in ("DATABASE_URL", "DB_HOST", "DB_NAME", "DB_PASSWORD", "TEST_DB_HOST",
                "PROD_DB_HOST", "ASTROFINANCE_SLOW_QUERY_MS", "SLOW_QUERY_THRESHOLD",
                "ASTROFINANCE_LOG_QUERIES", "ASTROFINANCE_DB_POOL_SIZE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)          # no .env, no ./database.config.json

    def write(content: object, name: str = "af.config.json") -> Path:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        monkeypatch.setenv("ASTROFINANCE_CONFIG_FILE", str(path))
        reset_settings()
        return path

    yield write
    reset_settings()


def test_the_profile_picks_the_environment(config, monkeypatch) -> None:
    config(CONFIG)
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "test")
    s = Settings()
    assert s.database_url == "postgresql://tester@test-db.internal:5432/af_test"
    assert s.slow_query_ms == 75          # the environment's section beats the top level
    assert s.log_queries is True
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "production")
    s = Settings()
    assert s.database_url == (f"postgresql://app:{ENCODED}@prod-db.internal:5432"
                              "/af?sslmode=require")
    assert s.resolved_database_url() == s.database_url
    assert s.db_pool_size == 30 and s.slow_query_ms == 500
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "development")
    s = Settings()
    assert s.database_url == (f"postgresql://app:{ENCODED}@dev-db.internal:5433"
                              "/af_dev")
    assert s.db_pool_size == 7


def test_environment_variables_override_the_file(config, monkeypatch) -> None:
    config(CONFIG)
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "development")
    monkeypatch.setenv("ASTROFINANCE_SLOW_QUERY_MS", "20")
    monkeypatch.setenv("ASTROFINANCE_LOG_QUERIES", "false")
    monkeypatch.setenv("DB_PASSWORD", "from-env")        # the password kept out of the file
    s = Settings()
    assert s.slow_query_ms == 20 and s.log_queries is False
    assert s.database_url == "postgresql://app:from-env@dev-db.internal:5433/af_dev"
    monkeypatch.setenv("DATABASE_URL", "postgresql://other@h/x")
    assert Settings().database_url == "postgresql://other@h/x"


def test_the_default_file_is_read_from_the_working_directory(config, monkeypatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.delenv("ASTROFINANCE_CONFIG_FILE", raising=False)
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "test")
    assert Settings().database_url is None
    (tmp_path / "database.config.json").write_text(json.dumps(CONFIG))
    assert Settings().database_url == "postgresql://tester@test-db.internal:5432/af_test"


def test_config_show_masks_secrets_and_names_sources(config, monkeypatch) -> None:
    path = config(CONFIG)
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "development")
    monkeypatch.setenv("ASTROFINANCE_LOG_QUERIES", "false")
    monkeypatch.setenv("ASTROFINANCE_SMS_HTTP_TOKEN", "tok-123456")
    monkeypatch.setenv("ASTROFINANCE_TEST_API_KEY", "key-98765")
    reset_settings()
    r = runner.invoke(app, ["config", "show", "--format", "json"])
    assert r.exit_code == 0, r.output
    assert PASSWORD not in r.output and "pa%3Ass" not in r.output
    out = json.loads(r.output)
    assert out["config_file"] == str(path.resolve()) and out["profile"] == "development"
    rows = {row["setting"]: row for row in out["settings"]}
    assert rows["DATABASE_URL"] == {"setting": "DATABASE_URL", "source": "file",
                                    "value": "postgresql://app:***@dev-db.internal:5433/af_dev"}
    assert rows["ASTROFINANCE_SLOW_QUERY_MS"]["source"] == "file"
    assert rows["ASTROFINANCE_SLOW_QUERY_MS"]["value"] == "500"
    assert rows["ASTROFINANCE_LOG_QUERIES"]["source"] == "env"
    assert rows["ASTROFINANCE_TIMEZONE"]["source"] == "default"
    assert rows["ASTROFINANCE_BACKUP_RETENTION_DAYS"]["value"] == "14"
    assert rows["ASTROFINANCE_VACUUM_SCHEDULE"]["value"] == "0 3 * * 0"
    table = runner.invoke(app, ["config", "show"], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert PASSWORD not in table.output and "***" in table.output
    assert "tok-123456" not in table.output
    from astrofinance.config_file import mask

    assert mask("ASTROFINANCE_SMS_HTTP_TOKEN", "tok-123456") == "***"
    assert mask("ASTROFINANCE_SMS_AT_API_KEY", "key-98765") == "***"
    assert mask("SOURCE_DATABASE_URL", "postgresql://u:pw@h/db") == "postgresql://u:***@h/db"
    assert mask("ASTROFINANCE_TIMEZONE", "Africa/Lagos") == "Africa/Lagos"


@pytest.mark.parametrize(("content", "problem"), [
    ('{"development": {"host": "x",}}', "not valid JSON: Expecting property name"),
    ('["development"]', "must hold a JSON object"),
    ({"development": {"host": "h", "database": "d", "port": "fifty"}},
     "development.port must be a whole number, not 'fifty'"),
    ({"monitoring": {"logQueries": "sometimes"}},
     "monitoring.logQueries must be true or false"),
    ({"development": {"host": "h", "database": "d", "ssl": "always"}},
     "development.ssl must be true, false or an sslmode"),
])
def test_a_malformed_file_is_a_clear_error(config, monkeypatch, content, problem) -> None:
    path = config(content)
    monkeypatch.setenv("ASTROFINANCE_PROFILE", "development")
    reset_settings()
    with pytest.raises(ConfigurationError) as e:
        get_settings()
    assert str(path) in str(e.value) and problem in str(e.value)
    r = runner.invoke(app, ["config", "show"], env={"COLUMNS": "300"})
    assert r.exit_code == 1
    assert problem in " ".join(r.output.split())


def test_a_named_file_that_does_not_exist_is_an_error(config, monkeypatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("ASTROFINANCE_CONFIG_FILE", str(tmp_path / "missing.json"))
    reset_settings()
    with pytest.raises(ConfigurationError, match="missing.json: no such file"):
        get_settings()
