"""Fixtures for the dashboard tests: seeded databases and AppTest runners."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.dashboard.seed import build_db, build_empty_db

APP = "../../dashboard/app.py"  # relative to this folder, as AppTest.from_file wants


@pytest.fixture(autouse=True)
def _clear_streamlit_cache() -> Iterator[None]:
    """st.cache_data outlives a test; every test starts cold."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def seeded_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with three crawls of a small US market; RATEBENCH_DB points at it."""
    path = build_db(tmp_path / "seeded.duckdb")
    monkeypatch.setenv("RATEBENCH_DB", str(path))
    return path


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = build_empty_db(tmp_path / "empty.duckdb")
    monkeypatch.setenv("RATEBENCH_DB", str(path))
    return path


@pytest.fixture
def missing_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "nowhere" / "missing.duckdb"
    monkeypatch.setenv("RATEBENCH_DB", str(path))
    return path


@pytest.fixture
def open_page() -> Callable[[str], AppTest]:
    """Run the app, switch to views/<name>.py, run again; return the AppTest."""

    def run(name: str) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        if name != "market":
            at.switch_page(f"views/{name}.py")
            at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    return run
