-- Kept per teaching stage because one school can teach several stages (十二年一贯制,
-- 九年一贯制): a pupil-teacher ratio by stage needs the teachers of that stage only.
with teachers as (
    select * from {{ ref('stg_raw__teachers') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

by_school_stage as (
    select
        school_code,
        year,
        teaching_stage,
        count(*) as staff,
        sum(case when staff_category = 'full_time_teacher' then 1 else 0 end)
            as full_time_teachers,
        sum(
            case
                when backbone_level in ('county', 'city', 'province', 'national') then 1 else 0
            end
        ) as backbone_teachers_county_or_higher,
        sum(case when subject_group in ('pe', 'music', 'fine_art') then 1 else 0 end)
            as pe_arts_teachers,
        -- 优质均衡 counts teachers above the stage's required qualification: an associate
        -- degree for primary, a bachelor's degree for junior secondary.
        sum(
            case
                when
                    staff_category = 'full_time_teacher'
                    and qualification in ('associate', 'bachelor', 'postgraduate')
                    then 1
                else 0
            end
        ) as teachers_associate_or_higher,
        sum(
            case
                when
                    staff_category = 'full_time_teacher'
                    and qualification in ('bachelor', 'postgraduate')
                    then 1
                else 0
            end
        ) as teachers_bachelor_or_higher,
        sum(case when is_dual_qualified then 1 else 0 end) as dual_qualified_teachers,
        sum(case when is_rotation_eligible then 1 else 0 end) as rotation_eligible_teachers,
        sum(case when is_rotated then 1 else 0 end) as rotated_teachers,
        sum(
            case
                when is_rotated and backbone_level in ('county', 'city', 'province', 'national')
                    then 1
                else 0
            end
        ) as rotated_backbone_teachers
    from teachers
    group by school_code, year, teaching_stage
),

final as (
    select
        t.school_code,
        t.year,
        t.teaching_stage,
        s.region_code,
        s.sponsor,
        s.is_urban,
        t.staff,
        t.full_time_teachers,
        t.backbone_teachers_county_or_higher,
        t.pe_arts_teachers,
        t.teachers_associate_or_higher,
        t.teachers_bachelor_or_higher,
        t.dual_qualified_teachers,
        t.rotation_eligible_teachers,
        t.rotated_teachers,
        t.rotated_backbone_teachers
    from by_school_stage as t
    inner join schools as s
        on
            t.school_code = s.school_code
            and t.year = s.year
)

select * from final
