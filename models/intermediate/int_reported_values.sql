-- The reported value of each region, year and indicator (extract indicator_reports): a report
-- filed one year may restate a figure an earlier report gave, so the figure reported last
-- (latest report date, then the latest delivery) is the one that counts. Figures delivered
-- under a retired region code are kept under the code that replaced it, as the extracts are.
with reports as (
    select * from {{ ref('stg_raw__indicator_reports') }}
),

regions as (
    select * from {{ ref('int_regions') }}
),

ranked as (
    select
        r.current_region_code as region_code,
        rep.year,
        rep.indicator_id,
        rep.breakdown,
        rep.value,
        rep.unit,
        rep.reporting_unit,
        rep.evidence,
        rep.report_date,
        rep.source_file,
        row_number() over (
            partition by r.current_region_code, rep.year, rep.indicator_id, rep.breakdown
            order by rep.report_date desc, rep.loaded_at desc, rep.source_file desc
        ) as recency
    from reports as rep
    inner join regions as r
        on rep.region_code = r.region_code
),

final as (
    select
        region_code,
        year,
        indicator_id,
        breakdown,
        value,
        unit,
        reporting_unit,
        evidence,
        report_date,
        source_file
    from ranked
    where recency = 1
)

select * from final
