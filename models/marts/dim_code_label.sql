-- Every code list a mart exposes, with its Chinese and English label, in one place: a BI tool
-- decodes any code with `where code_set = '...' and code = ...`. Each label is defined once,
-- in a seed: the code lists that have their own seed keep their names there; the rest (region
-- levels, sponsor, size bands, statuses…) are in seed code_labels.
with code_labels as (
    select * from {{ ref('code_labels') }}
),

stages as (
    select * from {{ ref('stages') }}
),

school_types as (
    select * from {{ ref('school_types') }}
),

urban_rural_types as (
    select * from {{ ref('urban_rural_types') }}
),

grades as (
    select * from {{ ref('grades') }}
),

grade_labels as (
    select * from {{ ref('grade_labels') }}
),

funding_items as (
    select * from {{ ref('funding_items') }}
),

balance_standards as (
    select * from {{ ref('balance_standards') }}
),

labels as (
    select
        code_set,
        code,
        name_zh,
        name_en,
        sort_order,
        'code_labels' as source_seed
    from code_labels
    union all
    select
        'stage' as code_set,
        stage_code as code,
        stage_name_zh as name_zh,
        stage_name_en as name_en,
        stage_order as sort_order,
        'stages' as source_seed
    from stages
    union all
    -- the teachers extract's teaching_stage codes: five name a stage, two (special, other) are
    -- in code_labels
    select
        'teaching_stage' as code_set,
        teaching_stage_code as code,
        stage_name_zh as name_zh,
        stage_name_en as name_en,
        stage_order as sort_order,
        'stages' as source_seed
    from stages
    union all
    select
        'school_type' as code_set,
        school_type_code as code,
        school_type_name_zh as name_zh,
        school_type_name_en as name_en,
        row_number() over (order by school_type_code) as sort_order,
        'school_types' as source_seed
    from school_types
    union all
    select
        'urban_rural' as code_set,
        urban_rural_code as code,
        urban_rural_name_zh as name_zh,
        urban_rural_name_en as name_en,
        row_number() over (order by urban_rural_code) as sort_order,
        'urban_rural_types' as source_seed
    from urban_rural_types
    union all
    select
        'grade' as code_set,
        g.grade_code as code,
        g.grade_name_zh as name_zh,
        gl.grade_name_en as name_en,
        g.grade_order as sort_order,
        'grades, grade_labels' as source_seed
    from grades as g
    left join grade_labels as gl
        on g.grade_code = gl.grade_code
    union all
    select
        'funding_item' as code_set,
        item_code as code,
        item_name_zh as name_zh,
        item_name_en as name_en,
        row_number() over (order by item_code) as sort_order,
        'funding_items' as source_seed
    from funding_items
    union all
    -- balance_standards has one row per measure and stage; the names are the measure's
    select
        'balance_measure' as code_set,
        measure_id as code,
        min(measure_name_zh) as name_zh,
        min(measure_name_en) as name_en,
        row_number() over (order by measure_id) as sort_order,
        'balance_standards' as source_seed
    from balance_standards
    group by measure_id
),

final as (
    select
        cast(code_set as {{ dbt.type_string() }}) as code_set,
        cast(code as {{ dbt.type_string() }}) as code,
        cast(name_zh as {{ dbt.type_string() }}) as name_zh,
        cast(name_en as {{ dbt.type_string() }}) as name_en,
        cast(sort_order as integer) as sort_order,
        cast(source_seed as {{ dbt.type_string() }}) as source_seed
    from labels
)

select * from final
