-- Share of schools meeting the 优质均衡 standard, per compulsory stage: a count of schools, so
-- it rolls up by summing like any other ratio.
with schools as (
    select * from {{ ref('int_school_balance_status') }}
),

final as (
    select
        region_code,
        year,
        {{ dbt.concat(["'balanced_school_share_'", 'stage_code']) }} as indicator_id,
        sum(case when meets_standard then 1 else 0 end) as numerator,
        count(*) as denominator
    from schools
    group by region_code, year, stage_code
)

select * from final
