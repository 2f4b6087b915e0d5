"""Loaders: lineage, privacy at the boundary, idempotence, and clear refusals."""

import hmac

import duckdb
import pyarrow as pa
import pytest

from orchestration.ingest.contracts import CONTRACTS
from orchestration.ingest.loaders import load_landing
from orchestration.ingest.validation import Pseudonymiser
from orchestration.settings import get_settings

PUPIL_HEADER = (
    "year,pupil_id,school_code,grade,class_id,birth_year,sex,migrant,left_behind,disabled,status"
)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def schools_file(landing, year=2020):
    header = (
        "year,school_code,school_name,region_code,school_type_code,sponsor,urban_rural_code,"
        "inclusive_kindergarten,classes,teaching_floor_area_m2,sports_ground_area_m2,"
        "equipment_value_yuan,multimedia_classrooms"
    )
    row = f"{year},1141000001,卧龙区示范幼儿园,411303,111,public,111,1,9,1800,1200,300000,3"
    return write(landing / "schools" / f"schools_411303_{year}.csv", f"{header}\n{row}\n")


def pupils_file(landing, name="pupils_411303_2020.csv", extra_header="", extra_value=""):
    rows = [
        f"2020,ID-0001,1141000001,K1,c1,2017,1,0,0,0,new{extra_value}",
        f"2020,ID-0002,1141000001,K1,c1,2017,2,0,0,0,new{extra_value}",
        f"2020,ID-0001X,1141000001,K2,c2,2016,2,1,0,0,continuing{extra_value}",
    ]
    return write(landing / "pupils" / name, "\n".join([PUPIL_HEADER + extra_header, *rows]) + "\n")


def test_rows_land_with_lineage_and_pseudonymised_ids(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    pupils_file(landing, extra_header=",姓名,身份证号", extra_value=",张三,410303201701010011")
    schools_file(landing)
    report = load_landing(wh, landing, b"k1")
    r = report.for_extract("pupils")[0]
    assert (r.status, r.rows_read, r.rows_loaded) == ("loaded", 3, 3)
    assert r.personal_columns == ["姓名", "身份证号"]
    with duckdb.connect(str(wh), read_only=True) as con:
        cols = [c[0] for c in con.execute("describe raw.pupils").fetchall()]
        rows = con.execute(
            "select pupil_key, _source_file, _row_number from raw.pupils order by _row_number"
        ).fetchall()
        dump = str(con.execute("select * from raw.pupils").fetchall())
    assert "pupil_id" not in cols and "姓名" not in cols and "身份证号" not in cols
    assert [r[1:] for r in rows] == [("pupils/pupils_411303_2020.csv", i) for i in (2, 3, 4)]
    assert "ID-0001" not in dump and "张三" not in dump and "410303201701010011" not in dump
    keys = [r[0] for r in rows]
    assert len(set(keys)) == 3 and all(len(k) == 32 for k in keys)


def test_same_id_same_key_and_key_depends_on_secret(tmp_path):
    landing = tmp_path / "landing"
    schools_file(landing)
    pupils_file(landing)
    load_landing(tmp_path / "a.duckdb", landing, b"secret-a")
    load_landing(tmp_path / "b.duckdb", landing, b"secret-b")
    load_landing(tmp_path / "c.duckdb", landing, b"secret-a")

    def keys(db):
        with duckdb.connect(str(tmp_path / db), read_only=True) as con:
            return [
                r[0] for r in con.execute("select pupil_key from raw.pupils order by 1").fetchall()
            ]

    assert keys("a.duckdb") == keys("c.duckdb")
    assert set(keys("a.duckdb")).isdisjoint(keys("b.duckdb"))


def test_ids_seen_in_the_last_file_reuse_its_keys_and_every_key_is_the_hmac():
    key = b"secret"

    def expected(ids):
        return [
            None if v is None else hmac.digest(key, v.encode(), "sha256").hex()[:32] for v in ids
        ]

    pseudonymise = Pseudonymiser(key)
    year_1 = ["P1", "P2", None, "学籍3", "P2"]
    year_2 = ["P2", "P4", "学籍3", None, "P1"]  # P2, 学籍3 and P1 carried over, P4 is new
    assert pseudonymise("pupil_id", pa.array(year_1)).to_pylist() == expected(year_1)
    assert pseudonymise.computed == 3
    assert pseudonymise("pupil_id", pa.array(year_2)).to_pylist() == expected(year_2)
    assert pseudonymise.computed == 4
    # only the last file is remembered: year 1's P1 had to be carried by year 2 to be reused
    assert pseudonymise("pupil_id", pa.array(["P1", "P5"])).to_pylist() == expected(["P1", "P5"])
    assert pseudonymise.computed == 5
    # a column's ids are never reused for another column
    assert pseudonymise("teacher_id", pa.array(["P1"])).to_pylist() == expected(["P1"])
    assert pseudonymise.computed == 6


@pytest.mark.parametrize("key", [b"secret", b"a key longer than SHA-256's block of 64 bytes " * 3])
def test_many_new_ids_are_hashed_by_the_engine_to_the_same_hmac(key, monkeypatch):
    """A county's first file has 200,000 new ids: hashed in a private in-memory DuckDB rather
    than a Python loop, to exactly the HMAC-SHA256 of RFC 2104 (a key over 64 bytes is hashed
    first)."""
    monkeypatch.setattr(Pseudonymiser, "ENGINE_FROM", 0)
    ids = ["P1", "学籍号Ü", "it's", "P1", None, "", "x" * 500, *(f"G{i}" for i in range(3000))]
    pseudonymise = Pseudonymiser(key)
    got = pseudonymise("pupil_id", pa.array(ids)).to_pylist()
    assert got == [
        None if v is None else hmac.digest(key, v.encode(), "sha256").hex()[:32] for v in ids
    ]
    assert pseudonymise._engine is not None and pseudonymise.computed == len(set(ids)) - 1


def test_the_loader_connection_has_the_configured_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("EDUWH_DUCKDB_MEMORY_LIMIT", "3GB")
    assert get_settings().duckdb_config() == {"memory_limit": "3GB"}
    seen = {}
    real_connect = duckdb.connect

    def spy(path, *args, **kwargs):
        con = real_connect(path, *args, **kwargs)
        seen[path] = con.execute(
            "select current_setting('memory_limit'), current_setting('block_allocator_memory')"
        ).fetchall()[0]
        return con

    monkeypatch.setattr(duckdb, "connect", spy)
    landing = tmp_path / "landing"
    schools_file(landing)
    load_landing(tmp_path / "w.duckdb", landing, b"k")
    # DuckDB reports sizes in GiB: 3 GB = 2.7 GiB, and the block allocator's 2 GB = 1.8 GiB
    assert seen[str(tmp_path / "w.duckdb")] == ("2.7 GiB", "1.8 GiB")


def test_a_crash_loses_only_the_files_since_the_last_commit_and_the_next_load_takes_them(
    tmp_path, monkeypatch
):
    from orchestration.ingest import loaders

    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    for year in (2020, 2021, 2022):
        schools_file(landing, year)
    monkeypatch.setattr(loaders, "COMMIT_EVERY_ROWS", 2)  # files 1-2 commit together, then 3
    stored = []

    def crash_at_third(name):
        stored.append(name)
        if len(stored) == 3:
            raise RuntimeError("power cut")

    monkeypatch.setattr(loaders, "failpoint", crash_at_third)
    with pytest.raises(RuntimeError, match="power cut"):
        load_landing(wh, landing, b"k")

    def loaded():
        with duckdb.connect(str(wh), read_only=True) as con:
            return con.execute(
                "select a.source_file, a.rows_read, a.rows_loaded, a.rows_quarantined, "
                "count(h._file_hash) from raw._load_audit as a left join raw.schools_history "
                "as h on h._file_hash = a.file_hash group by all order by 1"
            ).fetchall()

    names = [f"schools/schools_411303_{y}.csv" for y in (2020, 2021, 2022)]
    assert loaded() == [(n, 1, 1, 0, 1) for n in names[:2]]  # nothing of the third file
    monkeypatch.setattr(loaders, "failpoint", lambda name: None)
    run = load_landing(wh, landing, b"k")
    assert [(f.source_file, f.status) for f in run.files] == [
        (names[0], "unchanged"),
        (names[1], "unchanged"),
        (names[2], "loaded"),
    ]
    assert loaded() == [(n, 1, 1, 0, 1) for n in names]


def test_loading_the_same_file_twice_changes_nothing_and_a_new_version_replaces(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    schools_file(landing)
    path = pupils_file(landing)
    load_landing(wh, landing, b"k")
    again = load_landing(wh, landing, b"k")
    assert {f.status for f in again.files} == {"unchanged"}
    # the bureau corrects the file: one row fewer
    path.write_text("\n".join(path.read_text().splitlines()[:-1]) + "\n", encoding="utf-8")
    report = load_landing(wh, landing, b"k")
    (pupils,) = report.for_extract("pupils")
    assert (pupils.status, pupils.superseded) == ("loaded", ["pupils/pupils_411303_2020.csv"])
    assert report.rows_in_warehouse["pupils"] == 2
    with duckdb.connect(str(wh), read_only=True) as con:
        # the first version's 3 rows stay in history
        assert con.execute("select count(*) from raw.pupils_history").fetchone() == (5,)


def test_a_file_missing_a_required_column_is_refused_and_others_still_load(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    schools_file(landing)
    pupils_file(landing, name="pupils_411303_2020.csv")
    bad = write(landing / "pupils" / "pupils_411303_2021.csv", "year,pupil_id\n2021,A\n")
    report = load_landing(wh, landing, b"k")
    by_file = {r.source_file: r for r in report.files}
    refused = by_file["pupils/pupils_411303_2021.csv"]
    assert refused.status == "refused"
    # the landing-relative path, never the server's folders
    assert refused.message.startswith("pupils/pupils_411303_2021.csv: ")
    assert str(bad.parent) not in refused.message and "school_code" in refused.message
    assert by_file["pupils/pupils_411303_2020.csv"].rows_loaded == 3
    assert report.rows_in_warehouse["pupils"] == 3


def test_without_a_key_outside_demo_mode_loading_stops_with_a_clear_error(monkeypatch):
    from orchestration.settings import ConfigurationError, get_settings

    monkeypatch.delenv("EDUWH_PSEUDONYM_KEY", raising=False)
    monkeypatch.setenv("EDUWH_DEMO", "0")
    with pytest.raises(ConfigurationError, match="EDUWH_PSEUDONYM_KEY"):
        get_settings().require_pseudonym_key()


def test_every_extract_contract_names_its_columns():
    assert set(CONTRACTS) == {
        "schools",
        "pupils",
        "teachers",
        "funding",
        "population",
        "indicator_reports",
    }
    assert CONTRACTS["pupils"].warehouse_columns.count("pupil_key") == 1
    assert "pupil_id" not in CONTRACTS["pupils"].warehouse_columns
    assert "teacher_key" in CONTRACTS["teachers"].warehouse_columns


def test_a_corrected_file_with_the_same_name_and_row_count_passes_the_row_count_check(tmp_path):
    from orchestration.ingest.loaders import row_count_problems

    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    schools_file(landing)
    path = pupils_file(landing)
    load_landing(wh, landing, b"k")
    # same name, same 3 rows, one value corrected: a second version of the delivery
    path.write_text(path.read_text().replace("c2,2016,2", "c2,2016,1"), encoding="utf-8")
    (pupils,) = load_landing(wh, landing, b"k").for_extract("pupils")
    assert pupils.status == "loaded"
    assert row_count_problems(wh, "pupils") == []
    # a row lost from one version is still caught
    with duckdb.connect(str(wh)) as con:
        con.execute(
            "delete from raw.pupils_history where _row_number = 2 and _loaded_at = "
            "(select max(_loaded_at) from raw.pupils_history)"
        )
    (problem,) = row_count_problems(wh, "pupils")
    assert "audit says 3 rows loaded, raw holds 2" in problem


def test_a_file_without_region_and_year_is_refused_so_the_named_one_is_never_counted_twice(
    tmp_path,
):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    schools_file(landing)
    unnamed = pupils_file(landing, name="export_from_system.csv")
    first = {r.source_file: r for r in load_landing(wh, landing, b"k").files}
    refused = first["pupils/export_from_system.csv"]
    assert refused.status == "refused" and refused.rows_loaded == 0
    assert "region and year are unknown" in refused.message
    assert "pupils_<region code>_<year>.csv" in refused.message
    # the same rows delivered again under a proper name: one current copy, never two
    pupils_file(landing)
    second = {r.source_file: r for r in load_landing(wh, landing, b"k").files}
    assert second["pupils/pupils_411303_2020.csv"].rows_loaded == 3
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("select count(*) from raw.pupils").fetchone()[0] == 3
    assert unnamed.exists()
    # and a third run of the same folder changes nothing
    third = {r.source_file: r.status for r in load_landing(wh, landing, b"k").files}
    assert third["pupils/pupils_411303_2020.csv"] == "unchanged"


def test_links_in_the_landing_folder_are_refused_and_never_followed(tmp_path):
    landing, wh = tmp_path / "landing", tmp_path / "w.duckdb"
    schools_file(landing)
    outside = pupils_file(tmp_path / "elsewhere")  # a real, valid pupils file outside
    (landing / "pupils").mkdir(parents=True)
    (landing / "pupils" / "pupils_411303_2020.csv").symlink_to(outside)
    (landing / "teachers").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    report = load_landing(wh, landing, b"k")
    by_file = {r.source_file: r for r in report.files}
    link = by_file["pupils/pupils_411303_2020.csv"]
    assert link.status == "refused" and "symbolic link" in link.message
    assert by_file["teachers"].status == "refused"
    assert str(tmp_path) not in link.message
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("select count(*) from raw.pupils").fetchone()[0] == 0


def test_a_batch_of_files_loads_exactly_as_the_files_one_by_one(tmp_path, monkeypatch):
    """The loader validates and writes many files in one set of statements; every file must
    still be judged alone and in delivery order: duplicates within a file only, a refusal of one
    file leaves the others, a ragged row is quarantined under its own file, a later delivery of
    the same region and year supersedes the earlier one, and a county's other code is refused."""
    from orchestration.ingest import loaders

    landing = tmp_path / "landing"
    for year in (2020, 2021):
        schools_file(landing, year)
    row = "{y},ID-{n},1141000001,K1,c1,2017,{sex},0,0,0,new"
    pupils = {
        # the same pupils every year: a key repeated across files is not a duplicate
        "pupils_411303_2020.csv": [row.format(y=2020, n=i, sex=1) for i in range(6)]
        + [row.format(y=2020, n=0, sex=1)],  # an exact copy within the file
        "pupils_411303_2021.csv": [row.format(y=2021, n=i, sex=2) for i in range(6)]
        + ["2021,ID-9,1141000001,K1"],  # a ragged row
        # a corrected delivery of 2021, later in the same run: supersedes the one above
        "pupils_411303_2021_v2.csv": [row.format(y=2021, n=i, sex=1) for i in range(5)],
        # no schools in 2022: every row breaks the contract and the file is refused whole
        "pupils_411303_2022.csv": [row.format(y=2022, n=i, sex=1) for i in range(4)],
    }
    for name, rows in pupils.items():
        write(landing / "pupils" / name, "\n".join([PUPIL_HEADER, *rows]) + "\n")
    population = "year,region_code,age,population,disabled_population\n2019,{code},15,100,0\n"
    for code in ("232701", "232723"):  # 漠河市 and the code it replaced: one county
        write(landing / "population" / f"population_{code}_2019.csv", population.format(code=code))

    def load(batch_rows: int, name: str):
        monkeypatch.setattr(loaders, "BATCH_ROWS", batch_rows)
        wh = tmp_path / name
        run = load_landing(wh, landing, b"k", max_share=0.3)
        with duckdb.connect(str(wh), read_only=True) as con:
            tables = {
                t: con.execute(f"select * exclude ({stamp}) from raw.{t} order by all").fetchall()
                for t, stamp in (
                    ("_load_audit", "loaded_at"),
                    ("_quarantine", "quarantined_at"),
                    ("pupils_history", "_loaded_at"),
                    ("population_history", "_loaded_at"),
                )
            }
        return run, tables

    one_by_one, alone = load(1, "alone.duckdb")
    batched, together = load(1_000_000, "together.duckdb")
    assert together == alone
    statuses = {f.source_file.split("/")[1]: f.status for f in batched.files}
    assert statuses == {
        "schools_411303_2020.csv": "loaded",
        "schools_411303_2021.csv": "loaded",
        "pupils_411303_2020.csv": "loaded",
        "pupils_411303_2021.csv": "loaded",
        "pupils_411303_2021_v2.csv": "loaded",
        "pupils_411303_2022.csv": "refused",
        "population_232701_2019.csv": "loaded",
        "population_232723_2019.csv": "refused",
    }
    counts = {
        f.source_file.split("/")[1]: (f.rows_read, f.rows_loaded, f.rows_quarantined, f.reasons)
        for f in batched.files
    }
    assert counts["pupils_411303_2020.csv"] == (7, 6, 1, {"duplicate_row": 1})
    assert counts["pupils_411303_2021.csv"] == (7, 6, 1, {"wrong_field_count": 1})
    assert counts["pupils_411303_2022.csv"] == (4, 0, 4, {"unknown_school": 4})
    # 2021 and its correction share keys with other values: keys are compared within a file
    assert counts["pupils_411303_2021_v2.csv"] == (5, 5, 0, {})
    audit = {r[1]: r for r in together["_load_audit"]}
    assert audit["pupils/pupils_411303_2021.csv"][5] == "pupils/pupils_411303_2021_v2.csv"
    assert [f.source_file for f in batched.files] == [f.source_file for f in one_by_one.files]
    # quarantined rows are attributed to their own file and row
    assert ("pupils/pupils_411303_2020.csv", 8) in {(q[1], q[3]) for q in together["_quarantine"]}
    assert ("pupils/pupils_411303_2021.csv", 8) in {(q[1], q[3]) for q in together["_quarantine"]}


def test_rows_of_only_whitespace_are_blank_and_a_row_with_one_character_is_not(tmp_path):
    from orchestration.ingest.readers import read_file

    header = ",".join(c.name for c in CONTRACTS["pupils"].columns)
    path = tmp_path / "pupils_411303_2024.csv"
    rows = [
        "2024,P1,4113030001,G1,c1,2017,1,0,0,0,new",  # row 2
        ",,,,,,,,,,",  # 3: empty cells
        " ,\t,\u3000,\u00a0,  ,,,,,,",  # 4: spaces, a tab, ideographic and no-break spaces
        ",,,,x,,,,,,",  # 5: one character in one cell is a record
        "\u3000 x,,,,,,,,,,",  # 6: a character after whitespace
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    parsed = read_file(path, CONTRACTS["pupils"], {})
    assert parsed.blank_rows == 2
    assert parsed.table.column("_row_number").to_pylist() == [2, 5, 6]
