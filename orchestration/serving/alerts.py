"""Where a failed nightly run is reported: a JSON line appended to a log file (always), and a
POST to a webhook when one is configured. Reporting never raises: a broken alert channel must
not hide the failure it reports, so its own error goes into the log file too."""

from __future__ import annotations

import json
import os
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from orchestration.settings import get_settings


def alert_log_path() -> Path:
    default = get_settings().warehouse_path.parent / "alerts.log"
    return Path(os.environ.get("EDUWH_ALERT_LOG", str(default)))


def write_alert(summary: str, **details: object) -> dict:
    record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "summary": summary, **details}
    webhook = os.environ.get("EDUWH_ALERT_WEBHOOK")
    if webhook:
        try:
            request = urllib.request.Request(
                webhook,
                data=json.dumps(record, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(request, timeout=5).close()
            record["webhook"] = "sent"
        except OSError as exc:
            record["webhook"] = f"not sent: {exc}"
    path = alert_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return record
