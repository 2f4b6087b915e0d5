"""Serving: what BI tools and analysts open, and keeping it whole.

- `publish` — write-audit-publish: a run builds a fresh staging copy; a passing build is copied
  beside the serving file and renamed over it (atomic), earlier versions kept for rollback; the
  marts exported as Parquet;
- `crash_recovery` — releases what a killed `eduwh run` leaves in Dagster's run storage (the
  single writer slot), so the next run can start;
- `alerts` — where a failed run is reported (log file, webhook);
- `event_log` — the Dagster instance's event log (Dagster's SQLite files, one pooled connection
  per file instead of one per event).

Layer 1 (see `orchestration`): may import `orchestration.settings`, `orchestration.failpoints`
and its own modules; never ingest, reporting, demo, the Dagster definitions or the CLI.
Dagster itself is imported only inside the functions that need it, and by `event_log`, which
only a Dagster instance imports (orchestration/dagster.yaml names it).
"""
