with source as (
    select * from {{ source('raw', 'funding') }}
),

renamed as (
    select
        cast(year as integer) as year,
        region_code,
        item_code,
        cast(amount_yuan as double) as amount_yuan,
        _source_file as source_file,
        _file_hash as file_hash,
        _row_number as source_row_number
    from source
)

select * from renamed
