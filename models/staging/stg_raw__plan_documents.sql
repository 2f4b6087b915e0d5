with source as (
    select * from {{ source('raw', 'plan_documents') }}
),

renamed as (
    select
        plan_id,
        title,
        region_code,
        kind,
        cast(period_start as integer) as period_start,
        cast(period_end as integer) as period_end,
        cast(baseline_year as integer) as baseline_year,
        cast(issue_date as date) as issue_date,
        document as source_file,
        document_sha256,
        workbook as accepted_workbook,
        cast(loaded_at as timestamp) as loaded_at
    from source
)

select * from renamed
