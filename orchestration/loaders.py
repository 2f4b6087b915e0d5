"""Load landing files into the DuckDB `raw` schema, as received, with lineage.

Each extract has a folder in the landing area (`<landing>/<extract>/*.csv`); every file becomes
rows of `raw.<extract>` with every column as text plus `_source_file`, `_file_hash`,
`_row_number` (1-based data row in the file) and `_loaded_at`. Typing happens in dbt staging, so
a value the bureau typed wrongly is still visible in raw.

Privacy is enforced here, before anything is written: columns that carry personal data (names,
ID-card and phone numbers, addresses) are dropped, and pupil and teacher ids are replaced by a
keyed hash (HMAC-SHA256), so the bureau's ids never reach DuckDB.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv


@dataclass(frozen=True)
class ExtractSpec:
    name: str
    columns: tuple[str, ...]
    # bureau id column -> warehouse column holding its keyed hash
    pseudonymise: dict[str, str] = field(default_factory=dict)

    @property
    def warehouse_columns(self) -> list[str]:
        return [self.pseudonymise.get(c, c) for c in self.columns]


EXTRACTS: dict[str, ExtractSpec] = {
    spec.name: spec
    for spec in (
        ExtractSpec(
            "schools",
            (
                "year",
                "school_code",
                "school_name",
                "region_code",
                "school_type_code",
                "sponsor",
                "urban_rural_code",
                "inclusive_kindergarten",
                "classes",
                "teaching_floor_area_m2",
                "sports_ground_area_m2",
                "equipment_value_yuan",
                "multimedia_classrooms",
            ),
        ),
        ExtractSpec(
            "pupils",
            (
                "year",
                "pupil_id",
                "school_code",
                "grade",
                "class_id",
                "birth_year",
                "sex",
                "migrant",
                "left_behind",
                "disabled",
                "status",
            ),
            {"pupil_id": "pupil_key"},
        ),
        ExtractSpec(
            "teachers",
            (
                "year",
                "teacher_id",
                "school_code",
                "teaching_stage",
                "staff_category",
                "qualification",
                "title",
                "backbone_level",
                "dual_qualified",
                "subject_group",
                "rotated",
                "rotation_eligible",
            ),
            {"teacher_id": "teacher_key"},
        ),
        ExtractSpec("funding", ("year", "region_code", "item_code", "amount_yuan")),
        ExtractSpec(
            "population", ("year", "region_code", "age", "population", "disabled_population")
        ),
    )
}

# Column names that carry personal data in bureau exports; dropped whatever extract they are in.
PERSONAL_COLUMNS = frozenset(
    {
        "name",
        "pupil_name",
        "student_name",
        "teacher_name",
        "姓名",
        "学生姓名",
        "教师姓名",
        "id_card",
        "id_card_number",
        "id_number",
        "身份证号",
        "身份证件号",
        "身份证号码",
        "phone",
        "phone_number",
        "mobile",
        "telephone",
        "联系电话",
        "手机号",
        "手机号码",
        "address",
        "home_address",
        "家庭住址",
        "住址",
    }
)


class FileRefused(Exception):
    """The whole file cannot be loaded; the message is one plain sentence naming file and reason."""


@dataclass
class FileLoadResult:
    extract: str
    source_file: str
    file_hash: str
    status: str  # loaded | unchanged | refused
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def pseudonymise(values: pa.ChunkedArray | pa.Array, key: bytes) -> pa.Array:
    """Keyed hash of each id, computed once per distinct id (ids repeat across a file)."""
    unique = pc.unique(values)
    hashed = pa.array(
        [
            None if v is None else hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
            for v in unique.to_pylist()
        ],
        type=pa.string(),
    )
    return pc.take(hashed, pc.index_in(values, value_set=unique))


def read_csv_as_text(path: Path, spec: ExtractSpec) -> pa.Table:
    """Read a UTF-8 CSV with every column as text, refusing it when a required column is missing."""
    try:
        with path.open(encoding="utf-8-sig") as fh:
            header = [c.strip() for c in fh.readline().rstrip("\r\n").split(",")]
    except UnicodeDecodeError as exc:
        raise FileRefused(f"{path}: not readable as UTF-8 text ({exc.reason}).") from exc
    if header == [""]:
        raise FileRefused(f"{path}: the file is empty (no header row).")
    missing = [c for c in spec.columns if c not in header]
    if missing:
        raise FileRefused(
            f"{path}: required column(s) {', '.join(missing)} missing for extract "
            f"'{spec.name}' (found: {', '.join(header)})."
        )
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise FileRefused(f"{path}: not a well-formed CSV file ({exc}).") from exc
    return table


def prepare_table(table: pa.Table, spec: ExtractSpec, key: bytes) -> pa.Table:
    """Drop personal and unknown columns, pseudonymise ids, keep the contract's column order."""
    kept = [c for c in table.column_names if c not in PERSONAL_COLUMNS and c in spec.columns]
    table = table.select(kept)
    for id_column, key_column in spec.pseudonymise.items():
        hashed = pseudonymise(table.column(id_column), key)
        table = table.set_column(table.schema.get_field_index(id_column), key_column, hashed)
    return table.select(spec.warehouse_columns)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    for spec in EXTRACTS.values():
        cols = ", ".join(f'"{c}" varchar' for c in spec.warehouse_columns)
        con.execute(
            f"create table if not exists raw.{spec.name} ({cols}, _source_file varchar, "
            "_file_hash varchar, _row_number bigint, _loaded_at timestamp)"
        )
    con.execute(
        """
        create table if not exists raw._load_audit (
            extract varchar, source_file varchar, file_hash varchar, status varchar,
            rows_read bigint, rows_loaded bigint, rows_quarantined bigint, message varchar,
            loaded_at timestamp
        )
        """
    )


def landing_files(landing_dir: Path, extract: str) -> list[Path]:
    return sorted((landing_dir / extract).glob("*.csv"))


def _already_loaded(con: duckdb.DuckDBPyConnection, spec: ExtractSpec, name: str, digest: str):
    row = con.execute(
        "select count(*) from raw._load_audit where extract = ? and source_file = ? "
        "and file_hash = ? and status = 'loaded'",
        [spec.name, name, digest],
    ).fetchone()
    return bool(row and row[0])


def load_file(
    con: duckdb.DuckDBPyConnection, spec: ExtractSpec, path: Path, key: bytes, landing_dir: Path
) -> FileLoadResult:
    """Load one file in one transaction: either all its rows replace the file's earlier rows, or
    nothing changes."""
    name = path.relative_to(landing_dir).as_posix()
    digest = file_sha256(path)
    now = datetime.now(UTC).replace(tzinfo=None)
    result = FileLoadResult(spec.name, name, digest, "loaded")
    if _already_loaded(con, spec, name, digest):
        result.status = "unchanged"
        result.message = "same content as the version already loaded"
    else:
        try:
            table = prepare_table(read_csv_as_text(path, spec), spec, key)
        except FileRefused as exc:
            result.status = "refused"
            result.message = str(exc)
        else:
            n = table.num_rows
            table = table.append_column("_source_file", pa.array([name] * n, pa.string()))
            table = table.append_column("_file_hash", pa.array([digest] * n, pa.string()))
            table = table.append_column("_row_number", pa.array(range(1, n + 1), pa.int64()))
            table = table.append_column("_loaded_at", pa.array([now] * n, pa.timestamp("us")))
            con.execute("begin transaction")
            try:
                # A new version of the same file replaces its earlier rows (no duplicates).
                con.execute(f"delete from raw.{spec.name} where _source_file = ?", [name])
                con.register("incoming", table)
                con.execute(f"insert into raw.{spec.name} by name select * from incoming")
                con.unregister("incoming")
                loaded = con.execute(
                    f"select count(*) from raw.{spec.name} where _source_file = ?", [name]
                ).fetchone()[0]
                result.rows_read = n
                result.rows_loaded = loaded
                if loaded != n:
                    raise RuntimeError(f"{name}: read {n} rows but {loaded} reached the table")
                _audit(con, result, now)
                con.execute("commit")
            except Exception:
                con.execute("rollback")
                raise
            return result
    _audit(con, result, now)
    return result


def _audit(con: duckdb.DuckDBPyConnection, r: FileLoadResult, now: datetime) -> None:
    con.execute(
        "insert into raw._load_audit values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            r.extract,
            r.source_file,
            r.file_hash,
            r.status,
            r.rows_read,
            r.rows_loaded,
            r.rows_quarantined,
            r.message,
            now,
        ],
    )


@dataclass
class ExtractLoadReport:
    extract: str
    files: list[FileLoadResult]
    rows_in_warehouse: int


def load_extract(
    warehouse_path: Path,
    landing_dir: Path,
    extract: str,
    key: bytes,
    files: Iterable[Path] | None = None,
) -> ExtractLoadReport:
    """Load every landing file of one extract; a refused file does not stop the others."""
    spec = EXTRACTS[extract]
    warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    paths = list(files) if files is not None else landing_files(landing_dir, extract)
    with duckdb.connect(str(warehouse_path)) as con:
        ensure_raw_tables(con)
        results = [load_file(con, spec, p, key, landing_dir) for p in paths]
        total = con.execute(f"select count(*) from raw.{spec.name}").fetchone()[0]
    return ExtractLoadReport(extract, results, total)
