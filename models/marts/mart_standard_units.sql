-- A view: it restates rows of fct_class, mart_school_balance and mart_balance_cv, and is read
-- for a few regions at a time, so storing it again would only double the file.
{{ config(materialized='view') }}

-- Every unit a school-level plan standard is checked on, in one shape, so the generated
-- expectations can check "every class", "every school" and "the county's 差异系数" alike:
--   max_class_size        one row per class, value = its pupils (班额 caps such as 45 / 50);
--   <measure_id>          one row per school, value = its 优质均衡 measure (thresholds);
--   <measure_id>_cv       one row per county, value = the pupil-weighted 差异系数 (a county
--                         standard: prefectures and provinces have no maximum to check).
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

final as (
    select * from class_units
    union all
    select * from school_units
    union all
    select * from region_units
)

select * from final
