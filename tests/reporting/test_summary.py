"""The run summary is a screen, not a log: of the files only those with quarantined rows or
refusals, of the targets the table per region and the worst misses, and it says where the rest
is (`eduwh audit`, the report)."""

from orchestration.ingest.loaders import FileLoadResult
from orchestration.reporting.summary import SHOWN_FILES, SHOWN_MISSES, RunSummary

EXTRACT = {
    "files": 0,
    "files_loaded": 0,
    "files_unchanged": 0,
    "files_refused": 0,
    "rows_read": 0,
    "rows_loaded": 0,
    "rows_quarantined": 0,
    "rows_in_warehouse": 0,
}


def target(i: int, status: str, binding: str = "expected", gap: float = -1.0) -> dict:
    return {
        "check": f"t{i:03d}",
        "passed": status in ("met", "on_track"),
        "severity": "ERROR" if binding == "binding" and status == "missed" else "WARN",
        "region": "洛阳市 (410300)",
        "indicator": f"indicator_{i:03d}",
        "year": 2025,
        "actual": f"{50 + gap:.2f}",
        "target": ">= 50 %",
        "status": status,
        "quote": f"plan sentence {i}",
        "gap": gap,
        "due": 50.0,
        "failures": "none",
        "binding": binding,
    }


def summary(files: list[FileLoadResult], targets: list[dict]) -> str:
    run = RunSummary(
        success=True,
        extracts={"pupils": dict(EXTRACT, files=len(files))},
        files=files,
        targets=targets,
        published="/srv/serving/warehouse.duckdb",
        outputs={"Plan progress report": "/srv/serving/report/index.html"},
    )
    return run.render()


def test_only_files_that_lost_rows_or_were_refused_are_listed():
    clean = [
        FileLoadResult("pupils", f"pupils/p_{i}.csv", "h", "loaded", 10, 10) for i in range(30)
    ]
    held = FileLoadResult("pupils", "pupils/held.csv", "h", "loaded", 10, 8, 2, reasons={"x": 2})
    refused = FileLoadResult("pupils", "pupils/bad.csv", "h", "refused", message="bad.csv: empty")
    text = summary([*clean, held, refused], [])
    assert "pupils/held.csv" in text and "pupils/bad.csv" in text and "bad.csv: empty" in text
    assert "pupils/p_" not in text
    assert "2 of the 32 this run loaded or refused" in text
    many = [
        FileLoadResult("pupils", f"pupils/q_{i:02d}.csv", "h", "loaded", 10, 9, 1)
        for i in range(SHOWN_FILES + 3)
    ]
    text = summary(many, [])
    assert f"pupils/q_{SHOWN_FILES - 1:02d}.csv" in text and f"q_{SHOWN_FILES:02d}" not in text
    assert "… and 3 more: `eduwh audit`" in text


def test_the_worst_misses_are_shown_worst_first_and_the_rest_is_pointed_to():
    targets = [target(i, "missed", gap=-float(i)) for i in range(1, 31)]
    targets += [target(99, "missed", binding="binding", gap=-0.5), target(100, "met", gap=2.0)]
    lines = summary([], targets).splitlines()
    start = lines.index(f"Worst misses ({SHOWN_MISSES} of 31; ERROR = a binding target):")
    shown = lines[start + 1 : start + 1 + SHOWN_MISSES]
    # the binding miss first, then the largest shortfall
    assert shown[0].startswith("  ERROR 洛阳市 (410300) · indicator_099 · 2025: actual 49.50")
    assert "indicator_030" in shown[1] and "indicator_029" in shown[2]
    assert all(">= 50 %" in line and "“plan sentence" in line for line in shown)
    assert not lines[start + 1 + SHOWN_MISSES].startswith("  WARN")
    text = "\n".join(lines)
    assert "indicator_100" not in text.split("Worst misses")[1]  # a met target is no miss
    assert "`eduwh audit`" in text and "/srv/serving/report/index.html" in text
    assert len(lines) < 60
