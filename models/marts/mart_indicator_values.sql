-- Indicator values for every region at every level of the hierarchy and every year. Rates are
-- recomputed from summed numerators and denominators at each level: an average of county
-- rates would weight a small county like a large one.
with components as (
    select * from {{ ref('int_indicator_components') }}
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

rolled_up as (
    select
        a.ancestor_code as region_code,
        c.year,
        c.indicator_id,
        sum(c.numerator) as numerator,
        sum(c.denominator) as denominator,
        count(distinct c.region_code) as reporting_counties
    from components as c
    inner join ancestors as a
        on c.region_code = a.region_code
    group by a.ancestor_code, c.year, c.indicator_id
),

-- How many county-level units each region has, to flag a roll-up built from part of a region
-- (e.g. 南阳市 when only 卧龙区 has delivered extracts).
county_counts as (
    select
        a.ancestor_code as region_code,
        count(*) as counties_in_region
    from ancestors as a
    inner join regions as r
        on a.region_code = r.region_code
    where r.region_level = 'county'
    group by a.ancestor_code
),

final as (
    select
        r.region_code,
        reg.region_name,
        reg.region_level,
        r.year,
        r.indicator_id,
        i.indicator_name_zh,
        i.unit,
        r.numerator,
        r.denominator,
        i.value_scale * {{ safe_divide('r.numerator', 'r.denominator') }} as value,
        r.reporting_counties,
        coalesce(cc.counties_in_region, 1) as counties_in_region,
        r.reporting_counties >= coalesce(cc.counties_in_region, 1) as is_complete_coverage
    from rolled_up as r
    inner join regions as reg
        on r.region_code = reg.region_code
    inner join indicators as i
        on r.indicator_id = i.indicator_id
    left join county_counts as cc
        on r.region_code = cc.region_code
)

select * from final
