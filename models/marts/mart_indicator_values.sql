-- Indicator values for every region at every level of the hierarchy and every year. Rates are
-- recomputed from summed numerators and denominators at each level: an average of county
-- rates would weight a small county like a large one. Year-on-year indicators (两个只增不减)
-- compare a region's own value with its value a year earlier, at that region's level.
-- Reported values (extract indicator_reports) are a region's own figure; a city or province
-- without its own report takes the sum of its counties' reports for a count or an amount,
-- complete only when every county reported, and never for a rate.
with components as (
    select * from {{ ref('int_indicator_components') }}
),

reported as (
    select * from {{ ref('int_reported_values') }}
),

ancestors as (
    select * from {{ ref('int_region_ancestors') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

indicators as (
    select * from {{ ref('dim_indicator') }}
),

-- How many current county-level units each region has, to flag a roll-up built from part of
-- a region (e.g. 南阳市 when only 卧龙区 has delivered extracts).
county_counts as (
    select
        a.ancestor_code as region_code,
        count(*) as counties_in_region
    from ancestors as a
    inner join regions as r
        on a.region_code = r.region_code
    where r.region_level = 'county' and r.is_current
    group by a.ancestor_code
),

-- Components are keyed by current county codes (a county delivered under a retired code is
-- re-keyed to its successor in dim_school, fct_funding and fct_population), so a reporting
-- county is a current county: a county that delivered one extract under its old code and
-- another under its new one counts once. Only a code split between successors keeps a
-- retired code; it counts as reporting for itself, not for a current county. A county reports
-- an indicator only with a known value: a ratio with both parts, a sum with its numerator (a
-- cohort without its base year, or new schools in a county's first year of data, do not);
-- only reporting counties are summed, so a partial sum is never complete.
known_components as (
    select
        c.region_code,
        c.year,
        c.indicator_id,
        c.numerator,
        c.denominator,
        c.numerator is not null
        and (i.aggregation <> 'ratio' or c.denominator is not null) as is_known
    from components as c
    inner join indicators as i
        on c.indicator_id = i.indicator_id
),

rolled_up as (
    select
        a.ancestor_code as region_code,
        c.year,
        c.indicator_id,
        sum(case when c.is_known then c.numerator end) as numerator,
        sum(case when c.is_known then c.denominator end) as denominator,
        count(
            distinct case
                when
                    c.is_known
                    and (reporter.is_current or c.region_code = a.ancestor_code)
                    then c.region_code
            end
        ) as reporting_counties
    from known_components as c
    inner join ancestors as a
        on c.region_code = a.region_code
    inner join regions as reporter
        on c.region_code = reporter.region_code
    group by a.ancestor_code, c.year, c.indicator_id
),

base_values as (
    select
        r.region_code,
        r.year,
        r.indicator_id,
        r.numerator,
        r.denominator,
        r.reporting_counties,
        case
            when i.aggregation = 'sum' then i.value_scale * r.numerator
            else i.value_scale * {{ safe_divide('r.numerator', 'r.denominator') }}
        end as value,
        'computed' as value_source,
        '' as breakdown
    from rolled_up as r
    inner join indicators as i
        on r.indicator_id = i.indicator_id
),

-- change on the year before, as a share of the year before; no value for a region's first year
year_on_year as (
    select
        cur.region_code,
        cur.year,
        i.indicator_id,
        cur.value - prev.value as numerator,
        prev.value as denominator,
        cur.reporting_counties,
        i.value_scale * {{ safe_divide('cur.value - prev.value', 'prev.value') }} as value,
        'computed' as value_source,
        '' as breakdown
    from base_values as cur
    inner join indicators as i
        on
            cur.indicator_id = i.base_indicator_id
            and i.aggregation = 'yoy_change'
    left join base_values as prev
        on
            cur.region_code = prev.region_code
            and cur.indicator_id = prev.indicator_id
            and cur.year - 1 = prev.year
),

-- a region's own report covers the whole region
own_reports as (
    select
        r.region_code,
        r.year,
        r.indicator_id,
        r.value as numerator,
        cast(null as double) as denominator,
        coalesce(cc.counties_in_region, 1) as reporting_counties,
        r.value,
        'reported' as value_source,
        r.breakdown
    from reported as r
    left join county_counts as cc
        on r.region_code = cc.region_code
),

summed_reports as (
    select
        a.ancestor_code as region_code,
        r.year,
        r.indicator_id,
        sum(r.value) as numerator,
        cast(null as double) as denominator,
        count(distinct r.region_code) as reporting_counties,
        sum(r.value) as value,
        'reported' as value_source,
        r.breakdown
    from reported as r
    inner join regions as county
        on r.region_code = county.region_code
    inner join ancestors as a
        on r.region_code = a.region_code
    inner join indicators as i
        on r.indicator_id = i.indicator_id
    where county.region_level = 'county' and a.depth > 0 and i.aggregation = 'sum'
    group by a.ancestor_code, r.year, r.indicator_id, r.breakdown
),

all_values as (
    select * from base_values
    union all
    select * from year_on_year
    union all
    select * from own_reports
    union all
    select s.*
    from summed_reports as s
    left join own_reports as o
        on
            s.region_code = o.region_code
            and s.year = o.year
            and s.indicator_id = o.indicator_id
            and s.breakdown = o.breakdown
    where o.region_code is null
),

final as (
    select
        v.region_code,
        reg.region_name,
        reg.region_level,
        v.year,
        v.indicator_id,
        i.indicator_name_zh,
        i.unit,
        v.numerator,
        v.denominator,
        v.value,
        v.reporting_counties,
        coalesce(cc.counties_in_region, 1) as counties_in_region,
        v.reporting_counties >= coalesce(cc.counties_in_region, 1) as is_complete_coverage,
        -- a value beyond what the indicator can be (a cohort rate above 100 %: pupils who
        -- transferred in outnumber the cohort's losses) is flagged, not passed off as a rate
        case
            when v.value > i.upper_bound then 'above_upper_bound'
        end as value_flag,
        v.value_source,
        v.breakdown
    from all_values as v
    inner join regions as reg
        on v.region_code = reg.region_code
    inner join indicators as i
        on v.indicator_id = i.indicator_id
    left join county_counts as cc
        on v.region_code = cc.region_code
)

select * from final
