"""The SMS settings (environment variables and `.env`; documented in .env.example)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from astrofinance.errors import ConfigurationError

PROVIDERS = ("console", "http", "africastalking")
AT_SANDBOX_URL = "https://api.sandbox.africastalking.com"


class SmsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)

    provider: str = Field("console", alias="ASTROFINANCE_SMS_PROVIDER")
    quiet_start: dt.time = Field(dt.time(20, 0), alias="ASTROFINANCE_SMS_QUIET_START")
    quiet_end: dt.time = Field(dt.time(8, 0), alias="ASTROFINANCE_SMS_QUIET_END")
    max_attempts: int = Field(3, ge=1, le=20, alias="ASTROFINANCE_SMS_MAX_ATTEMPTS")
    retry_seconds: float = Field(60, ge=0, alias="ASTROFINANCE_SMS_RETRY_SECONDS")
    batch_size: int = Field(100, ge=1, le=10_000, alias="ASTROFINANCE_SMS_BATCH_SIZE")
    timeout_seconds: float = Field(15, gt=0, alias="ASTROFINANCE_SMS_TIMEOUT_SECONDS")
    http_url: str | None = Field(None, alias="ASTROFINANCE_SMS_HTTP_URL")
    http_token: SecretStr | None = Field(None, alias="ASTROFINANCE_SMS_HTTP_TOKEN")
    at_base_url: str = Field(AT_SANDBOX_URL, alias="ASTROFINANCE_SMS_AT_BASE_URL")
    at_username: str = Field("sandbox", alias="ASTROFINANCE_SMS_AT_USERNAME")
    at_api_key: SecretStr | None = Field(None, alias="ASTROFINANCE_SMS_AT_API_KEY")
    at_sender: str | None = Field(None, alias="ASTROFINANCE_SMS_AT_SENDER")

    @field_validator("provider")
    @classmethod
    def _provider(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in PROVIDERS:
            raise ValueError(f"must be one of {', '.join(PROVIDERS)}")
        return v


def sms_settings() -> SmsSettings:
    """The SMS settings now (read afresh: the web server and the CLI see a changed .env)."""
    try:
        return SmsSettings()  # type: ignore[call-arg]  # values come from the environment
    except Exception as e:  # pydantic.ValidationError: say which variable is wrong
        raise ConfigurationError(f"invalid SMS configuration: {e}") from e
