-- The calendar comes from vars, not from the data, so a year with no extract yet still exists
-- for targets and milestones to point at.
with numbers as (
    {{ dbt.generate_series(var('last_year') - var('first_year') + 1) }}
),

final as (
    select
        cast({{ var('first_year') }} + generated_number - 1 as integer) as year,
        case
            when {{ var('first_year') }} + generated_number - 1 between 2021 and 2025
                then '十四五'
            when {{ var('first_year') }} + generated_number - 1 between 2016 and 2020
                then '十三五'
            when {{ var('first_year') }} + generated_number - 1 between 2026 and 2030
                then '十五五'
        end as plan_period,
        {{ var('first_year') }} + generated_number - 1
        = {{ var('plan_baseline_year') }} as is_plan_baseline_year,
        {{ var('first_year') }} + generated_number - 1
        = {{ var('plan_target_year') }} as is_plan_target_year
    from numbers
)

select * from final
