-- The calendar comes from vars, not from the data, so a year with no extract yet still exists
-- for targets and milestones to point at.
with code_labels as (
    select * from {{ ref('dim_code_label') }}
),

numbers as (
    {{ dbt.generate_series(var('last_year') - var('first_year') + 1) }}
),

years as (
    select
        cast({{ var('first_year') }} + generated_number - 1 as integer) as year,
        case
            when {{ var('first_year') }} + generated_number - 1 between 2021 and 2025
                then '十四五'
            when {{ var('first_year') }} + generated_number - 1 between 2016 and 2020
                then '十三五'
            when {{ var('first_year') }} + generated_number - 1 between 2026 and 2030
                then '十五五'
            when {{ var('first_year') }} + generated_number - 1 between 2031 and 2035
                then '十六五'
        end as plan_period,
        {{ var('first_year') }} + generated_number - 1
        = {{ var('plan_baseline_year') }} as is_plan_baseline_year,
        {{ var('first_year') }} + generated_number - 1
        = {{ var('plan_target_year') }} as is_plan_target_year
    from numbers
),

final as (
    select
        y.year,
        y.plan_period,
        pp.name_zh as plan_period_name_zh,
        pp.name_en as plan_period_name_en,
        y.is_plan_baseline_year,
        y.is_plan_target_year
    from years as y
    left join code_labels as pp
        on pp.code_set = 'plan_period' and y.plan_period = pp.code
)

select * from final
