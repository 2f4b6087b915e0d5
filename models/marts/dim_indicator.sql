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
        true as is_computed,
        'computed' as value_source
    from indicators
    union all
    -- what a plan targets that no extract gives: the bureau reports its value (extract
    -- indicator_reports); computable_from_extracts says what the extracts lack.
    -- aggregation sum: a region without its own report takes the sum of its counties'
    -- reports; none: never summed
    select
        indicator_id,
        indicator_name_zh,
        indicator_name_en,
        stage_code,
        unit,
        1.0 as value_scale,
        aggregation,
        cast(null as varchar) as base_indicator_id,
        cast(null as varchar) as direction,
        cast(max_value as double) as upper_bound,
        definition as numerator_definition,
        cast(null as varchar) as denominator_definition,
        computable_from_extracts as definition_source,
        false as is_computed,
        'reported' as value_source
    from plan_indicators
)

select * from final
