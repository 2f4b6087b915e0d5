"""Data Docs open offline: no page fetches anything from the internet, and every local file a
page loads exists."""

import re
from pathlib import Path

import pandas as pd

from expectations.catalogue import enforceable_targets
from expectations.data_docs import remote_resources
from expectations.suite import MART_COLUMNS, validate_targets


def local_resources(site: Path) -> list[Path]:
    found = []
    for page in site.rglob("*.html"):
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", page.read_text(encoding="utf-8")):
            for ref in re.findall(r"""(?:src|href)=["']([^"'#?]+)""", tag):
                if not ref.startswith(("http://", "https://", "data:")):
                    found.append((page.parent / ref).resolve())
    return found


def test_data_docs_are_built_with_local_assets_only(tmp_path):
    targets = enforceable_targets()[:3]
    mart = pd.DataFrame(
        [
            (t.region_code, t.target_year, t.indicator_id, 1.0, True, None, t.breakdown)
            for t in targets
        ],
        columns=MART_COLUMNS,
    )
    site = tmp_path / "docs"
    validate_targets(mart, targets, docs_dir=site)
    index = site / "index.html"
    assert index.exists()
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 2  # the index and the validation result
    assert remote_resources(site) == []
    loaded = local_resources(site)
    assert any(p.name == "bootstrap.min.css" for p in loaded)
    assert any(p.name == "vega.min.js" for p in loaded)
    assert [p for p in loaded if not p.exists()] == []
    assert targets[0].target_id in "".join(p.read_text(encoding="utf-8") for p in pages)
