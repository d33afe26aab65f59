"""Settings from environment variables and `.env`, with profiles.

Profiles: development (default), test, production. The database is chosen in this order:
DATABASE_URL; the profile's DB_* variables (TEST_DB_* for test, PROD_DB_* for production,
DB_* otherwise, each falling back to DB_*); else the embedded pgserver database (not allowed
in production).
"""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from astrofinance.errors import ConfigurationError

WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}


def _default_data_dir() -> Path:
    # pgserver, run as root, opens up the permissions of every parent of the data dir:
    # never put it under /root.
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/astrofinance")
    import platformdirs

    return Path(platformdirs.user_data_dir("astrofinance"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    profile: str = Field("development", alias="ASTROFINANCE_PROFILE")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    data_dir: Path = Field(default_factory=_default_data_dir, alias="ASTROFINANCE_DATA_DIR")
    timezone: str = Field("Africa/Lagos", alias="ASTROFINANCE_TIMEZONE")
    country: str = Field("NG", alias="ASTROFINANCE_COUNTRY")
    work_week: str = Field("Mon,Tue,Wed,Thu,Fri", alias="ASTROFINANCE_WORK_WEEK")
    fimr_grace_days: int = Field(0, ge=0, le=365, alias="ASTROFINANCE_FIMR_GRACE_DAYS")
    par_thresholds: str = Field("1,7,30,90", alias="ASTROFINANCE_PAR_THRESHOLDS")
    # the lender's system of record (issue 3: `astrofinance sync ...`)
    source_database_url: str | None = Field(None, alias="SOURCE_DATABASE_URL")
    source_sslmode: str | None = Field(None, alias="SOURCE_SSLMODE")
    source_sslrootcert: str | None = Field(None, alias="SOURCE_SSLROOTCERT")
    source_sslcert: str | None = Field(None, alias="SOURCE_SSLCERT")
    source_sslkey: str | None = Field(None, alias="SOURCE_SSLKEY")
    sync_mapping: str = Field("django-ajo", alias="SYNC_MAPPING")
    sync_batch_loans: int = Field(500, ge=1, alias="SYNC_BATCH_LOANS")
    sync_batch_repayments: int = Field(1000, ge=1, alias="SYNC_BATCH_REPAYMENTS")
    sync_batch_rows: int = Field(1000, ge=1, alias="SYNC_BATCH_ROWS")
    # connections generating a sync's new loans' schedules at once
    sync_workers: int = Field(2, ge=1, le=32, alias="SYNC_WORKERS")
    sync_overlap_minutes: int = Field(10, ge=0, alias="SYNC_OVERLAP_MINUTES")
    # who the CLI acts as in the audit log (default: the OS login name; auth/context.py)
    acting_user: str | None = Field(None, alias="ASTROFINANCE_USER")
    # the HTTP API (issue 5: `astrofinance serve`)
    session_hours: float = Field(12, gt=0, le=24 * 30, alias="ASTROFINANCE_SESSION_HOURS")
    login_attempts_per_user: int = Field(5, ge=1, alias="ASTROFINANCE_LOGIN_ATTEMPTS_PER_USER")
    login_attempts_per_client: int = Field(20, ge=1,
                                           alias="ASTROFINANCE_LOGIN_ATTEMPTS_PER_CLIENT")
    login_window_seconds: int = Field(300, ge=1, alias="ASTROFINANCE_LOGIN_WINDOW_SECONDS")
    api_max_page_size: int = Field(500, ge=1, le=10_000, alias="ASTROFINANCE_API_MAX_PAGE_SIZE")
    trusted_proxies: str = Field("", alias="ASTROFINANCE_TRUSTED_PROXIES")
    secure_cookies: bool = Field(False, alias="ASTROFINANCE_SECURE_COOKIES")
    """The web UI's cookies are Secure over HTTPS; true: always (behind a TLS proxy)."""
    api_cache_seconds: float = Field(10, ge=0, le=3600, alias="ASTROFINANCE_API_CACHE_SECONDS")
    api_cache_rows: int = Field(1000, ge=1, le=100_000, alias="ASTROFINANCE_API_CACHE_ROWS")
    # monitoring and the configuration file (issue 7; docs/operations.md, "Monitoring")
    config_file: Path | None = Field(None, alias="ASTROFINANCE_CONFIG_FILE")
    """database.config.json (config_file.py); default ./database.config.json when present."""
    db_pool_size: int = Field(5, ge=1, le=1000, validation_alias=AliasChoices(
        "ASTROFINANCE_DB_POOL_SIZE", "DB_POOL_SIZE"))
    monitoring_enabled: bool = Field(True, validation_alias=AliasChoices(
        "ASTROFINANCE_MONITORING_ENABLED", "MONITORING_ENABLED"))
    slow_query_ms: int = Field(1000, ge=0, validation_alias=AliasChoices(
        "ASTROFINANCE_SLOW_QUERY_MS", "SLOW_QUERY_THRESHOLD"))
    """Statements slower than this are logged at WARNING (0: never)."""
    log_queries: bool = Field(False, validation_alias=AliasChoices(
        "ASTROFINANCE_LOG_QUERIES", "LOG_QUERIES"))
    log_query_params: bool = Field(False, validation_alias=AliasChoices(
        "ASTROFINANCE_LOG_QUERY_PARAMS", "LOG_QUERY_PARAMS"))
    """Logged queries carry their parameters: customers' names and phones reach the log."""
    log_format: str = Field("text", alias="ASTROFINANCE_LOG_FORMAT")
    metrics_allow: str = Field("127.0.0.1", alias="ASTROFINANCE_METRICS_ALLOW")
    """Client addresses that may read /metrics without a token (comma-separated)."""
    metrics_permission: str = Field("audit.read", alias="ASTROFINANCE_METRICS_PERMISSION")

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings,
                                   dotenv_settings, file_secret_settings):  # type: ignore[no-untyped-def]
        """Environment variables and .env override the configuration file (config_file.py),
        which overrides the defaults."""
        from astrofinance.config_file import ConfigFileSource

        return (init_settings, env_settings, dotenv_settings, ConfigFileSource(settings_cls),
                file_secret_settings)

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"text", "json"}:
            raise ValueError("must be text or json")
        return v

    @field_validator("profile")
    @classmethod
    def _profile(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"development", "test", "production"}:
            raise ValueError("must be development, test or production")
        return v

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(v)
        except Exception as e:
            raise ValueError(f"unknown time zone {v!r} (e.g. Africa/Lagos)") from e
        return v

    @field_validator("work_week")
    @classmethod
    def _work_week(cls, v: str) -> str:
        days = [d.strip()[:3].lower() for d in v.split(",") if d.strip()]
        if not days or any(d not in WEEKDAYS for d in days):
            raise ValueError("a comma-separated list of weekdays, e.g. Mon,Tue,Wed,Thu,Fri")
        return ",".join(d.title() for d in days)

    @field_validator("par_thresholds")
    @classmethod
    def _par(cls, v: str) -> str:
        try:
            vals = sorted({int(x) for x in v.split(",") if x.strip()})
        except ValueError as e:
            raise ValueError("a comma-separated list of whole numbers of days") from e
        if not vals or min(vals) < 0:
            raise ValueError("a comma-separated list of whole numbers of days")
        return ",".join(str(x) for x in vals)

    @property
    def work_week_isodow(self) -> list[int]:
        return sorted(WEEKDAYS[d.lower()] for d in self.work_week.split(","))

    @property
    def par_days(self) -> list[int]:
        return [int(x) for x in self.par_thresholds.split(",")]

    def today(self) -> dt.date:
        """Today in the business time zone."""
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(self.timezone)).date()

    def resolved_database_url(self) -> str | None:
        """The configured database URL, or None for the embedded default."""
        if self.database_url:
            return self.database_url
        prefixes = {"test": ["TEST_DB_", "DB_"], "production": ["PROD_DB_", "DB_"]}
        for prefix in prefixes.get(self.profile, ["DB_"]):
            url = _url_from_parts(prefix)
            if url:
                return url
        if self.profile == "production":
            raise ConfigurationError(
                "production profile needs DATABASE_URL or PROD_DB_*/DB_* variables; "
                "the embedded database is for development and demos"
            )
        return None


def _url_from_parts(prefix: str) -> str | None:
    env = {**_dotenv_values(), **os.environ}
    host = env.get(prefix + "HOST")
    name = env.get(prefix + "NAME")
    if not host or not name:
        return None
    user = quote(env.get(prefix + "USER", "postgres"), safe="")
    password = env.get(prefix + "PASSWORD")
    auth = f"{user}:{quote(password, safe='')}" if password else user
    port = env.get(prefix + "PORT", "5432")
    url = f"postgresql://{auth}@{host}:{port}/{quote(name, safe='')}"
    sslmode = env.get(prefix + "SSLMODE")
    return url + (f"?sslmode={sslmode}" if sslmode else "")


def _dotenv_values() -> dict[str, str]:
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(".env").items() if v is not None}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        return Settings()  # type: ignore[call-arg]  # values come from the environment
    except Exception as e:  # pydantic.ValidationError: show which variable is wrong
        raise ConfigurationError(f"invalid configuration: {e}") from e


def reset_settings() -> None:
    get_settings.cache_clear()
