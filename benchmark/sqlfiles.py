"""SQL lives in .sql files under benchmark/sql and is loaded by name ("marts/bands")."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def load_sql(name: str) -> str:
    """Text of benchmark/sql/<name>.sql; parameters in it are bound with `?` or `$name`."""
    path = resources.files("benchmark").joinpath("sql", f"{name}.sql")
    if not path.is_file():
        raise FileNotFoundError(f"no SQL file named {name!r} (looked for {path})")
    return path.read_text(encoding="utf-8")
