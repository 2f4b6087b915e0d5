with source as (
    select * from {{ source('raw', 'schools') }}
),

renamed as (
    select
        cast(year as integer) as year,
        school_code,
        school_name,
        region_code,
        school_type_code,
        sponsor,
        urban_rural_code,
        cast(inclusive_kindergarten as integer) = 1 as is_inclusive_kindergarten,
        cast(classes as integer) as classes,
        cast(teaching_floor_area_m2 as double) as teaching_floor_area_m2,
        cast(sports_ground_area_m2 as double) as sports_ground_area_m2,
        cast(equipment_value_yuan as double) as equipment_value_yuan,
        cast(multimedia_classrooms as integer) as multimedia_classrooms,
        {{ lineage_columns() }}
    from source
)

select * from renamed
