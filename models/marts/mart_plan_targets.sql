-- The target catalogue as warehouse data: the built-in catalogue (seed plan_targets) and the
-- targets of plans bureaus added (raw.plan_targets, current review), each with its plan, the
-- plan's sentence and its place. The verdicts are in mart_plan_progress (by target_id).
with seeded as (
    select * from {{ ref('plan_targets') }}
),

landed as (
    select * from {{ ref('stg_raw__plan_targets') }}
),

final as (
    select
        target_id,
        plan_id,
        region_code,
        indicator_id,
        stage,
        subgroup,
        cast(target_year as integer) as target_year,
        comparator,
        cast(target_value as double) as target_value,
        cast(target_value_high as double) as target_value_high,
        unit,
        binding,
        source_file,
        cast(source_line as integer) as source_line,
        source_quote,
        'built_in' as origin
    from seeded
    union all
    select
        target_id,
        plan_id,
        region_code,
        indicator_id,
        stage,
        subgroup,
        target_year,
        comparator,
        target_value,
        target_value_high,
        unit,
        binding,
        source_file,
        source_line,
        source_quote,
        'accepted' as origin
    from landed
)

select * from final
