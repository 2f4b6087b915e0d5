"""Load landing files into the DuckDB `raw` schema: validated, pseudonymised, versioned, audited.

Every file in `<landing>/<extract>/` is read and prepared (`readers`, `validation.prepare`: text
columns named by the contract, personal columns dropped, ids replaced by a keyed hash) by a
worker thread. DuckDB then checks and writes the files in batches of about BATCH_ROWS rows,
set-based: one normalisation, one pass of the contract's checks (`contracts`, `validation`) and
one insert per batch, then per file, in delivery order, in one transaction
(shared with the files before and after it, about a million rows at a time):

- rows that break the contract go to `raw._quarantine` (file, row, column, value, reason code);
- the other rows go to `raw.<extract>_history` with `_source_file`, `_file_hash`, `_row_number`
  (the row as a spreadsheet shows it) and `_loaded_at`;
- `raw._load_audit` gets one row per file version: rows read = rows loaded + rows quarantined;
- the file supersedes the earlier file for the same extract, region and year, so the view
  `raw.<extract>` shows current rows only while the history keeps every version.

A batch is judged file by file exactly as if each file were loaded alone (duplicate keys within
a file, the quarantine threshold per file, a later delivery superseding an earlier one of the
same batch). A file whose content was seen before changes nothing. A file that cannot be used at
all (or has more bad rows than the threshold) is refused with one sentence and the other files
still load. Personal data never reach the warehouse: personal columns are dropped by the reader
and pupil and teacher ids are replaced by a keyed hash before the table is registered with
DuckDB.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.failpoints import failpoint
from orchestration.ingest.contracts import (
    CONTRACTS,
    ExtractContract,
    region_descendants,
    same_county_codes,
)
from orchestration.ingest.readers import (
    MANIFEST_SUFFIX,
    FileRefused,
    ParsedFile,
    read_file,
    read_manifest,
)
from orchestration.ingest.reported import EXTRACT as REPORTS_EXTRACT
from orchestration.ingest.reported import add_report_issues
from orchestration.ingest.validation import (
    Prepared,
    Pseudonymiser,
    canonical_sql,
    checks_sql,
    normalise_sql,
    prepare,
    redact_personal_values_sql,
    stored_value,
)
from orchestration.settings import get_settings

DEFAULT_MAX_QUARANTINE_SHARE = 0.05
# Committing once per file made the commit the largest cost of the loader's DuckDB thread (a
# county's pupil file is smaller than one DuckDB row group, 122,880 rows, and DuckDB checkpoints
# whenever its write-ahead log passes 16 MB). Committing about a million rows at a time and
# checkpointing every 1 GB of log measured faster: bench/NOTES.md.
COMMIT_EVERY_ROWS = 1_000_000
LOADER_CHECKPOINT_THRESHOLD = "1GB"
# DuckDB's block allocator keeps up to this much of the loader's freed buffer memory for reuse
# instead of handing it back to the system and faulting it in again for the next batch. It only
# holds blocks DuckDB has used and freed, so it should not raise the peak (not measured apart),
# and it is freed when the database closes (the loader's connection is its only one). The city
# tier's load, three runs each: system time 2.9-3.1 s against 3.4-4.0 s and a quarter fewer
# page faults (wall time 17.5-17.9 s against 17.8-18.5 s, within the spread between runs).
LOADER_BLOCK_ALLOCATOR_MEMORY = "2GB"
# Files are validated and written in batches of about this many rows: one set of statements per
# batch rather than per file (a school or funding file has a few hundred rows, and the fixed cost
# of a file's dozen statements was most of its load). The readers run at most READ_AHEAD_BYTES
# of landing files ahead of DuckDB.
# A million rows, not half a million: DuckDB's parallel insert leaves a partly filled row group
# per thread at the end of each statement, and with half-million batches neighbouring partial
# row groups were small enough for DuckDB to merge them at a later checkpoint. dbt's first
# build after a load paid for that rewrite (province raw.pupils_history: 1,018 row groups after
# the load; five checkpoints took 6.5-0.4 s each and left 993, 968, 943, 931 and 930; dbt
# 90-97 s against 75-76 s once merged). With million-row batches a province load left 949 row
# groups and a checkpoint merged none, and half as many statements per row cost less CPU (one
# province load: 247 s, user 408 s, against 275 and 300 s, user 422-473 s). bench/NOTES.md.
# The batch is capped at COMMIT_EVERY_ROWS (`_load_extract`): raising only this does nothing.
BATCH_ROWS = 1_000_000
READ_AHEAD_BYTES = 96 * 2**20
# Files are parsed by this many threads (pyarrow's parser releases the GIL) and prepared by one:
# with one thread doing both, the reading was the loader's critical path and the machine's two
# cores were 1.4-1.6 busy (bench/NOTES.md).
READERS = 2
# pyarrow's default allocator (mimalloc) gave the loader's batch-sized buffers back to the
# system and faulted them in again for the next batch; jemalloc keeps them for reuse (the city
# tier's load, three runs each: system time 7.2-7.9 s against 4.2-4.3 s, wall 22.7-23.8 s
# against 21.4-22.0 s). ARROW_DEFAULT_MEMORY_POOL still decides when set.
if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc
        pa.set_memory_pool(pa.jemalloc_memory_pool())
# plan documents and their reviewed workbooks (orchestration/plans/catalogue.py reads them)
PLANS_FOLDER = "plans"
# `<extract>_<6-digit region>_<4-digit year>` at the start of a file name
IDENTITY_RE = re.compile(
    r"^(?P<extract>[a-z][a-z_]*?)_(?P<region>[0-9]{6})_(?P<year>[0-9]{4})(?![0-9])"
)
# Files that are not deliveries: hidden files, Excel lock files, generator and file manifests.
IGNORED_PREFIXES = (".", "~$", "_")


@dataclass
class FileLoadResult:
    extract: str
    source_file: str
    file_hash: str
    status: str  # loaded | unchanged | refused
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    blank_rows: int = 0
    values_normalised: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    message: str = ""
    region_code: str | None = None
    year: int | None = None
    file_format: str | None = None
    encoding: str | None = None
    personal_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    superseded_by: str | None = None  # a later file of the same batch

    def as_metadata(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], {}, "")}


@dataclass
class LoadRun:
    files: list[FileLoadResult]
    rows_in_warehouse: dict[str, int]

    def for_extract(self, extract: str) -> list[FileLoadResult]:
        return [f for f in self.files if f.extract == extract]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def max_quarantine_share() -> float:
    """Share of a file's rows that may be quarantined before the whole file is refused."""
    text = os.environ.get("EDUWH_QUARANTINE_MAX_SHARE")
    if not text:
        return DEFAULT_MAX_QUARANTINE_SHARE
    value = float(text)
    if not 0 <= value <= 1:
        raise ValueError(f"EDUWH_QUARANTINE_MAX_SHARE must be between 0 and 1, not {text}")
    return value


# ---------------------------------------------------------------- warehouse tables


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    legacy = con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' "
        "and table_type = 'BASE TABLE' and table_name in ('schools', 'pupils')"
    ).fetchall()
    if legacy:
        raise RuntimeError(
            "this warehouse has the raw layout of an earlier version (raw.schools is a table); "
            "delete the warehouse file (make clean) and load again"
        )
    con.execute(
        """
        create table if not exists raw._load_audit (
            extract varchar, source_file varchar, file_hash varchar, status varchar,
            is_current boolean, superseded_by varchar, region_code varchar, year integer,
            file_format varchar, encoding varchar, sheet varchar, header_row integer,
            rows_read bigint, rows_loaded bigint, rows_quarantined bigint, blank_rows bigint,
            values_normalised bigint, reasons varchar, personal_columns_dropped varchar,
            columns_ignored varchar, message varchar, loaded_at timestamp
        )
        """
    )
    con.execute(
        """
        create table if not exists raw._quarantine (
            extract varchar, source_file varchar, file_hash varchar, row_number bigint,
            column_name varchar, value varchar, reason_code varchar, quarantined_at timestamp
        )
        """
    )
    for contract in CONTRACTS.values():
        cols = ", ".join(f'"{c}" varchar' for c in contract.warehouse_columns)
        con.execute(
            f"create table if not exists raw.{contract.name}_history ({cols}, "
            "_source_file varchar, _file_hash varchar, _row_number bigint, _loaded_at timestamp)"
        )
        # The current version of every delivery; dbt reads these views.
        con.execute(
            f"create or replace view raw.{contract.name} as select * from "
            f"raw.{contract.name}_history where _file_hash in (select file_hash from "
            f"raw._load_audit where extract = '{contract.name}' and is_current)"
        )


# ---------------------------------------------------------------- the landing folder


@dataclass
class LandingFile:
    path: Path
    extract: str | None  # None: not a known extract
    manifest: dict
    problem: str | None = None  # why the file cannot even be attributed
    link: bool = False  # a symbolic link (or leading outside the folder): never read


def scan_landing(landing_dir: Path) -> list[LandingFile]:
    """Every delivery in the landing folder, attributed to an extract by its folder (or its
    manifest's `extract`)."""
    found = []
    root = landing_dir.resolve()
    entries = sorted(p for p in landing_dir.rglob("*") if p.is_symlink() or p.is_file())
    for path in entries:
        rel = path.relative_to(landing_dir)
        if any(part.startswith(IGNORED_PREFIXES) for part in rel.parts) or path.name.endswith(
            MANIFEST_SUFFIX
        ):
            continue
        # The landing folder is the boundary: a link (to a file or a folder, inside or out) is
        # refused without being followed, and so is anything that resolves outside the folder.
        if path.is_symlink() or not path.resolve().is_relative_to(root):
            found.append(
                LandingFile(
                    path,
                    None,
                    {},
                    f"{rel.as_posix()}: is a symbolic link, which the loader does not follow "
                    "(nothing outside the landing folder is read); copy the file itself into "
                    "the landing folder.",
                    link=True,
                )
            )
            continue
        if rel.parts[0] == PLANS_FOLDER and len(rel.parts) > 1:
            continue  # plan documents and reviews: the plan catalogue reads them, not a contract
        try:
            manifest = read_manifest(path)
        except FileRefused as exc:
            found.append(LandingFile(path, None, {}, str(exc)))
            continue
        extract = manifest.get("extract") or (rel.parts[0] if len(rel.parts) > 1 else None)
        if extract not in CONTRACTS:
            where = f"folder '{rel.parts[0]}'" if len(rel.parts) > 1 else "the landing root"
            found.append(
                LandingFile(
                    path,
                    None,
                    manifest,
                    f"{rel.as_posix()}: unknown extract kind (in {where}); put it in one of the "
                    "folders "
                    f"{', '.join(CONTRACTS)} or name the extract in its manifest.",
                )
            )
            continue
        found.append(LandingFile(path, extract, manifest))
    return found


def _identity(path: Path, extract: str, manifest: dict) -> tuple[str | None, int | None]:
    """(region, year) the file is for: from its manifest, else from its name."""
    m = IDENTITY_RE.match(path.stem)
    region = manifest.get("region_code") or (m.group("region") if m else None)
    year = manifest.get("year") or (int(m.group("year")) if m else None)
    if m and m.group("extract") != extract and "region_code" not in manifest:
        region = year = None  # a name like schools_… in the pupils folder says nothing
    if region is not None and str(region) not in region_descendants():
        raise FileRefused(f"{path}: region code {region} in its name or manifest is unknown.")
    if region is None or not year:
        # Without its region and year a delivery can never be superseded by the right one,
        # and loading both would count every pupil twice.
        raise FileRefused(
            f"{path}: the file's region and year are unknown; name it "
            f"{extract}_<region code>_<year>{path.suffix} (e.g. {extract}_411303_2024"
            f"{path.suffix}) or give region_code and year in {path.name}{MANIFEST_SUFFIX}."
        )
    return str(region), int(year)


# ---------------------------------------------------------------- one file


def _digest(lf: LandingFile, landing_dir: Path) -> str:
    if lf.link:  # a link is never followed, not even to hash what it points to
        name = lf.path.relative_to(landing_dir).as_posix()
        target = os.readlink(lf.path) if lf.path.is_symlink() else ""
        return hashlib.sha256(f"link:{name}:{target}".encode()).hexdigest()
    return file_sha256(lf.path)


def _earlier_deliveries(con, extract: str, digests: list[str]) -> dict[str, list[tuple]]:
    """The audit rows of earlier deliveries of the same bytes, per digest, in one query."""
    found: dict[str, list[tuple]] = {}
    if not digests:
        return found
    for digest, *row in con.execute(
        "select file_hash, source_file, status, message, loaded_at from raw._load_audit "
        "where extract = ? and file_hash in (select unnest(?))",
        [extract, digests],
    ).fetchall():
        found.setdefault(digest, []).append(tuple(row))
    return found


def _already_seen(earlier: list[tuple], name: str):
    """The earlier delivery of the same bytes: a loaded one first, then one of the same name,
    then the first."""
    # (an audit row without a time sorts last, as SQL's order by put it)
    ranked = sorted(
        earlier, key=lambda r: (r[1] != "loaded", r[0] != name, r[3] is None, r[3] or 0)
    )
    return ranked[0] if ranked else None


def _triage(
    extract: str,
    lf: LandingFile,
    landing_dir: Path,
    digest: str,
    earlier: list[tuple],
    batch: dict[str, str],
) -> FileLoadResult:
    """The file's result so far: `unchanged` if its content was seen before (in an earlier run,
    `earlier`, or earlier in this one, `batch`), else `loaded` pending the read."""
    name = lf.path.relative_to(landing_dir).as_posix()
    result = FileLoadResult(extract, name, digest, "loaded")
    seen = _already_seen(earlier, name)
    if seen and seen[1] == "refused" and seen[0] != name:
        # refused under another name (a name that gave no region and year, say): the same
        # bytes under a new name are a new delivery, to be judged again
        seen = None
    if seen:
        result.status = "unchanged"
        where = f" as {seen[0]}" if seen[0] != name else ""
        result.message = (
            f"same content as the file {seen[1]}{where} on {seen[3]:%Y-%m-%d %H:%M}"
            + (f" ({seen[2]})" if seen[1] == "refused" else "")
        )
    elif digest in batch:
        result.status = "unchanged"
        result.message = f"same content as {batch[digest]}, earlier in this run"
    else:
        batch[digest] = name
    return result


def _read(contract: ExtractContract, lf: LandingFile, result: FileLoadResult) -> ParsedFile:
    """Parse a file (runs in one of READERS threads). Raises FileRefused."""
    result.region_code, result.year = _identity(lf.path, contract.name, lf.manifest)
    return read_file(lf.path, contract, lf.manifest)


def _prepare(
    contract: ExtractContract, read: Future, result: FileLoadResult, pseudonymise: Pseudonymiser
) -> tuple[ParsedFile, Prepared]:
    """Normalise and pseudonymise a parsed file (runs in the one preparing thread, files in
    delivery order, so the Pseudonymiser sees each file after the one before it). Re-raises the
    read's FileRefused."""
    parsed = read.result()
    # current and retired codes: a file may be delivered under a county's retired code
    regions = sorted(region_descendants()[result.region_code]) if result.region_code else None
    return parsed, prepare(parsed.table, contract, pseudonymise, regions)


@dataclass
class _Read:
    """A file read and prepared, waiting for its batch."""

    result: FileLoadResult
    path: Path
    parsed: ParsedFile
    prepared: Prepared


def _store_batch(
    con: duckdb.DuckDBPyConnection,
    contract: ExtractContract,
    batch: list[_Read],
    max_share: float,
) -> None:
    """Validate and write a batch of files inside the caller's transaction, set-based: one
    normalisation, one pass of the contract's checks and one insert for the whole batch, then
    each file's quarantine share, refusal, supersession and audit row in delivery order.
    Pupils and teachers are checked against `_schools`, made by `_load_extract`."""
    now = datetime.now(UTC).replace(tzinfo=None)
    tables = []
    for i, f in enumerate(batch):
        _describe(f.result, f.parsed)
        f.result.values_normalised = f.prepared.values_normalised
        n = f.prepared.table.num_rows
        tables.append(
            f.prepared.table.append_column(
                "_file", pa.repeat(pa.scalar(i, pa.int32()), n)
            ).append_column("_file_year", pa.repeat(pa.scalar(f.result.year, pa.int64()), n))
        )
    con.register("incoming", pa.concat_tables(tables, promote_options="permissive"))
    del tables
    con.execute(normalise_sql(contract))
    con.unregister("incoming")
    con.execute("create or replace temp table _issues as " + checks_sql(contract))
    _add_parse_issues(con, batch)
    if contract.name == REPORTS_EXTRACT:
        add_report_issues(con)
    con.execute(redact_personal_values_sql())
    bad_rows = dict(
        con.execute("select _file, count(distinct _row_number) from _issues group by 1").fetchall()
    )
    # Each file is judged on its own and in delivery order, as if loaded alone: a file
    # delivered under a county's other code is refused when an earlier one (of an earlier run
    # or of this batch) is current, and a file over the threshold is refused whole.
    current: dict[tuple[str, int], str] = {}  # (region, year) -> file of this batch now current
    refusals: dict[int, str] = {}
    for i, f in enumerate(batch):
        result = f.result
        issue_rows = bad_rows.get(i, 0)
        refusal = _delivered_under_another_code(con, result, f.path, current)
        if refusal is None and issue_rows > max_share * f.parsed.rows_read:
            refusal = (
                "file_over_threshold",
                (
                    f"{f.path}: {issue_rows:,} of {f.parsed.rows_read:,} rows "
                    f"({issue_rows / f.parsed.rows_read:.1%}) break the contract, more than the "
                    f"{max_share:.0%} allowed; nothing was loaded (see raw._quarantine)."
                ),
            )
        if refusal is not None:
            refusals[i], result.message = refusal
            result.status = "refused"
        elif result.region_code is not None and result.year is not None:
            current[(result.region_code, result.year)] = result.source_file
        result.rows_loaded = 0 if refusal else f.parsed.rows_read - issue_rows
        result.rows_quarantined = f.parsed.rows_read - result.rows_loaded
    if refusals:
        # A file refused as a whole still accounts for every row: its valid rows are
        # quarantined with the reason the file was refused, so rows read = loaded + quarantined.
        con.register(
            "_refusals",
            pa.table(
                {
                    "_file": pa.array(list(refusals), pa.int32()),
                    "reason": pa.array(list(refusals.values()), pa.string()),
                }
            ),
        )
        con.execute(
            "insert into _issues select _n._file, _n._row_number, null, null, r.reason "
            "from _n inner join _refusals as r on r._file = _n._file where not exists "
            "(select 1 from _issues as i where i._file = _n._file "
            "and i._row_number = _n._row_number)"
        )
        con.unregister("_refusals")
    _store_quarantine(con, batch, now)
    loaded = _insert_rows(con, contract, batch, refusals, bool(bad_rows or refusals), now)
    reasons: dict[int, dict[str, int]] = {}
    for i, code, n in con.execute(
        "select _file, reason_code, count(distinct _row_number) from _issues group by 1, 2 "
        "order by 1, 3 desc, 2"
    ).fetchall():
        reasons.setdefault(i, {})[code] = n
    expected = sum(f.result.rows_loaded for f in batch)
    if loaded != expected:
        names = ", ".join(f.result.source_file for f in batch)
        raise RuntimeError(
            f"{names}: the audit counts {expected:,} valid rows but {loaded:,} were stored: the "
            "counts do not add up; nothing was loaded"
        )
    for i, f in enumerate(batch):
        f.result.reasons = reasons.get(i, {})
    _supersede(con, [f.result for f in batch])
    _audit(con, [(f.result, f.parsed) for f in batch], now)


def _delivered_under_another_code(
    con, result: FileLoadResult, path: Path, batch_current: dict[tuple[str, int], str]
):
    """("delivered_under_another_code", sentence) when the file's extract and year are already
    current under another code of the same county (a retired code and the code that replaced
    it): both describe one county, and loading both would count it twice. None otherwise.
    `batch_current` holds the files of the same batch judged before this one, whose audit rows
    are not written yet (and which supersede what the audit says is current)."""
    if result.region_code is None or result.year is None:
        return None
    others = sorted(same_county_codes().get(result.region_code, set()) - {result.region_code})
    if not others:
        return None
    earlier = [
        (name, code)
        for name, code in con.execute(
            "select source_file, region_code from raw._load_audit where extract = ? "
            f"and is_current and year = ? and region_code in ({', '.join('?' * len(others))})",
            [result.extract, result.year, *others],
        ).fetchall()
        if (code, result.year) not in batch_current
    ] + [
        (name, code)
        for (code, year), name in batch_current.items()
        if year == result.year and code in others
    ]
    if not earlier:
        return None
    name, code = min(earlier)
    return "delivered_under_another_code", (
        f"{path}: {result.extract} of {result.year} for region {result.region_code} is already "
        f"loaded from {name} under {code}, the same county's other code (a retired "
        f"code and the code that replaced it); loading both would count the county twice, so "
        f"nothing was loaded. Deliver each year under one code: to correct {name}, send "
        f"the new file under {code}."
    )


def _describe(result: FileLoadResult, parsed: ParsedFile) -> None:
    result.rows_read = parsed.rows_read
    result.blank_rows = parsed.blank_rows
    result.file_format = parsed.file_format
    result.encoding = parsed.encoding
    result.personal_columns = parsed.personal_columns
    result.ignored_columns = parsed.ignored_columns


def _add_parse_issues(con, batch: list[_Read]) -> None:
    rows = [
        # a ragged row has no one offending value: keep what was wrong with it instead
        (i, issue.row_number, issue.column_name,
         issue.value if issue.value is not None else issue.detail, issue.reason_code)
        for i, f in enumerate(batch)
        for issue in f.parsed.issues
    ]  # fmt: skip
    if rows:
        con.executemany("insert into _issues values (?, ?, ?, ?, ?)", rows)


def _store_quarantine(con, batch: list[_Read], now: datetime) -> None:
    """Every issue of the batch into raw._quarantine, each under its file. Issues are few (a
    file with many is refused), so their values pass through Python to be made inert."""
    rows = con.execute(
        "select _file, _row_number, column_name, value, reason_code from _issues "
        "order by _file, _row_number, column_name, reason_code"
    ).fetchall()
    if not rows:
        return
    files = [batch[r[0]].result for r in rows]
    table = pa.table(
        {
            "extract": [f.extract for f in files],
            "source_file": [f.source_file for f in files],
            "file_hash": [f.file_hash for f in files],
            "row_number": pa.array([r[1] for r in rows], pa.int64()),
            "column_name": [r[2] for r in rows],
            "value": [stored_value(r[3]) for r in rows],
            "reason_code": [r[4] for r in rows],
            "quarantined_at": pa.array([now] * len(rows), pa.timestamp("us")),
        }
    )
    con.register("quarantined", table)
    con.execute("insert into raw._quarantine by name select * from quarantined")
    con.unregister("quarantined")


def _insert_rows(
    con,
    contract: ExtractContract,
    batch: list[_Read],
    refusals: dict[int, str],
    has_issues: bool,
    now: datetime,
) -> int:
    """Insert the valid rows of the batch's files that are not refused, in one statement; the
    number DuckDB reports inserted. A scan of `_n` in its order (files in delivery order, rows
    in file order): a file's lineage is looked up in a list by its number rather than joined,
    and the rows with issues are only looked for when there are any."""
    accepted = [i for i in range(len(batch)) if i not in refusals]
    if not accepted:
        return 0
    where = []
    if refusals:
        where.append(f"_n._file in ({', '.join(str(i) for i in accepted)})")
    if has_issues:
        where.append(
            "not exists (select 1 from _issues as i where i._file = _n._file "
            "and i._row_number = _n._row_number)"
        )
    cols = ", ".join(f'"{c}"' for c in contract.warehouse_columns)
    values = ", ".join(canonical_sql(c) for c in contract.columns)
    return con.execute(
        f"insert into raw.{contract.name}_history ({cols}, _source_file, _file_hash, "
        f"_row_number, _loaded_at) select {values}, "
        # DuckDB lists count from 1
        "list_extract($names, _n._file + 1), list_extract($hashes, _n._file + 1), "
        f"_n._row_number, $now from _n where {' and '.join(where) or 'true'}",
        {
            "names": [f.result.source_file for f in batch],
            "hashes": [f.result.file_hash for f in batch],
            "now": now,
        },
    ).fetchone()[0]


def _delivery_key(region_code: str | None, year: int | None, source_file: str) -> tuple:
    """What a later delivery replaces: the same region and year, or (when the name says
    neither) the same file name."""
    if region_code is not None and year is not None:
        return (region_code, year)
    return (source_file,)


def _supersede(con, results: list[FileLoadResult]) -> None:
    """Each loaded file of a batch (in delivery order) supersedes the current version of the
    same delivery (`_delivery_key`) of the same extract: one written earlier, whose audit row
    stops being current here, or one earlier in the batch, whose row is written not current.
    Fills each result's `superseded`; one query and at most one update per batch."""
    loaded = [r for r in results if r.status == "loaded"]
    if not loaded:
        return
    current: dict[tuple, list[tuple[str, str]]] = {}
    for name, digest, region, year in con.execute(
        "select source_file, file_hash, region_code, year from raw._load_audit "
        "where extract = ? and is_current",
        [loaded[0].extract],
    ).fetchall():
        current.setdefault(_delivery_key(region, year, name), []).append((name, digest))
    in_batch = {(r.source_file, r.file_hash): r for r in loaded}
    stale: list[tuple[str, str, str]] = []  # (source file, hash, superseded by) already written
    for r in loaded:
        key = _delivery_key(r.region_code, r.year, r.source_file)
        r.superseded = [name for name, _ in current.get(key, [])]
        for name, digest in current.get(key, []):
            if (name, digest) in in_batch:
                in_batch[(name, digest)].superseded_by = r.source_file
            else:
                stale.append((name, digest, r.source_file))
        current[key] = [(r.source_file, r.file_hash)]
    if stale:
        con.register(
            "_stale",
            pa.table(
                {
                    "source_file": [n for n, _, _ in stale],
                    "file_hash": [d for _, d, _ in stale],
                    "superseded_by": [b for _, _, b in stale],
                }
            ),
        )
        con.execute(
            "update raw._load_audit as a set is_current = false, superseded_by = s.superseded_by "
            "from _stale as s where a.extract = ? and a.is_current "
            "and a.source_file = s.source_file and a.file_hash = s.file_hash",
            [loaded[0].extract],
        )
        con.unregister("_stale")


def landing_relative(message: str | None, source_file: str) -> str | None:
    """The message with the file's absolute path (as readers and checks name it) replaced by
    its landing-relative path: what an operator sees must not expose the server's folders."""
    if not message:
        return message
    return re.sub(r"(?<![\w.])/\S*?/" + re.escape(source_file), source_file, message)


def _audit(con, entries: list[tuple[FileLoadResult, ParsedFile | None]], now: datetime) -> None:
    """The audit rows of some files, in one insert (by column name: raw._load_audit's types,
    from `ensure_raw_tables`, apply)."""
    rows = []
    for r, parsed in entries:
        r.message = landing_relative(r.message, r.source_file)
        rows.append(
            {
                "extract": r.extract,
                "source_file": r.source_file,
                "file_hash": r.file_hash,
                "status": r.status,
                "is_current": r.status == "loaded" and r.superseded_by is None,
                "superseded_by": r.superseded_by,
                "region_code": r.region_code,
                "year": r.year,
                "file_format": r.file_format,
                "encoding": r.encoding,
                "sheet": parsed.sheet if parsed else None,
                "header_row": parsed.header_row if parsed else None,
                "rows_read": r.rows_read,
                "rows_loaded": r.rows_loaded,
                "rows_quarantined": r.rows_quarantined,
                "blank_rows": r.blank_rows,
                "values_normalised": r.values_normalised,
                "reasons": json.dumps(r.reasons, ensure_ascii=False) if r.reasons else None,
                "personal_columns_dropped": ", ".join(r.personal_columns) or None,
                "columns_ignored": ", ".join(r.ignored_columns) or None,
                "message": r.message or None,
                "loaded_at": now,
            }
        )
    if not rows:
        return
    con.register("_audit_rows", pa.Table.from_pylist(rows))
    con.execute("insert into raw._load_audit by name select * from _audit_rows")
    con.unregister("_audit_rows")


# ---------------------------------------------------------------- a whole run


def load_landing(
    warehouse_path: Path,
    landing_dir: Path,
    key: bytes,
    extracts: Iterable[str] | None = None,
    max_share: float | None = None,
) -> LoadRun:
    """Load the landing folder (or the named extracts of it). Schools load first, because
    pupils and teachers are checked against the schools of the same year."""
    wanted = list(CONTRACTS) if extracts is None else [e for e in CONTRACTS if e in set(extracts)]
    share = max_quarantine_share() if max_share is None else max_share
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    scanned = scan_landing(landing_dir) if landing_dir.exists() else []
    results: list[FileLoadResult] = []
    # The staging file is written in this DuckDB's own storage format: BI tools and DuckDB 1.x
    # clients read the serving file, which publishing writes readable by them. (In the v1.0.0
    # format, where the older string compressions are analysed per column, the same 1,144,222-row
    # insert into raw took 0.98-1.06 s, against 0.62-0.65 s with the current format's DICT_FSST.)
    config = get_settings().duckdb_config() | {
        "checkpoint_threshold": LOADER_CHECKPOINT_THRESHOLD,
        "block_allocator_memory": LOADER_BLOCK_ALLOCATOR_MEMORY,
    }
    with duckdb.connect(str(warehouse_path), config=config) as con:
        ensure_raw_tables(con)
        if extracts is None:
            for lf in (f for f in scanned if f.extract is None):
                results.append(_unattributed(con, lf, landing_dir))
        for extract in wanted:
            files = [f for f in scanned if f.extract == extract]
            results += _load_extract(con, CONTRACTS[extract], files, key, landing_dir, share)
        counts = {e: con.execute(f"select count(*) from raw.{e}").fetchone()[0] for e in wanted}
    return LoadRun(results, counts)


def _load_extract(
    con, contract: ExtractContract, files: list[LandingFile], key: bytes, landing_dir, share
) -> list[FileLoadResult]:
    """Load one extract's files in delivery order, in batches of about BATCH_ROWS rows.

    READERS threads parse files and one thread prepares them in delivery order (pyarrow and the
    keyed hash release the GIL for most of their work) while DuckDB validates and writes the
    previous batch set-based (`_store_batch`); they run at most READ_AHEAD_BYTES of files ahead,
    so memory stays bounded: the read-ahead plus the batch being built (BATCH_ROWS rows and
    one file) and the batch being stored.

    A commit comes once at least COMMIT_EVERY_ROWS rows are stored since the last one (with the
    defaults, after every batch): each file's rows,
    quarantine, supersession and audit row are in the same transaction, so a file is never half
    loaded, and a crash loses at most the files since the last commit, which the next run loads
    again (their hashes are not in the audit)."""
    # Files are hashed by READERS threads (hashlib releases the GIL): on one thread, hashing
    # the province's 7.95 GiB took about 8 s before the first file was read.
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="hash") as pool:
        digests = list(pool.map(lambda lf: _digest(lf, landing_dir), files))
    earlier = _earlier_deliveries(con, contract.name, digests)
    seen: dict[str, str] = {}
    results = [
        _triage(contract.name, lf, landing_dir, digest, earlier.get(digest, []), seen)
        for lf, digest in zip(files, digests, strict=True)
    ]
    pending = [(r, lf) for r, lf in zip(results, files, strict=True) if r.status == "loaded"]
    if contract.school_reference and pending:
        # Schools load before pupils and teachers, so every year's schools are known now: built
        # once per extract rather than per file, as it reads every school row of the province.
        con.execute(
            "create or replace temp table _schools as select distinct school_code, "
            "cast(year as bigint) as year from raw.schools"
        )
    pseudonymise = Pseudonymiser(key)  # used by the one preparing thread only
    batch_rows = min(BATCH_ROWS, COMMIT_EVERY_ROWS)
    with (
        ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="read") as readers,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare") as preparer,
    ):
        ahead: deque = deque()  # (future, result, file, file size) in delivery order
        submitted = 0

        def read_ahead() -> None:
            nonlocal submitted
            while submitted < len(pending) and (
                not ahead or sum(item[3] for item in ahead) < READ_AHEAD_BYTES
            ):
                r, lf = pending[submitted]
                size = lf.path.stat().st_size if not lf.link else 0
                read = readers.submit(_read, contract, lf, r)
                future = preparer.submit(_prepare, contract, read, r, pseudonymise)
                ahead.append((future, r, lf, size, read))
                submitted += 1

        batch: list[_Read] = []
        uncommitted = 0  # rows read since the last commit

        def store() -> None:
            nonlocal uncommitted, batch
            if not batch:
                return
            _store_batch(con, contract, batch, share)
            for _ in batch:
                failpoint("load.file_stored")
            uncommitted += sum(f.parsed.rows_read for f in batch)
            batch = []
            if uncommitted >= COMMIT_EVERY_ROWS:
                con.execute("commit")
                con.execute("begin transaction")
                uncommitted = 0

        con.execute("begin transaction")
        try:
            read_ahead()
            while ahead:
                future, result, lf, *_ = ahead.popleft()
                try:
                    parsed, prepared = future.result()
                except FileRefused as exc:
                    result.status, result.message = "refused", str(exc)
                    _audit(con, [(result, None)], datetime.now(UTC).replace(tzinfo=None))
                    read_ahead()
                    continue
                read_ahead()
                batch.append(_Read(result, lf.path, parsed, prepared))
                if sum(f.parsed.rows_read for f in batch) >= batch_rows:
                    store()
            store()
            con.execute("commit")
        except BaseException:
            for future, *_, read in ahead:
                future.cancel()
                read.cancel()
            con.execute("rollback")
            raise
    return results


def _unattributed(con, lf: LandingFile, landing_dir: Path) -> FileLoadResult:
    """A file no contract applies to: reported (once per content) and never loaded."""
    digest = _digest(lf, landing_dir)
    earlier = _earlier_deliveries(con, "unknown", [digest]).get(digest, [])
    result = _triage("unknown", lf, landing_dir, digest, earlier, {})
    if result.status != "unchanged":
        result.status, result.message = "refused", lf.problem or ""
        _audit(con, [(result, None)], datetime.now(UTC).replace(tzinfo=None))
    return result


# ---------------------------------------------------------------- the operator's printout


def render_load_report(run: LoadRun, landing_dir: Path | None = None) -> str:
    """Per file: rows read / loaded / quarantined, or refused with the reason; reasons grouped."""
    lines = [f"  {'file':<46}{'status':>10}{'read':>11}{'loaded':>11}{'quarantined':>13}  reasons"]
    unchanged = Counter(f.extract for f in run.files if f.status == "unchanged")
    for f in run.files:
        if f.status == "unchanged":
            continue
        reasons = ", ".join(f"{code} {n:,}" for code, n in f.reasons.items())
        lines.append(
            f"  {f.source_file:<46}{f.status:>10}{f.rows_read:>11,}{f.rows_loaded:>11,}"
            f"{f.rows_quarantined:>13,}  {reasons}"
        )
        notes = []
        if f.status == "refused":
            notes.append(f.message)
        if f.personal_columns:
            notes.append(f"personal columns dropped: {', '.join(f.personal_columns)}")
        if f.ignored_columns:
            notes.append(f"columns not in the contract, ignored: {', '.join(f.ignored_columns)}")
        if f.blank_rows:
            notes.append(f"blank rows skipped: {f.blank_rows:,}")
        if f.superseded:
            notes.append(f"supersedes {', '.join(f.superseded)}")
        lines += [f"      {n}" for n in notes]
    for extract, n in sorted(unchanged.items()):
        lines.append(f"  {extract}: {n} file(s) unchanged since they were loaded")
    totals = Counter()
    for f in run.files:
        totals.update(f.reasons)
    if totals:
        lines.append(
            "  Quarantine reasons, all files: "
            + ", ".join(f"{code} {n:,}" for code, n in totals.most_common())
        )
    return "\n".join(lines)


def row_count_problems(warehouse_path: Path, extract: str) -> list[str]:
    """Files whose rows in raw.<extract>_history differ from what the load audit says was
    loaded: an integrity failure that must block publishing."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        rows = con.execute(
            # per file version (hash): a corrected delivery under the same name and with the
            # same row count is another version, not the same rows twice
            f"select a.source_file, a.rows_loaded, count(h._file_hash) "
            f"from raw._load_audit as a left join raw.{extract}_history as h "
            f"on h._file_hash = a.file_hash where a.extract = ? and a.status = 'loaded' "
            f"group by a.file_hash, a.source_file, a.rows_loaded "
            f"having a.rows_loaded <> count(h._file_hash) order by 1",
            [extract],
        ).fetchall()
    return [
        f"{name}: audit says {want:,} rows loaded, raw holds {got:,}" for name, want, got in rows
    ]


def audit_summary(
    warehouse_path: Path,
    extract: str | None = None,
    region: str | None = None,
    year: int | None = None,
    examples: int = 3,
) -> str:
    """The load audit as an operator reads it (`eduwh audit`): per extract the current files and
    rows read = loaded + quarantined, refused and superseded files, then every refused file with
    its reason and the quarantine reasons with a few example rows. Read-only."""
    where, params = ["true"], []
    for column, value in (("extract", extract), ("region_code", region), ("year", year)):
        if value is not None:
            where.append(f"a.{column} = ?")
            params.append(value)
    cond = " and ".join(where)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        per_extract = con.execute(
            f"select a.extract, "
            f"count(*) filter (where a.is_current and a.status = 'loaded'), "
            f"count(*) filter (where a.status = 'refused'), "
            f"count(*) filter (where not a.is_current and a.status = 'loaded'), "
            f"coalesce(sum(a.rows_read) filter (where a.is_current), 0), "
            f"coalesce(sum(a.rows_loaded) filter (where a.is_current), 0), "
            f"coalesce(sum(a.rows_quarantined) filter (where a.is_current), 0), "
            f"max(a.loaded_at) "
            f"from raw._load_audit as a where {cond} group by 1 order by 1",
            params,
        ).fetchall()
        refused = con.execute(
            f"select a.source_file, a.message, a.loaded_at from raw._load_audit as a "
            f"where a.status = 'refused' and {cond} order by a.loaded_at desc, 1",
            params,
        ).fetchall()
        reasons = con.execute(
            f"select q.extract, q.reason_code, count(*), "
            f"list(q.source_file || ' row ' || q.row_number || ' column ' "
            f"|| coalesce(q.column_name, '-') order by q.source_file, q.row_number)[1:{examples}] "
            f"from raw._quarantine as q inner join raw._load_audit as a "
            f"on q.file_hash = a.file_hash and a.is_current where {cond} "
            f"group by 1, 2 order by 1, 3 desc, 2",
            params,
        ).fetchall()
    if not per_extract:
        return "  no files in the load audit" + (" for that selection" if len(where) > 1 else "")
    lines = [
        f"  {'extract':<11}{'files':>7}{'refused':>9}{'superseded':>12}{'rows read':>13}"
        f"{'loaded':>13}{'quarantined':>13}  last load"
    ]
    for name, files, n_refused, superseded, read, loaded, quarantined, last in per_extract:
        lines.append(
            f"  {name:<11}{files:>7}{n_refused:>9}{superseded:>12}{read:>13,}{loaded:>13,}"
            f"{quarantined:>13,}  {last:%Y-%m-%d %H:%M}"
        )
    lines.append(f"  Refused files: {len(refused)}")
    lines += [f"    {name} ({at:%Y-%m-%d %H:%M}): {message}" for name, message, at in refused]
    lines.append("  Quarantined rows of the current files, by reason:" if reasons else "")
    for name, code, n, sample in reasons:
        lines.append(f"    {name:<11}{code:<24}{n:>9,}   e.g. " + "; ".join(sample))
    return "\n".join(line for line in lines if line)
