-- Enrolment counts pupils on the roll at year end: a dropped_out row records a leaver and is
-- counted separately, never as a pupil. A pupil's age in the year is year − birth year, the
-- convention the population extract's single years of age follow, so that a rate's numerator
-- and denominator count the same ages.
with pupils as (
    select * from {{ ref('stg_raw__pupils') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

grades as (
    select * from {{ ref('grades') }}
),

by_school_grade as (
    select
        school_code,
        year,
        grade_code,
        {{ count_where("pupil_status <> 'dropped_out'") }} as pupils,
        {{ count_where("pupil_status <> 'dropped_out' and sex_code = '1'") }}
            as male_pupils,
        {{ count_where("pupil_status <> 'dropped_out' and sex_code = '2'") }}
            as female_pupils,
        {{ count_where("pupil_status <> 'dropped_out' and is_migrant") }}
            as migrant_pupils,
        {{ count_where("pupil_status <> 'dropped_out' and is_left_behind") }}
            as left_behind_pupils,
        {{ count_where("pupil_status <> 'dropped_out' and is_disabled") }}
            as disabled_pupils,
        {{ count_where(
            "pupil_status <> 'dropped_out' and is_disabled and year - birth_year between "
            ~ var('compulsory_age_from') ~ " and " ~ var('compulsory_age_to')
        ) }} as disabled_pupils_of_compulsory_age,
        {{ count_where(
            "pupil_status <> 'dropped_out' and year - birth_year between "
            ~ var('compulsory_age_from') ~ " and " ~ var('compulsory_age_to')
        ) }} as pupils_of_compulsory_age,
        {{ count_where("pupil_status = 'repeating'") }} as repeating_pupils,
        {{ count_where("pupil_status = 'new'") }} as new_pupils,
        {{ count_where("pupil_status = 'dropped_out'") }} as dropouts
    from pupils
    group by school_code, year, grade_code
),

final as (
    select
        e.school_code,
        e.year,
        e.grade_code,
        -- Grades 10–12 are general senior secondary except in vocational schools.
        case
            when g.default_stage_code = 'senior_general' and s.is_vocational
                then 'senior_vocational'
            else g.default_stage_code
        end as stage_code,
        s.region_code,
        s.sponsor,
        s.school_type_code,
        s.is_urban,
        s.area_class,
        s.is_special as is_special_school,
        s.is_inclusive_kindergarten,
        e.pupils,
        e.male_pupils,
        e.female_pupils,
        e.migrant_pupils,
        e.left_behind_pupils,
        e.disabled_pupils,
        e.disabled_pupils_of_compulsory_age,
        e.pupils_of_compulsory_age,
        e.repeating_pupils,
        e.new_pupils,
        e.dropouts
    from by_school_grade as e
    inner join schools as s
        on
            e.school_code = s.school_code
            and e.year = s.year
    inner join grades as g
        on e.grade_code = g.grade_code
)

select * from final
