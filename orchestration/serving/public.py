"""The public tier: what may leave the bureau. Region-level marts only, with small-cell
suppression, as education statistics agencies publish (NCES, the UK DfE) and as PIPL requires of
minors' data: a count of 1 disabled child in a county identifies that child.

- **What is published**: indicator values per region, year and indicator (`indicator_values`),
  the plan targets' verdicts (`plan_progress`, `target_coverage`) and the dimensions of regions,
  indicators, years and plans. No school-level fact (schools, classes, teachers by school, the
  优质均衡 measures per school), no row of any extract, no pseudonymous key.
- **Primary suppression**: a count of children or teachers of a subgroup (SUBGROUP_COUNTS:
  disabled, migrant, dropped-out children; rotated, backbone and dual-qualified teachers) above
  zero and below the threshold (`EDUWH_SUPPRESSION_THRESHOLD`, default 10) is suppressed.
- **Complementary suppression**: a county's count adds up with its siblings' to the
  prefecture's, a prefecture's to the province's. In every such group (a parent and its
  children), one suppressed cell alone could be recovered by subtraction, so a second is
  suppressed — the smallest published sibling, or the parent when there is none — until no group
  holds exactly one suppressed cell.
- **Derived suppression**: a rate whose numerator or denominator is suppressed is suppressed,
  and so is a plan-progress row whose actual value is a suppressed cell's.
- Suppressed cells are NULL with a flag saying why (`small_cell`, `complementary`, `derived`),
  never zero.
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb
import pandas as pd

DEFAULT_THRESHOLD = 10
# indicator → the parts that count children or teachers of a subgroup
SUBGROUP_COUNTS: dict[str, tuple[str, ...]] = {
    "disabled_compulsory_enrolment_rate": ("numerator", "denominator"),
    "migrant_public_school_share": ("numerator", "denominator"),
    "compulsory_dropouts": ("numerator",),
    "teacher_rotation_rate": ("numerator",),
    "backbone_share_of_rotated": ("numerator", "denominator"),
    "dual_qualified_teacher_share": ("numerator",),
}
PUBLISHED_DIMENSIONS = ("dim_region", "dim_indicator", "dim_year", "dim_plan")
SMALL, COMPLEMENTARY, DERIVED = "small_cell", "complementary", "derived"


def public_dir(serving: Path) -> Path:
    """The public tier beside the serving folder: build/public/ for build/serving/."""
    return serving.parent.parent / "public"


def threshold() -> int:
    value = os.environ.get("EDUWH_SUPPRESSION_THRESHOLD", str(DEFAULT_THRESHOLD))
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"EDUWH_SUPPRESSION_THRESHOLD must be a whole number >= 1, not {value!r}")
    return int(value)


def suppress(
    cells: dict[str, float | None], parent_of: dict[str, str | None], limit: int
) -> dict[str, str]:
    """region → why its count is suppressed, for one count (indicator, year, breakdown, part)
    given per region. Primary: 0 < count < limit. Complementary: until no group of a parent and
    its children holds exactly one suppressed cell."""
    why = {r: SMALL for r, n in cells.items() if n is not None and 0 < n < limit}
    children: dict[str, list[str]] = defaultdict(list)
    for region in cells:
        parent = parent_of.get(region)
        if parent in cells:
            children[parent].append(region)
    changed = True
    while changed:
        changed = False
        for parent, kids in children.items():
            group = [parent, *kids]
            hidden = [r for r in group if r in why]
            if len(hidden) != 1:
                continue
            shown = [r for r in kids if r not in why and cells[r] is not None]
            if shown:
                pick = min(shown, key=lambda r: (cells[r], r))
            elif hidden[0] != parent and cells[parent] is not None:
                pick = parent
            else:
                continue  # nothing else published in this group: nothing to subtract from
            why[pick] = COMPLEMENTARY
            changed = True
    return why


def recoverable(
    cells: dict[str, float | None], why: dict[str, str], parent_of: dict[str, str | None]
) -> list[str]:
    """The suppressed cells an outsider could work out from the published ones: those alone in
    a group of a parent and its published children."""
    children: dict[str, list[str]] = defaultdict(list)
    for region in cells:
        if parent_of.get(region) in cells:
            children[parent_of[region]].append(region)
    found = []
    for parent, kids in children.items():
        group = [r for r in [parent, *kids] if cells[r] is not None]
        hidden = [r for r in group if r in why]
        if len(hidden) == 1 and len(group) > 1:
            found.append(hidden[0])
    return found


def public_indicator_values(
    values: pd.DataFrame, parent_of: dict[str, str | None], limit: int
) -> pd.DataFrame:
    """mart_indicator_values with every subgroup count suppressed as the module says; adds
    `numerator_suppressed`, `denominator_suppressed` and `value_suppressed` (the reason or
    null)."""
    out = values.copy()
    for part in ("numerator", "denominator", "value"):
        out[f"{part}_suppressed"] = None
    keys = ["indicator_id", "year", "breakdown"]
    for (indicator, _, _), frame in out.groupby(keys, dropna=False, sort=False):
        for part in SUBGROUP_COUNTS.get(indicator, ()):
            cells = dict(
                zip(frame["region_code"], frame[part].where(frame[part].notna(), None), strict=True)
            )
            why = suppress(cells, parent_of, limit)
            for region, reason in why.items():
                idx = frame.index[frame["region_code"] == region]
                out.loc[idx, part] = None
                out.loc[idx, f"{part}_suppressed"] = reason
    hidden = out["numerator_suppressed"].notna() | out["denominator_suppressed"].notna()
    out.loc[hidden, "value"] = None
    out.loc[hidden, "value_suppressed"] = DERIVED
    return out


def write_public_tier(serving: Path, out_dir: Path, limit: int | None = None) -> dict[str, int]:
    """The public tier of the serving warehouse: `out_dir/warehouse.duckdb` and Parquet beside
    it, replaced whole. Returns rows per published table."""
    limit = threshold() if limit is None else limit
    with duckdb.connect(str(serving), read_only=True) as con:
        values = con.execute("select * from marts.mart_indicator_values").df()
        regions = con.execute("select region_code, parent_code from marts.dim_region").df()
        progress = con.execute("select * from marts.mart_plan_progress").df()
        coverage = con.execute("select * from marts.mart_target_coverage").df()
        dimensions = {
            name: con.execute(f"select * from marts.{name}").df()
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
            if name in PUBLISHED_DIMENSIONS
        }
    parent_of = dict(zip(regions["region_code"], regions["parent_code"], strict=True))
    public = public_indicator_values(values, parent_of, limit)
    hidden = public[public["value_suppressed"].notna()][["region_code", "indicator_id", "year"]]
    progress = progress.merge(
        hidden.drop_duplicates().assign(_hidden=True),
        how="left",
        left_on=["region_code", "indicator_id", "actual_year"],
        right_on=["region_code", "indicator_id", "year"],
    )
    cut = progress["_hidden"].fillna(False).astype(bool)
    for column in ("actual_value", "gap", "failures"):
        progress.loc[cut, column] = None
    progress["actual_suppressed"] = progress["_hidden"].map(
        lambda h: DERIVED if h is True else None
    )
    progress = progress.drop(columns=["_hidden", "year"])
    tables = {
        "indicator_values": public,
        "plan_progress": progress,
        "target_coverage": coverage,
        **dimensions,
    }
    tmp = out_dir.with_name(out_dir.name + ".next")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "parquet").mkdir(parents=True)
    counts = {}
    with duckdb.connect(str(tmp / "warehouse.duckdb")) as con:
        con.execute("create schema public")
        for name, frame in tables.items():
            con.register("frame", frame)
            con.execute(f"create table public.{name} as select * from frame")
            con.unregister("frame")
            con.execute(
                f"copy public.{name} to '{tmp / 'parquet' / (name + '.parquet')}' (format parquet)"
            )
            counts[name] = len(frame)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return counts


def region_file(serving: Path, region_code: str, out: Path) -> dict[str, int]:
    """A copy of the serving warehouse holding only `region_code` and the regions under it (a
    city and its counties; a county alone), for a bureau that may see its own region only: every
    table with a `region_code` column keeps the rows of those regions, tables without one
    (indicators, years, plans' reference data) are copied whole. Written beside `out` and
    renamed over it, readable by owner and group only (0640). Returns rows per table."""
    with duckdb.connect(str(serving), read_only=True) as con:
        known = con.execute(
            "select count(*) from marts.dim_region where region_code = ?", [region_code]
        ).fetchone()[0]
        if not known:
            raise ValueError(f"{region_code} is not a region of the serving warehouse.")
        regions = con.execute("select region_code, parent_code from marts.dim_region").fetchall()
    below: dict[str, list[str]] = defaultdict(list)
    for code, parent in regions:
        if parent:
            below[parent].append(code)
    keep, todo = set(), [region_code]
    while todo:
        code = todo.pop()
        keep.add(code)
        todo += below.get(code, [])
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    counts = {}
    with duckdb.connect(str(tmp)) as con:
        con.execute(f"attach '{serving}' as src (read_only)")
        con.execute("create temp table _keep (region_code varchar)")
        con.executemany("insert into _keep values (?)", [(c,) for c in sorted(keep)])
        tables = con.execute(
            "select t.schema_name, t.table_name, bool_or(c.column_name = 'region_code'), "
            "bool_or(c.column_name in ('school_code', 'pupil_key', 'teacher_key')) "
            "from duckdb_tables() as t inner join duckdb_columns() as c "
            "on c.database_name = t.database_name and c.schema_name = t.schema_name "
            "and c.table_name = t.table_name where t.database_name = 'src' group by 1, 2 "
            "order by 1, 2"
        ).fetchall()
        # a table of schools or people that cannot be told by region is left out, not copied
        tables = [(s, n, by_region) for s, n, by_region, unit in tables if by_region or not unit]
        for schema in sorted({s for s, _, _ in tables}):
            con.execute(f'create schema "{schema}"')
        for schema, name, by_region in tables:
            source = f'src."{schema}"."{name}"'
            where = " where region_code in (select region_code from _keep)" if by_region else ""
            con.execute(f'create table "{schema}"."{name}" as select * from {source}{where}')
            counts[f"{schema}.{name}"] = con.execute(
                f'select count(*) from "{schema}"."{name}"'
            ).fetchone()[0]
        con.execute("detach src")
    os.chmod(tmp, 0o640)
    os.replace(tmp, out)
    return counts
