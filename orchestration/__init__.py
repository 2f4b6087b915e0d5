"""The Python side of the education plan warehouse, one package per concern, in layers.

| layer | package | what lives there |
|---|---|---|
| 0 | `settings`, `failpoints` | where things live (from the environment); crash injection |
| 1 | `ingest` | extract contracts, readers, validation, privacy, loaders |
| 1 | `serving` | write-audit-publish, rollback, exports, crash recovery, alerts |
| 1 | `expectations` (beside this package) | target catalogue, Great Expectations suite |
| 2 | `reporting` | run summary, plan-progress report (Jinja2 templates), progress display |
| 2 | `demo` | the synthetic extracts, one module per extract, and bureau-style delivery |
| 3 | `definitions` | the Dagster code location: one `Definitions`, one module per layer |
| 4 | `cli` | `eduwh`: argument parsing and calls into the layers below, nothing more |

A module imports only from its own package and from lower layers: never from a higher layer,
nor from another package of its own layer (`tests/test_architecture.py` checks every import,
including those inside functions). Rooms for what comes next are declared already: plan
documents → target catalogue in `plans` and a second transformation engine in `spark` (both
layer 2); a new extract is a contract in `ingest` and a module in `demo`.
"""

# Lowest layer first; entries are module or package names. tests/test_architecture.py fails on
# an import that goes up or sideways, and on a module that belongs to no layer.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("orchestration.settings", "orchestration.failpoints"),
    ("orchestration.ingest", "orchestration.serving", "expectations"),
    ("orchestration.reporting", "orchestration.demo", "orchestration.plans", "orchestration.spark"),
    ("orchestration.definitions",),
    ("orchestration.cli",),
)
