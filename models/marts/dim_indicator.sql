with indicators as (
    select * from {{ ref('indicators') }}
),

plan_indicators as (
    select * from {{ ref('plan_indicators') }}
),

components as (
    select * from {{ ref('int_indicator_components') }}
),

reported as (
    select * from {{ ref('int_reported_values') }}
),

-- class and school standards, checked on every class or school from the extracts
-- (mart_standard_units), are defined in plan_indicators but computed, not reported
school_standards as (
    select standard_id from {{ ref('school_standards') }}
    union all
    select distinct measure_id as standard_id from {{ ref('balance_standards') }}
    union all
    select distinct {{ dbt.concat(['measure_id', "'_cv'"]) }} as standard_id
    from {{ ref('balance_standards') }}
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
        pi.indicator_id,
        pi.indicator_name_zh,
        pi.indicator_name_en,
        pi.stage_code,
        pi.unit,
        1.0 as value_scale,
        pi.aggregation,
        cast(null as {{ dbt.type_string() }}) as base_indicator_id,
        cast(null as {{ dbt.type_string() }}) as direction,
        cast(pi.max_value as double) as upper_bound,
        pi.definition as numerator_definition,
        cast(null as {{ dbt.type_string() }}) as denominator_definition,
        pi.computable_from_extracts as definition_source,
        false as is_computed,
        case when ss.standard_id is not null then 'computed' else 'reported' end as value_source
    from plan_indicators as pi
    left join school_standards as ss
        on pi.indicator_id = ss.standard_id
),

-- indicators with at least one value in mart_indicator_values (computed, or reported by a
-- bureau), so that a BI slicer can offer only those: a ratio needs both of its parts (a
-- cohort rate without its base year has none), a year-on-year change its base indicator
with_values as (
    select components.indicator_id
    from components
    inner join final
        on components.indicator_id = final.indicator_id
    where
        components.numerator is not null
        and (components.denominator is not null or final.aggregation <> 'ratio')
    union
    select indicator_id from reported
    where value is not null
)

select
    final.*,
    with_values.indicator_id is not null as has_values
from final
left join with_values
    on
        with_values.indicator_id
        = case
            when final.aggregation = 'yoy_change' then final.base_indicator_id
            else final.indicator_id
        end
