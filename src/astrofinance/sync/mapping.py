"""Mapping files (TOML): how a SQL source's tables map to the canonical entities.

A mapping names, per entity, the source rows (`from`, `where`), their key and change-tracking
column, and an SQL expression over the source row for each canonical field (the CSV bundle's
columns, sync/spec.py). The expressions are the operator's configuration, run on the source's
read-only connection; canonical field and entity names are checked against the whitelist here.
The built-in mappings live in sync/mappings/<name>.toml (`django-ajo` is the default).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from astrofinance.errors import ConfigurationError
from astrofinance.sync.source_spec import SOURCE_ENTITIES
from astrofinance.sync.spec import Column, FileSpec

DEFAULT_MAPPING = "django-ajo"
KEY_TYPES = ("bigint", "integer", "text", "uuid")
_ENTITY_KEYS = {"from", "where", "key", "key_type", "changed", "columns", "values"}


@dataclass(frozen=True)
class EntityMapping:
    """One entity of a mapping."""

    spec: FileSpec
    source: str                         # `from`: a table or a parenthesised query
    key: str
    key_type: str = "bigint"
    where: str | None = None
    changed: str | None = None
    columns: dict[str, str] = field(default_factory=dict)      # canonical -> SQL expression
    values: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    def mapped(self) -> list[Column]:
        """The spec's columns this mapping fills, in the spec's order."""
        return [c for c in self.spec.columns if c.name in self.columns]


@dataclass(frozen=True)
class Mapping:
    name: str
    description: str
    entities: dict[str, EntityMapping]
    path: str

    def entity(self, name: str) -> EntityMapping:
        if name not in self.entities:
            raise ConfigurationError(f"mapping {self.name!r} has no [{name}] entity")
        return self.entities[name]


def builtin_names() -> list[str]:
    folder = resources.files("astrofinance.sync") / "mappings"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir()
                  if p.name.endswith(".toml"))


def load_mapping(name_or_path: str | None = None) -> Mapping:
    """A built-in mapping by name, or a mapping file by path."""
    name_or_path = name_or_path or DEFAULT_MAPPING
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigurationError(f"mapping file {path} does not exist")
        text, where = path.read_text(encoding="utf-8"), str(path)
    elif name_or_path in builtin_names():
        res = resources.files("astrofinance.sync") / "mappings" / f"{name_or_path}.toml"
        text, where = res.read_text(encoding="utf-8"), f"built-in {name_or_path}"
    else:
        raise ConfigurationError(f"no mapping {name_or_path!r}: give a .toml file or one of "
                                 f"{', '.join(builtin_names())}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"mapping {where}: not valid TOML: {e}") from None
    return parse_mapping(data, where)


def parse_mapping(data: dict[str, Any], where: str) -> Mapping:
    """Check a mapping's structure against the canonical entities and fields."""
    problems: list[str] = []
    entities: dict[str, EntityMapping] = {}
    for key, value in data.items():
        if key in ("name", "description"):
            continue
        if key not in SOURCE_ENTITIES:
            problems.append(f"[{key}]: not an entity ({', '.join(SOURCE_ENTITIES)})")
        elif not isinstance(value, dict):
            problems.append(f"{key}: must be a table")
        else:
            entity = _entity(SOURCE_ENTITIES[key], value, problems)
            if entity:
                entities[key] = entity
    if problems:
        raise ConfigurationError(f"mapping {where} has problems: " + "; ".join(problems))
    name = str(data.get("name") or Path(where).stem)
    return Mapping(name, str(data.get("description", "")), entities, where)


def _entity(spec: FileSpec, t: dict[str, Any], problems: list[str]) -> EntityMapping | None:
    n = spec.name
    problems += [f"[{n}] {k}: unknown setting" for k in t if k not in _ENTITY_KEYS]
    for k in ("from", "key"):
        if not isinstance(t.get(k), str) or not t[k].strip():
            problems.append(f"[{n}] {k}: required (a non-empty string)")
    key_type = t.get("key_type", "bigint")
    if key_type not in KEY_TYPES:
        problems.append(f"[{n}] key_type: one of {', '.join(KEY_TYPES)}")
    columns = t.get("columns", {})
    known = spec.by_name()
    problems += [f"[{n}.columns] {c}: not a field of {n} ({', '.join(known)})"
                 for c in columns if c not in known]
    problems += [f"[{n}.columns] {c.name}: required" for c in spec.columns
                 if c.required and c.name not in columns and not _derived(spec, c, columns)]
    values = t.get("values", {})
    problems += [f"[{n}.values] {c}: not a mapped field" for c in values if c not in columns]
    if any(p.startswith(f"[{n}") for p in problems):
        return None
    return EntityMapping(spec, t["from"], t["key"], key_type, t.get("where"), t.get("changed"),
                         {str(k): str(v) for k, v in columns.items()},
                         {c: {str(a).strip().upper(): str(b) for a, b in m.items()}
                          for c, m in values.items()})


def _derived(spec: FileSpec, column: Column, columns: dict[str, Any]) -> bool:
    """Loans may give their last due date instead of the number of installments."""
    return (spec.name == "loans" and column.name == "installments"
            and "last_payment_due_date" in columns)
