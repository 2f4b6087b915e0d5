"""Paths shared by the tests. Tests never touch the developer's own warehouse or landing folder:
each points the settings at a temporary folder through the environment."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
PLANS_DIR = PROJECT_DIR.parent / "shared" / "plans"
# The bad-input corpus of the loaders (tests/ingest/corpus/README.md); its `_base` (three schools
# of 卧龙区) is the smallest landing folder the whole job runs on.
CORPUS_DIR = PROJECT_DIR / "tests" / "ingest" / "corpus"
