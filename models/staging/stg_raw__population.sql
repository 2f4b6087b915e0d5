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
        {{ lineage_columns() }}
    from source
)

select * from renamed
