with indicators as (
    select * from {{ ref('indicators') }}
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
        numerator_definition,
        denominator_definition,
        source
    from indicators
)

select * from final
