-- 九年义务教育巩固率 (grade 9 in Y over grade 1 in Y−8) and 初中三年巩固率 (grade 9 in Y over
-- grade 7 in Y−2): a cohort measure, so the denominator comes from an earlier year of the same
-- region. Years whose base year has no data get a row with a null denominator (no value).
with enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

by_grade as (
    select
        region_code,
        year,
        sum(case when grade_code = 'G1' then pupils else 0 end) as grade_1,
        sum(case when grade_code = 'G7' then pupils else 0 end) as grade_7,
        sum(case when grade_code = 'G9' then pupils else 0 end) as grade_9
    from enrolment
    group by region_code, year
),

final as (
    select
        cur.region_code,
        cur.year,
        'compulsory_consolidation_rate' as indicator_id,
        cur.grade_9 as numerator,
        base.grade_1 as denominator
    from by_grade as cur
    left join by_grade as base
        on
            cur.region_code = base.region_code
            and cur.year - 8 = base.year
    union all
    select
        cur.region_code,
        cur.year,
        'junior_retention_rate' as indicator_id,
        cur.grade_9 as numerator,
        base.grade_7 as denominator
    from by_grade as cur
    left join by_grade as base
        on
            cur.region_code = base.region_code
            and cur.year - 2 = base.year
)

select * from final
