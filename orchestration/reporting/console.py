"""The operator's progress display for `eduwh build`: one line per step and per asset as the
run goes, on the terminal, while the full Dagster and dbt log goes to the run's log file. A step
that materialises many assets (the dbt build: every seed and model) shows its first asset and
then a line per tenth of the run's assets, so a whole run takes a screen, not three.

It is a Dagster logger (`progress`), so it sees the same structured events the UI shows, and is
switched on only by the CLI's run config: runs from the UI, the schedule or a sensor do not pay
for it.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

from dagster import Field, Int, logger

# Dagster puts the structured event on each log record under this attribute.
_META = "dagster_meta"


class ProgressHandler(logging.Handler):
    """Writes `[  12.3s]  5/63  raw/pupils` lines for materialised assets, step starts and
    failures, and a running count of asset checks."""

    def __init__(self, stream: TextIO, total_assets: int) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream
        self.total = total_assets
        # within a step, an asset after its first is shown at every tenth of the run
        self.every = max(1, -(-total_assets // 10))
        self.steps_with_assets: set[str] = set()
        self.step_assets: dict[str, int] = {}
        self.step_checks: dict[str, int] = {}
        self.started = time.monotonic()
        self.assets = 0
        self.checks_passed = 0
        self.checks_failed = 0

    def _write(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.stream.write(f"[{elapsed:7.1f}s] {text}\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, _META, None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self._write(f"started  {event.step_key}")
        elif kind == "ASSET_MATERIALIZATION":
            self.assets += 1
            first_of_step = event.step_key not in self.steps_with_assets
            self.steps_with_assets.add(event.step_key)
            self.step_assets[event.step_key] = self.step_assets.get(event.step_key, 0) + 1
            if first_of_step or self.assets % self.every == 0 or self.assets == self.total:
                key = "/".join(event.asset_key.path) if event.asset_key else "?"
                width = len(str(self.total))
                self._write(f"{self.assets:>{width}}/{self.total}  {key}")
        elif kind == "ASSET_CHECK_EVALUATION":
            passed = event.event_specific_data.passed
            self.checks_passed += passed
            self.checks_failed += not passed
            self.step_checks[event.step_key] = self.step_checks.get(event.step_key, 0) + 1
        elif kind == "STEP_SUCCESS":
            # a step of one asset and no checks has said all there is in its asset's line
            if self.step_assets.get(event.step_key) == 1 and not self.step_checks.get(
                event.step_key
            ):
                return
            self._write(
                f"finished {event.step_key} (checks so far: {self.checks_passed} passed, "
                f"{self.checks_failed} did not)"
            )
        elif kind == "STEP_FAILURE":
            self._write(f"FAILED   {event.step_key}: {event.message or ''}".rstrip())
        elif kind == "STEP_UP_FOR_RETRY":
            self._write(f"retrying {event.step_key}: {event.message or ''}".rstrip())


@logger(
    config_schema={"total_assets": Field(Int, default_value=0)},
    description="One line per step and materialised asset on the terminal (eduwh build).",
)
def progress_logger(init_context) -> logging.Logger:
    log = logging.getLogger(f"eduwh.progress.{init_context.run_id}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    # Dagster initialises a run's loggers more than once (run and step contexts): one handler.
    if not log.handlers:
        # sys.__stdout__: the CLI sends sys.stdout to the run's log file while the job runs.
        total = init_context.logger_config["total_assets"]
        log.addHandler(ProgressHandler(sys.__stdout__, total))
    return log
