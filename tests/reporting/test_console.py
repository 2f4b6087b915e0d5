"""The progress display of `eduwh build` keeps a long run to a screen: a step that materialises
many assets (as the dbt build does) shows its first asset, then one per tenth of the run."""

from dagster import (
    AssetSpec,
    DagsterInstance,
    Definitions,
    MaterializeResult,
    asset,
    define_asset_job,
    multi_asset,
)

from orchestration.reporting.console import progress_logger


def test_a_step_with_many_assets_shows_its_first_then_one_line_per_tenth_of_the_run(capfd):
    @multi_asset(specs=[AssetSpec(f"a{i:02d}") for i in range(30)])
    def many():
        for i in range(30):
            yield MaterializeResult(asset_key=f"a{i:02d}")

    @asset(deps=["a29"])
    def last() -> None:
        return None

    defs = Definitions(
        assets=[many, last], jobs=[define_asset_job("run")], loggers={"progress": progress_logger}
    )
    result = defs.resolve_job_def("run").execute_in_process(
        instance=DagsterInstance.ephemeral(),
        run_config={"loggers": {"progress": {"config": {"total_assets": 31}}}},
    )
    assert result.success
    lines = [line.split("] ", 1)[1] for line in capfd.readouterr().out.splitlines()]
    assert [line for line in lines if "/31  " in line] == [
        " 1/31  a00",
        " 4/31  a03",
        " 8/31  a07",
        "12/31  a11",
        "16/31  a15",
        "20/31  a19",
        "24/31  a23",
        "28/31  a27",
        "31/31  last",
    ]
    assert lines.count("started  many") == 1 and lines.count("started  last") == 1
