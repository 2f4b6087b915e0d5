with source as (
    select * from {{ source('raw', 'indicator_reports') }}
),

renamed as (
    select
        cast(year as integer) as year,
        region_code,
        indicator_id,
        -- one figure per region, year and indicator unless the template names its part
        coalesce(breakdown, '') as breakdown,
        cast(value as double) as value,
        unit,
        reporting_unit,
        evidence,
        cast(report_date as date) as report_date,
        -- which delivery is newest decides between two current files reporting the same figure
        cast(_loaded_at as timestamp) as loaded_at,
        {{ lineage_columns() }}
    from source
)

select * from renamed
