-- Every plan the warehouse tracks: the five plans of the built-in catalogue (seed plans, with
-- the seven 2024 work plans of the compilation 004 as one plan each) and the plans bureaus add
-- through `eduwh plan accept` (raw.plan_documents). A target's milestones run from its plan's
-- baseline year, the year before the plan's period, so a 十四五 and a 十五五 plan of one region
-- can both be tracked.
with seeded as (
    select * from {{ ref('plans') }}
),

landed as (
    select * from {{ ref('stg_raw__plan_documents') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

plans as (
    select
        plan_id,
        title,
        region_code,
        kind,
        cast(period_start as integer) as period_start,
        cast(period_end as integer) as period_end,
        cast(baseline_year as integer) as baseline_year,
        cast(issue_date as date) as issue_date,
        source_file,
        document_sha256,
        'built_in' as origin
    from seeded
    union all
    select
        plan_id,
        title,
        region_code,
        kind,
        period_start,
        period_end,
        baseline_year,
        issue_date,
        source_file,
        document_sha256,
        'accepted' as origin
    from landed
),

final as (
    select
        p.plan_id,
        p.title,
        p.region_code,
        r.region_name,
        p.kind,
        p.period_start,
        p.period_end,
        p.baseline_year,
        p.issue_date,
        p.source_file,
        p.document_sha256,
        p.origin
    from plans as p
    left join regions as r
        on p.region_code = r.region_code
)

select * from final
