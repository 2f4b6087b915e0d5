-- Facilities as the schools extract reports them, beside the pupils they serve, so per-pupil
-- measures (优质均衡) divide by the school's own roll.
with schools as (
    select * from {{ ref('dim_school') }}
),

enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

pupils_per_school as (
    select
        school_code,
        year,
        {{ sum_count('pupils') }} as pupils
    from enrolment
    group by school_code, year
),

final as (
    select
        s.school_code,
        s.year,
        s.region_code,
        s.sponsor,
        s.is_urban,
        coalesce(p.pupils, 0) as pupils,
        s.classes,
        s.teaching_floor_area_m2,
        s.sports_ground_area_m2,
        s.equipment_value_yuan,
        s.multimedia_classrooms
    from schools as s
    left join pupils_per_school as p
        on
            s.school_code = p.school_code
            and s.year = p.year
)

select * from final
