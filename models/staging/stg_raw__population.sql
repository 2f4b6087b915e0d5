with source as (
    select * from {{ source('raw', 'population') }}
),

renamed as (
    select
        cast(year as integer) as year,
        region_code,
        cast(age as integer) as age,
        cast(population as integer) as population,
        cast(disabled_population as integer) as disabled_population,
        _source_file as source_file,
        _file_hash as file_hash,
        _row_number as source_row_number
    from source
)

select * from renamed
