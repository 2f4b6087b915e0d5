-- Whether each school meets the 优质均衡 standard for a stage, defined once here: at least
-- var balance_measures_required of the seven measures reach their threshold and every measure
-- reaches var balance_floor_share of it.
with measures as (
    select * from {{ ref('int_school_balance') }}
),

final as (
    select
        school_code,
        year,
        region_code,
        stage_code,
        max(pupils) as pupils,
        count(*) as measures,
        {{ count_where("reaches_threshold") }} as measures_reached,
        {{ count_where("reaches_threshold") }}
        >= {{ var('balance_measures_required') }}
        and min(case when reaches_floor then 1 else 0 end) = 1 as meets_standard
    from measures
    group by school_code, year, region_code, stage_code
)

select * from final
