-- 九年义务教育巩固率 (grade 9 in Y over the grade-1 cohort of Y−8) and 初中三年巩固率 (grade 9 in Y
-- over the grade-7 cohort of Y−2): a cohort measure, so the denominator comes from an earlier
-- year of the same region. The cohort is everyone who entered the grade that year, including
-- pupils who dropped out during it (a dropout is the loss the rate measures, so leaving them
-- out of the base would hide it). Years whose base year has no data get a row with a null
-- denominator (no value). Pupils who transfer in can lift the rate above 100 %;
-- mart_indicator_values flags such a value (seed indicators, upper_bound) rather than report it
-- as a rate.
with enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

by_grade as (
    select
        region_code,
        year,
        sum(case when grade_code = 'G1' then pupils + dropouts else 0 end) as grade_1_cohort,
        sum(case when grade_code = 'G7' then pupils + dropouts else 0 end) as grade_7_cohort,
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
        base.grade_1_cohort as denominator
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
        base.grade_7_cohort as denominator
    from by_grade as cur
    left join by_grade as base
        on
            cur.region_code = base.region_code
            and cur.year - 2 = base.year
)

select * from final
