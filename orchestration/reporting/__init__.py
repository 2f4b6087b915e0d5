"""What people read about a run and about the plans' progress.

- `summary` — the run summary `eduwh build` and `make demo` print: totals per extract, the
  files with quarantined rows or refusals, plan targets per region, the worst misses, and where
  the rest is (`eduwh audit`, the report);
- `report` — the plan-progress report, one static HTML page rendered from the Jinja2 templates
  in `templates/` (SVG charts drawn by template macros);
- `console` — the progress display of `eduwh build` (a Dagster logger: one line per step).

Layer 2 (see `orchestration`): may import layer 0 and 1 (`orchestration.settings`,
`orchestration.failpoints`, `orchestration.ingest`, `orchestration.serving`, `expectations`)
and its own modules; never demo, the Dagster definitions or the CLI.
"""
