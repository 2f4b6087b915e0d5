"""Shared fixtures. Tests never touch the developer's own warehouse or landing folder: each
points the settings at a temporary folder through the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
PLANS_DIR = PROJECT_DIR.parent / "shared" / "plans"


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    warehouse = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("EDUWH_LANDING_DIR", str(landing))
    monkeypatch.setenv("EDUWH_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("EDUWH_DEMO", "1")
    return landing, warehouse
