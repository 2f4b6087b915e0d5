-- Kept per teaching stage because one school can teach several stages (十二年一贯制,
-- 九年一贯制): a pupil-teacher ratio by stage needs the teachers of that stage only.
with teachers as (
    select * from {{ ref('stg_raw__teachers') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

-- The conditions counted below, named once.
flagged as (
    select
        *,
        backbone_level in ('county', 'city', 'province', 'national') as is_backbone_county_plus,
        staff_category = 'full_time_teacher' as is_full_time_teacher,
        -- 优质均衡 counts teachers above the stage's required qualification: an associate
        -- degree for primary, a bachelor's degree for junior secondary.
        qualification in ('associate', 'bachelor', 'postgraduate') as is_associate_or_higher,
        qualification in ('bachelor', 'postgraduate') as is_bachelor_or_higher
    from teachers
),

by_school_stage as (
    select
        school_code,
        year,
        teaching_stage,
        count(*) as staff,
        {{ count_where("is_full_time_teacher") }} as full_time_teachers,
        {{ count_where("is_backbone_county_plus") }} as backbone_teachers_county_or_higher,
        {{ count_where("subject_group in ('pe', 'music', 'fine_art')") }}
            as pe_arts_teachers,
        {{ count_where("is_full_time_teacher and is_associate_or_higher") }}
            as teachers_associate_or_higher,
        {{ count_where("is_full_time_teacher and is_bachelor_or_higher") }}
            as teachers_bachelor_or_higher,
        {{ count_where("is_dual_qualified") }} as dual_qualified_teachers,
        {{ count_where("is_rotation_eligible") }} as rotation_eligible_teachers,
        {{ count_where("is_rotated") }} as rotated_teachers,
        {{ count_where("is_rotated and is_backbone_county_plus") }} as rotated_backbone_teachers
    from flagged
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
        s.area_class,
        s.is_special as is_special_school,
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
