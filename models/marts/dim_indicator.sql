with indicators as (
    select * from {{ ref('indicators') }}
),

plan_indicators as (
    select * from {{ ref('plan_indicators') }}
),

final as (
    select
        indicator_id,
        indicator_name_zh,
        indicator_name_en,
        stage_code,
        unit,
        cast(value_scale as double) as value_scale,
        -- ratio: value = scale × Σnumerator / Σdenominator; sum: value = scale × Σnumerator;
        -- yoy_change: change on the year before of base_indicator_id, at each region's level
        aggregation,
        base_indicator_id,
        direction,
        cast(upper_bound as double) as upper_bound,
        numerator_definition,
        denominator_definition,
        source as definition_source,
        true as is_computed
    from indicators
    union all
    -- defined so the target catalogue can name what a plan targets; not computed, mostly
    -- because the extracts do not carry what it needs (computable_from_extracts says)
    select
        indicator_id,
        indicator_name_zh,
        indicator_name_en,
        stage_code,
        unit,
        cast(null as double) as value_scale,
        cast(null as varchar) as aggregation,
        cast(null as varchar) as base_indicator_id,
        cast(null as varchar) as direction,
        cast(null as double) as upper_bound,
        definition as numerator_definition,
        cast(null as varchar) as denominator_definition,
        computable_from_extracts as definition_source,
        false as is_computed
    from plan_indicators
)

select * from final
