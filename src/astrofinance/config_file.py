"""The configuration file: the seed's `database.config.json` (docs/operations.md,
"Configuration file").

    {"development": {"host": "localhost", "port": 5432, "database": "astrofinance",
                     "user": "postgres", "password": "", "poolSize": 10, "ssl": false},
     "test": {...}, "production": {...},
     "backup": {"enabled": true, "schedule": "0 2 * * *", "retentionDays": 30,
                "retentionCount": 10, "path": "./backups"},
     "monitoring": {"enabled": true, "slowQueryThreshold": 1000, "logQueries": false,
                    "logQueryParams": false},
     "maintenance": {"backupBeforeMaintenance": true,
                     "vacuum": {"enabled": true, "schedule": "0 3 * * 0"}, "reindex": {...},
                     "refreshViews": {...}}}

ASTROFINANCE_CONFIG_FILE names it (default ./database.config.json when present); the profile
(ASTROFINANCE_PROFILE) picks the environment, whose backup/monitoring/maintenance sections (if
any) override the top-level ones. Keys match in camelCase, snake_case or any case. Each value
becomes the environment variable the Settings read (e.g. monitoring.slowQueryThreshold is
ASTROFINANCE_SLOW_QUERY_MS); a real environment variable (or .env) wins over the file. The
environment's connection becomes DATABASE_URL, each part overridable by DB_HOST, DB_PORT,
DB_NAME, DB_USER, DB_PASSWORD, DB_SSLMODE (TEST_DB_*/PROD_DB_* first for those profiles), so
the password can stay out of the file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

from astrofinance.errors import ConfigurationError

FILE_ENV = "ASTROFINANCE_CONFIG_FILE"
DEFAULT_FILE = "database.config.json"
ENVIRONMENTS = {"development": "development", "dev": "development", "test": "test",
                "production": "production", "prod": "production"}
PREFIXES = {"test": ["TEST_DB_", "DB_"], "production": ["PROD_DB_", "DB_"],
            "development": ["DB_"]}

# section -> normalized key -> (environment variable, kind)
SECTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "backup": {
        "enabled": ("ASTROFINANCE_BACKUP_ENABLED", "bool"),
        "schedule": ("ASTROFINANCE_BACKUP_SCHEDULE", "str"),
        "retentiondays": ("ASTROFINANCE_BACKUP_RETENTION_DAYS", "int"),
        "retentioncount": ("ASTROFINANCE_BACKUP_RETENTION_COUNT", "int"),
        "path": ("ASTROFINANCE_BACKUP_PATH", "str"),
    },
    "monitoring": {
        "enabled": ("ASTROFINANCE_MONITORING_ENABLED", "bool"),
        "slowquerythreshold": ("ASTROFINANCE_SLOW_QUERY_MS", "int"),
        "slowquerythresholdms": ("ASTROFINANCE_SLOW_QUERY_MS", "int"),
        "slowqueryms": ("ASTROFINANCE_SLOW_QUERY_MS", "int"),
        "logqueries": ("ASTROFINANCE_LOG_QUERIES", "bool"),
        "logqueryparams": ("ASTROFINANCE_LOG_QUERY_PARAMS", "bool"),
    },
    "maintenance": {
        "backupbeforemaintenance": ("ASTROFINANCE_BACKUP_BEFORE_MAINTENANCE", "bool"),
        "backupbefore": ("ASTROFINANCE_BACKUP_BEFORE_MAINTENANCE", "bool"),
        **{f"{task}{what}": (f"ASTROFINANCE_{env}_{what.upper()}", kind)
           for task, env in (("vacuum", "VACUUM"), ("reindex", "REINDEX"),
                             ("refreshviews", "REFRESH_VIEWS"))
           for what, kind in (("enabled", "bool"), ("schedule", "str"))},
    },
}
CONNECTION: dict[str, str] = {   # normalized key -> part
    "host": "HOST", "port": "PORT", "database": "NAME", "name": "NAME", "dbname": "NAME",
    "user": "USER", "username": "USER", "password": "PASSWORD", "ssl": "SSL",
    "sslmode": "SSL", "poolsize": "POOL", "poolmax": "POOL", "pool": "POOL", "max": "POOL",
}


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


def _env(name: str) -> str | None:
    """A variable from the environment, else from .env."""
    if name in os.environ:
        return os.environ[name]
    from astrofinance.config import _dotenv_values

    return _dotenv_values().get(name)


def config_path() -> Path | None:
    """The configuration file in use: ASTROFINANCE_CONFIG_FILE (which must exist), else
    ./database.config.json when present, else None."""
    named = _env(FILE_ENV)
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"{FILE_ENV}={named}: no such file")
        return path
    default = Path(DEFAULT_FILE)
    return default if default.is_file() else None


def profile() -> str:
    value = (_env("ASTROFINANCE_PROFILE") or "development").strip().lower()
    return ENVIRONMENTS.get(value, value)


@dataclass
class FileValues:
    """What a configuration file says for one environment."""

    path: Path
    environment: str
    values: dict[str, Any] = field(default_factory=dict)   # environment variable -> value
    ignored: list[str] = field(default_factory=list)       # keys not understood


def read(path: Path) -> dict[str, Any]:
    """The file's JSON object, or a ConfigurationError naming the file and the problem."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigurationError(f"{path}: cannot be read: {e.strerror}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigurationError(f"{path}: not valid JSON: {e.msg} at line {e.lineno} "
                                 f"column {e.colno}") from None
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: must hold a JSON object "
                                 "(environments and sections), not a " + type(data).__name__)
    return data


def load(path: Path, environment: str) -> FileValues:
    """The values of `environment` (development, test or production) in the file at `path`."""
    data = read(path)
    out = FileValues(path, environment)
    env_block: dict[str, Any] = {}
    for key, value in data.items():
        nk = _norm(key)
        if nk in ENVIRONMENTS:
            if not isinstance(value, dict):
                raise ConfigurationError(f"{path}: {key!r} must be an object "
                                         "(host, port, database, ...)")
            if ENVIRONMENTS[nk] == environment:
                env_block = value
        elif nk in SECTIONS:
            _section(out, nk, value, key)
        else:
            out.ignored.append(key)
    parts: dict[str, Any] = {}
    for key, value in env_block.items():
        nk = _norm(key)
        where = f"{environment}.{key}"
        if nk in SECTIONS:
            _section(out, nk, value, where)
        elif nk in CONNECTION:
            part = CONNECTION[nk]
            if part == "POOL" and isinstance(value, dict):   # node-postgres {"pool": {"max"}}
                value = value.get("max")
                if value is None:
                    continue
            parts[part] = _check(path, where, value, "ssl" if part == "SSL"
                                 else "int" if part in ("PORT", "POOL") else "str")
        else:
            out.ignored.append(where)
    if "POOL" in parts:
        out.values["ASTROFINANCE_DB_POOL_SIZE"] = parts.pop("POOL")
    if parts:
        url = _url(path, environment, parts)
        if url:
            out.values["DATABASE_URL"] = url
    return out


def _section(out: FileValues, section: str, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{out.path}: {where!r} must be an object")
    for key, v in _flatten(value):
        nk = _norm(key)
        if nk.startswith(section) and nk[len(section):] in SECTIONS[section]:
            nk = nk[len(section):]                    # backupRetentionDays in "backup"
        spec = SECTIONS[section].get(nk)
        if spec is None:
            out.ignored.append(f"{where}.{key}")
            continue
        env, kind = spec
        out.values[env] = _check(out.path, f"{where}.{key}", v, kind)


def _flatten(obj: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """{"vacuum": {"enabled": true}} -> [("vacuum.enabled", True)]."""
    out: list[tuple[str, Any]] = []
    for key, value in obj.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            out += _flatten(value, name)
        else:
            out.append((name, value))
    return out


def _check(path: Path, where: str, value: Any, kind: str) -> Any:
    """The value as the Settings read it (a string for the environment variable), or a
    ConfigurationError saying what the key must be."""
    if kind == "int":
        if isinstance(value, bool) or not (isinstance(value, int) or (
                isinstance(value, str) and value.strip().isdigit())):
            raise ConfigurationError(f"{path}: {where} must be a whole number, not {value!r}")
        return int(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
            return value.strip().lower() in ("true", "1")
        raise ConfigurationError(f"{path}: {where} must be true or false, not {value!r}")
    if kind == "ssl":   # true: require; false: no setting; a string: the sslmode
        if isinstance(value, bool):
            return "require" if value else ""
        if isinstance(value, dict):
            value = value.get("mode") or value.get("sslmode") or "require"
        if isinstance(value, str) and value in ("disable", "allow", "prefer", "require",
                                                "verify-ca", "verify-full", ""):
            return value
        raise ConfigurationError(f"{path}: {where} must be true, false or an sslmode "
                                 f"(require, verify-full, ...), not {value!r}")
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise ConfigurationError(f"{path}: {where} must be a string, not {value!r}")
    return str(value)


def _url(path: Path, environment: str, parts: dict[str, Any]) -> str | None:
    """DATABASE_URL from the file's parts, each overridable by the profile's DB_* variables."""
    for part in ("HOST", "PORT", "NAME", "USER", "PASSWORD", "SSLMODE"):
        for prefix in PREFIXES.get(environment, ["DB_"]):
            value = _env(prefix + part)
            if value:
                parts["SSL" if part == "SSLMODE" else part] = value
                break
    host, name = parts.get("HOST"), parts.get("NAME")
    if not host or not name:
        return None
    user = quote(str(parts.get("USER") or "postgres"), safe="")
    password = parts.get("PASSWORD")
    auth = f"{user}:{quote(str(password), safe='')}" if password else user
    url = f"postgresql://{auth}@{host}:{parts.get('PORT') or 5432}/{quote(str(name), safe='')}"
    return url + (f"?sslmode={parts['SSL']}" if parts.get("SSL") else "")


def current() -> FileValues | None:
    """The configuration file's values for the current profile (None: no file)."""
    path = config_path()
    return load(path, profile()) if path else None


class ConfigFileSource(PydanticBaseSettingsSource):
    """The configuration file as a pydantic-settings source (below the environment)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False   # __call__ gives the whole mapping at once

    def __call__(self) -> dict[str, Any]:
        found = current()
        return dict(found.values) if found else {}


# ---- `astrofinance config show` -----------------------------------------------------------

SECRET_NAME = re.compile(r"password|passwd|token|secret|(^|_)(api_?)?key$", re.IGNORECASE)
URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


def mask(name: str, value: Any) -> str:
    """A value fit to show: secrets as ***, URLs' passwords as ***."""
    if value is None:
        return ""
    shown = str(value)
    if SECRET_NAME.search(name) and shown:
        return "***"
    return URL_PASSWORD.sub(r"\1***@", shown)


@dataclass(frozen=True)
class Effective:
    setting: str    # the environment variable
    value: str      # masked
    source: str     # default, file, env or .env


def effective(settings: Any) -> list[Effective]:
    """Every setting's value (masked) and where it came from, then the file's values that no
    setting of this version reads."""
    from astrofinance.config import _dotenv_values

    found = current()
    file_values = found.values if found else {}
    dotenv = _dotenv_values()
    rows: list[Effective] = []
    seen: set[str] = set()
    for name, info in type(settings).model_fields.items():
        names = _names(name, info)
        seen.update(names)
        if any(n in os.environ for n in names):
            source = "env"
        elif any(n in dotenv for n in names):
            source = ".env"
        elif any(n in file_values for n in names):
            source = "file"
        else:
            source = "default"
        rows.append(Effective(names[0], mask(names[0], getattr(settings, name)), source))
    for env, value in file_values.items():
        if env not in seen:
            source = "env" if env in os.environ else ".env" if env in dotenv else "file"
            rows.append(Effective(env, mask(env, _env(env) if source != "file" else value),
                                  source))
    return rows


def _names(name: str, info: FieldInfo) -> list[str]:
    from pydantic import AliasChoices

    alias = info.validation_alias or info.alias
    if isinstance(alias, AliasChoices):
        return [str(c) for c in alias.choices]
    return [str(alias)] if alias else [name.upper()]
