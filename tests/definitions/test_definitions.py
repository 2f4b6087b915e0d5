"""`dagster dev` loads these definitions: load them the same way and check the graph."""

from dagster import AssetKey

from expectations.catalogue import enforceable_targets


def test_definitions_load_with_one_job_over_the_whole_graph():
    from orchestration.definitions import defs
    from orchestration.definitions.models import INDICATOR_MART

    job = defs.resolve_job_def("warehouse_job")
    graph = defs.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    for extract in ("schools", "pupils", "teachers", "funding", "population"):
        assert AssetKey(["raw", extract]) in keys
    assert INDICATOR_MART in keys
    # dbt sources are wired to the loaders, so the dbt models run after them
    staging = next(k for k in keys if k.path[-1] == "stg_raw__pupils")
    assert AssetKey(["raw", "pupils"]) in graph.get(staging).parent_keys
    assert job.name == "warehouse_job"
    # assets are grouped by warehouse layer in the UI
    assert graph.get(AssetKey(["raw", "pupils"])).group_name == "raw"
    assert graph.get(staging).group_name == "staging"
    assert graph.get(INDICATOR_MART).group_name == "marts"


def test_one_asset_check_per_enforceable_target_and_dbt_tests_as_checks():
    from orchestration.definitions import defs
    from orchestration.definitions.targets import PLAN_PROGRESS

    check_keys = set(defs.resolve_asset_graph().asset_check_keys)
    target_checks = {k.name for k in check_keys if k.asset_key == PLAN_PROGRESS}
    expected = {t.target_id for t in enforceable_targets()}
    assert expected <= target_checks
    # the grain test of the mart is a dbt test surfaced as a Dagster asset check
    assert any("unique_combination_of_columns" in k.name for k in check_keys)


def test_only_a_missed_binding_target_is_an_error_and_none_fails_the_build():
    import dataclasses

    from dagster import AssetCheckSeverity

    from expectations.suite import TargetResult
    from orchestration.definitions.targets import PLAN_TARGETS, _severity, mart_plan_progress

    binding = next(t for t in PLAN_TARGETS if t.is_binding)
    expected = dataclasses.replace(binding, binding="expected")
    assert _severity(TargetResult(binding, "missed", 90.0)) == AssetCheckSeverity.ERROR
    assert _severity(TargetResult(binding, "at_risk", 90.0)) == AssetCheckSeverity.WARN
    assert _severity(TargetResult(expected, "missed", 90.0)) == AssetCheckSeverity.WARN
    # plan checks never block: the data are right even when a region misses its target
    assert not any(spec.blocking for spec in mart_plan_progress.check_specs)
