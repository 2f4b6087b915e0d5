with source as (
    select * from {{ source('raw', 'teachers') }}
),

renamed as (
    select
        cast(year as integer) as year,
        -- already a keyed hash: the bureau's staff id never reaches the warehouse
        teacher_key,
        school_code,
        teaching_stage,
        staff_category,
        qualification,
        title,
        backbone_level,
        cast(dual_qualified as integer) = 1 as is_dual_qualified,
        subject_group,
        cast(rotated as integer) = 1 as is_rotated,
        cast(rotation_eligible as integer) = 1 as is_rotation_eligible,
        {{ lineage_columns() }}
    from source
)

select * from renamed
