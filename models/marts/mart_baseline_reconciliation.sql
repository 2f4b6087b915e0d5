-- The warehouse's figures for every year a plan published a baseline, set against the
-- published figure: counts of schools, pupils and staff (mapped to the facts by seeds
-- reconciliation_map and reconciliation_stages) and rates the warehouse computes. A
-- difference beyond the tolerance is a mismatch (an error in the plan-target results);
-- baselines of regions or years without extracts are no_data, others not_reconciled.
with baselines as (
    select * from {{ ref('plan_baselines') }}
),

measure_map as (
    select * from {{ ref('reconciliation_map') }}
),

stage_map as (
    select * from {{ ref('reconciliation_stages') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

indicator_values as (
    select * from {{ ref('mart_indicator_values') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

teachers as (
    select * from {{ ref('fct_teacher') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

-- every fact the counts come from, in one shape
counted as (
    select
        'schools' as measure,
        region_code,
        year,
        sponsor,
        school_type_code,
        cast(null as {{ dbt.type_string() }}) as stage_code,
        is_urban,
        1 as amount
    from schools
    union all
    select
        'pupils' as measure,
        region_code,
        year,
        sponsor,
        school_type_code,
        stage_code,
        is_urban,
        pupils as amount
    from enrolment
    union all
    select
        'staff' as measure,
        t.region_code,
        t.year,
        t.sponsor,
        cast(null as {{ dbt.type_string() }}) as school_type_code,
        s.stage_code,
        t.is_urban,
        t.staff as amount
    from teachers as t
    left join stages as s
        on t.teaching_stage = s.teaching_stage_code
),

years_with_data as (
    select distinct
        region_code,
        year
    from schools
),

count_baselines as (
    select
        b.baseline_id,
        sum(c.amount) as warehouse_value
    from baselines as b
    inner join measure_map as m
        on b.indicator_id = m.indicator_id
    inner join counted as c
        on
            m.measure = c.measure
            and b.region_code = c.region_code
            and b.year = c.year
            and m.sponsor = c.sponsor
            and (m.school_type_code is null or m.school_type_code = c.school_type_code)
            and (
                m.measure = 'schools'
                or coalesce(b.stage, '') = ''
                or c.stage_code in (
                    select sm.stage_code from stage_map as sm
                    where sm.measure = m.measure and sm.stage = b.stage
                )
            )
            and (
                coalesce(b.subgroup, '') = ''
                or (b.subgroup = 'urban' and c.is_urban)
                or (b.subgroup = 'rural' and not c.is_urban)
            )
    group by b.baseline_id
),

rate_baselines as (
    select
        b.baseline_id,
        v.value as warehouse_value
    from baselines as b
    inner join indicators as i
        on b.indicator_id = i.indicator_id and i.is_computed
    inner join indicator_values as v
        on
            b.region_code = v.region_code
            and b.year = v.year
            and b.indicator_id = v.indicator_id
),

compared as (
    select
        b.baseline_id,
        b.region_code,
        b.region_name,
        b.year,
        b.indicator_id,
        b.stage,
        b.subgroup,
        b.unit,
        b.value as published_value,
        coalesce(c.warehouse_value, r.warehouse_value) as warehouse_value,
        -- counts must match exactly; rates within var reconciliation_tolerance_points
        case
            when b.unit = '%' then {{ var('reconciliation_tolerance_points') }}
            when m.indicator_id is not null then 0
            else {{ var('reconciliation_tolerance_share') }} * abs(b.value)
        end as tolerance,
        m.indicator_id is not null or i.indicator_id is not null as is_reconcilable,
        y.year is not null or r.baseline_id is not null as has_data,
        b.source_file,
        b.source_line,
        b.source_quote
    from baselines as b
    left join count_baselines as c
        on b.baseline_id = c.baseline_id
    left join rate_baselines as r
        on b.baseline_id = r.baseline_id
    left join measure_map as m
        on b.indicator_id = m.indicator_id
    left join indicators as i
        on b.indicator_id = i.indicator_id and i.is_computed
    left join years_with_data as y
        on b.region_code = y.region_code and b.year = y.year
),

final as (
    select
        baseline_id,
        region_code,
        region_name,
        year,
        indicator_id,
        stage,
        subgroup,
        unit,
        published_value,
        warehouse_value,
        warehouse_value - published_value as difference,
        tolerance,
        case
            when not is_reconcilable then 'not_reconciled'
            when not has_data or warehouse_value is null then 'no_data'
            when abs(warehouse_value - published_value) <= tolerance then 'match'
            else 'mismatch'
        end as status,
        source_file,
        source_line,
        source_quote
    from compared
)

select * from final
