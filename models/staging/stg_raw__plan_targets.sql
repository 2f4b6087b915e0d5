with source as (
    select * from {{ source('raw', 'plan_targets') }}
),

renamed as (
    select
        plan_id,
        target_id,
        region_code,
        indicator_id,
        stage,
        subgroup,
        cast(target_year as integer) as target_year,
        comparator,
        cast(target_value as double) as target_value,
        cast(target_value_high as double) as target_value_high,
        unit,
        binding,
        source_file,
        cast(source_line as integer) as source_line,
        source_quote
    from source
)

select * from renamed
