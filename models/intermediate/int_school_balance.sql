-- The seven 优质均衡 resource measures of every assessed school for each compulsory stage it
-- teaches (GUIDE.md §2; which schools are assessed: int_balance_scope — special-education
-- schools and small 教学点 are not): teacher measures use the teachers of that stage;
-- facilities are shared by the whole school, so they are divided by all its pupils. Thresholds
-- come from the seed balance_standards; a school meets the standard when enough measures reach
-- their threshold and every other reaches the floor share of it (vars
-- balance_measures_required, _floor_share).
with scope as (
    select * from {{ ref('int_balance_scope') }}
),

teachers as (
    select * from {{ ref('fct_teacher') }}
),

facilities as (
    select * from {{ ref('fct_facilities') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

standards as (
    select * from {{ ref('balance_standards') }}
),

stage_pupils as (
    select
        school_code,
        year,
        region_code,
        stage_code,
        pupils
    from scope
    where is_assessed
),

stage_teachers as (
    select
        t.school_code,
        t.year,
        s.stage_code,
        -- primary requires an associate degree, junior a bachelor's: "above the requirement"
        sum(
            case
                when s.stage_code = 'primary' then t.teachers_associate_or_higher
                else t.teachers_bachelor_or_higher
            end
        ) as qualified_teachers,
        sum(t.backbone_teachers_county_or_higher) as backbone_teachers,
        sum(t.pe_arts_teachers) as pe_arts_teachers
    from teachers as t
    inner join stages as s
        on t.teaching_stage = s.teaching_stage_code
    group by t.school_code, t.year, s.stage_code
),

school_stage as (
    select
        p.school_code,
        p.year,
        p.region_code,
        p.stage_code,
        p.pupils,
        coalesce(t.qualified_teachers, 0) as qualified_teachers,
        coalesce(t.backbone_teachers, 0) as backbone_teachers,
        coalesce(t.pe_arts_teachers, 0) as pe_arts_teachers,
        f.pupils as school_pupils,
        f.teaching_floor_area_m2,
        f.sports_ground_area_m2,
        f.equipment_value_yuan,
        f.multimedia_classrooms
    from stage_pupils as p
    inner join facilities as f
        on
            p.school_code = f.school_code
            and p.year = f.year
    left join stage_teachers as t
        on
            p.school_code = t.school_code
            and p.year = t.year
            and p.stage_code = t.stage_code
),

-- one row per measure, so thresholds join from the seed instead of living in SQL
{% set measures = [
    ['qualified_teachers_per_100', '100.0 * qualified_teachers / pupils'],
    ['backbone_teachers_per_100', '100.0 * backbone_teachers / pupils'],
    ['pe_arts_teachers_per_100', '100.0 * pe_arts_teachers / pupils'],
    ['floor_area_per_pupil', 'teaching_floor_area_m2 / school_pupils'],
    ['sports_ground_per_pupil', 'sports_ground_area_m2 / school_pupils'],
    ['equipment_value_per_pupil', 'equipment_value_yuan / school_pupils'],
    ['multimedia_classrooms_per_100', '100.0 * multimedia_classrooms / school_pupils'],
] %}
measures as (
    {% for measure_id, expression in measures %}
        select
            school_code,
            year,
            region_code,
            stage_code,
            pupils,
            '{{ measure_id }}' as measure_id,
            {{ expression }} as measure_value
        from school_stage
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        m.school_code,
        m.year,
        m.region_code,
        m.stage_code,
        m.measure_id,
        m.pupils,
        m.measure_value,
        cast(st.threshold as double) as threshold,
        m.measure_value >= cast(st.threshold as double) as reaches_threshold,
        m.measure_value
        >= {{ var('balance_floor_share') }} * cast(st.threshold as double) as reaches_floor
    from measures as m
    inner join standards as st
        on
            m.measure_id = st.measure_id
            and m.stage_code = st.stage_code
)

select * from final
