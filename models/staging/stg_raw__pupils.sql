with source as (
    select * from {{ source('raw', 'pupils') }}
),

renamed as (
    select
        cast(year as integer) as year,
        -- already a keyed hash: the bureau's pupil id never reaches the warehouse
        pupil_key,
        school_code,
        grade as grade_code,
        class_id,
        cast(birth_year as integer) as birth_year,
        sex as sex_code,
        cast(migrant as integer) = 1 as is_migrant,
        cast(left_behind as integer) = 1 as is_left_behind,
        cast(disabled as integer) = 1 as is_disabled,
        status as pupil_status,
        {{ lineage_columns() }}
    from source
)

select * from renamed
