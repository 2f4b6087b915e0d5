-- Class size is counted from the pupil roll, not from the schools extract's class count: only
-- the roll says how many pupils sit in each class. Pupils without a class (dropouts) and
-- dropped_out rows are not in any class.
with pupils as (
    select * from {{ ref('stg_raw__pupils') }}
),

enrolment_grades as (
    select * from {{ ref('fct_enrolment') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

classes as (
    select
        school_code,
        year,
        class_id,
        min(grade_code) as grade_code,
        count(distinct grade_code) as grades_in_class,
        count(*) as pupils
    from pupils
    where pupil_status <> 'dropped_out' and class_id is not null and class_id <> ''
    group by school_code, year, class_id
),

final as (
    select
        c.school_code,
        c.year,
        c.class_id,
        c.grade_code,
        e.stage_code,
        e.region_code,
        e.sponsor,
        e.is_urban,
        c.grades_in_class,
        c.pupils,
        -- the band 56–65 ('large') and 66+ ('super_large'); 大班额 itself is 56 and over
        case
            when c.pupils >= {{ var('super_large_class_min') }} then 'super_large'
            when c.pupils >= {{ var('large_class_min') }} then 'large'
            else 'standard'
        end as size_band,
        c.pupils >= {{ var('large_class_min') }} as is_large_class,
        coalesce(c.pupils > s.standard_class_size, false) as exceeds_standard_size
    from classes as c
    inner join enrolment_grades as e
        on
            c.school_code = e.school_code
            and c.year = e.year
            and c.grade_code = e.grade_code
    inner join stages as s
        on e.stage_code = s.stage_code
)

select * from final
