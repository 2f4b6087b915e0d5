-- 生师比 by stage, 双师型教师占比 and 教师交流轮岗 (GUIDE.md §2). Each stage's pupils are set
-- against the full-time teachers who teach that stage, wherever the school teaches several.
-- Both sides come from the same set of schools: special-education schools are left out of
-- both, because their teachers teach the `special` stage while their pupils sit in grades
-- G1–G9 (national statistics report 特殊教育 生师比 apart from the stages').
with enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

teachers as (
    select * from {{ ref('fct_teacher') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

pupils_by_stage as (
    select
        region_code,
        year,
        stage_code,
        sum(pupils) as pupils
    from enrolment
    where not is_special_school
    group by region_code, year, stage_code
),

teachers_by_stage as (
    select
        t.region_code,
        t.year,
        s.stage_code,
        sum(t.full_time_teachers) as full_time_teachers
    from teachers as t
    inner join stages as s
        on t.teaching_stage = s.teaching_stage_code
    where not t.is_special_school
    group by t.region_code, t.year, s.stage_code
),

pupil_teacher_ratios as (
    select
        coalesce(p.region_code, t.region_code) as region_code,
        coalesce(p.year, t.year) as year,
        {{ dbt.concat(["'pupil_teacher_ratio_'", 's.teaching_stage_code']) }} as indicator_id,
        coalesce(p.pupils, 0) as numerator,
        coalesce(t.full_time_teachers, 0) as denominator
    from pupils_by_stage as p
    full outer join teachers_by_stage as t
        on
            p.region_code = t.region_code
            and p.year = t.year
            and p.stage_code = t.stage_code
    inner join stages as s
        on coalesce(p.stage_code, t.stage_code) = s.stage_code
),

staff as (
    select
        region_code,
        year,
        sum(case when teaching_stage = 'vocational' then dual_qualified_teachers else 0 end)
            as dual_qualified_teachers,
        sum(case when teaching_stage = 'vocational' then full_time_teachers else 0 end)
            as vocational_teachers,
        sum(rotation_eligible_teachers) as rotation_eligible_teachers,
        sum(rotated_teachers) as rotated_teachers,
        sum(rotated_backbone_teachers) as rotated_backbone_teachers
    from teachers
    group by region_code, year
),

final as (
    select * from pupil_teacher_ratios
    union all
    {{ indicator_rows('staff', [
        ['dual_qualified_teacher_share', 'dual_qualified_teachers', 'vocational_teachers'],
        ['teacher_rotation_rate', 'rotated_teachers', 'rotation_eligible_teachers'],
        ['backbone_share_of_rotated', 'rotated_backbone_teachers', 'rotated_teachers'],
    ]) }}
)

select * from final
