with source as (
    select * from {{ source('raw', 'funding') }}
),

renamed as (
    select
        cast(year as integer) as year,
        region_code,
        item_code,
        cast(amount_yuan as double) as amount_yuan,
        {{ lineage_columns() }}
    from source
)

select * from renamed
