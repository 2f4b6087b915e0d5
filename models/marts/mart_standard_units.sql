-- A view: it restates rows of fct_class, mart_school_balance and mart_balance_cv, and is read
-- for a few regions at a time, so storing it again would only double the file. On Spark a
-- table: the job reads Spark's marts back from their Parquet files, which a view does not have.
{{ config(materialized='table' if target.type == 'spark' else 'view') }}

-- Every unit a school-level plan standard is checked on, in one shape, so the generated
-- expectations can check "every class", "every school" and "the county's 差异系数" alike:
--   max_class_size        one row per class, value = its pupils (班额 caps such as 45 / 50);
--   <measure_id>          one row per school, value = its 优质均衡 measure (thresholds);
--   <measure_id>_cv       one row per county, value = the pupil-weighted 差异系数 (a county
--                         standard: prefectures and provinces have no maximum to check);
--   classes_per_school    one row per school, value = its classes (原则上不超过36个教学班);
--   pupils_per_school     one row per school, value = its pupils (办学规模不超过2000人);
--   multimedia_classrooms_per_class
--                         one row per school, value = networked multimedia classrooms per
--                         class (每个班级教室配备1套多媒体教学设备).
-- The three school-size standards are per school, under the stage of the school's category
-- (primary: 211, 218; junior: 311, 312; senior_general: 341, 342, 345); special,
-- vocational and other schools and kindergartens are not 中小学 of these standards.
-- region_code is the class's or school's county, or the region the 差异系数 is of; a
-- prefecture's standard covers the classes and schools of its counties (dim_region).
with classes as (
    select * from {{ ref('fct_class') }}
),

schools as (
    select * from {{ ref('mart_school_balance') }}
),

dispersion as (
    select * from {{ ref('mart_balance_cv') }}
),

facilities as (
    select * from {{ ref('fct_facilities') }}
),

school_dim as (
    select * from {{ ref('dim_school') }}
),

class_units as (
    select
        'max_class_size' as standard_id,
        stage_code,
        year,
        region_code,
        'class' as unit_kind,
        {{ dbt.concat(['school_code', "':'", 'class_id']) }} as unit_id,
        cast(pupils as double) as value
    from classes
),

school_units as (
    select
        measure_id as standard_id,
        stage_code,
        year,
        region_code,
        'school' as unit_kind,
        school_code as unit_id,
        cast(measure_value as double) as value
    from schools
),

region_units as (
    select
        {{ dbt.concat(['measure_id', "'_cv'"]) }} as standard_id,
        stage_code,
        year,
        region_code,
        'region' as unit_kind,
        region_code as unit_id,
        coefficient_of_variation as value
    from dispersion
    where region_level = 'county'
),

school_sizes as (
    select
        f.school_code,
        f.year,
        f.region_code,
        case d.school_category
            when 'senior' then 'senior_general'
            else d.school_category
        end as stage_code,
        cast(f.classes as double) as classes,
        cast(f.pupils as double) as pupils,
        {{ safe_divide('f.multimedia_classrooms', 'f.classes') }} as multimedia_per_class
    from facilities as f
    inner join school_dim as d
        on
            f.school_code = d.school_code
            and f.year = d.year
    where d.school_category in ('primary', 'junior', 'senior') and f.pupils > 0
),

{% set size_standards = [
    ['classes_per_school', 'classes'],
    ['pupils_per_school', 'pupils'],
    ['multimedia_classrooms_per_class', 'multimedia_per_class'],
] %}
school_size_units as (
    {% for standard_id, column in size_standards %}
        select
            '{{ standard_id }}' as standard_id,
            stage_code,
            year,
            region_code,
            'school' as unit_kind,
            school_code as unit_id,
            {{ column }} as value
        from school_sizes
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select * from class_units
    union all
    select * from school_units
    union all
    select * from region_units
    union all
    select * from school_size_units
)

select * from final
