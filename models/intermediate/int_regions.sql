-- Current division codes (seed regions) and codes retired by a merger or renaming (seed
-- regions_historical), so extracts delivered under an old code still have a region and roll up
-- to their prefecture, and a successor code knows the year it started.
with current_regions as (
    select * from {{ ref('regions') }}
),

historical as (
    select * from {{ ref('regions_historical') }}
),

successor_start as (
    select
        successor_code,
        min(valid_to_year) + 1 as valid_from_year
    from historical
    group by successor_code
),

final as (
    select
        c.region_code,
        c.region_name,
        c.region_level,
        c.parent_code,
        c.longitude,
        c.latitude,
        coalesce(cast(c.valid_from_year as integer), s.valid_from_year) as valid_from_year,
        cast(c.valid_to_year as integer) as valid_to_year,
        cast(null as varchar) as successor_code,
        true as is_current,
        c.source
    from current_regions as c
    left join successor_start as s
        on c.region_code = s.successor_code
    union all
    select
        h.region_code,
        h.region_name,
        h.region_level,
        h.parent_code,
        cast(null as double) as longitude,
        cast(null as double) as latitude,
        cast(null as integer) as valid_from_year,
        cast(h.valid_to_year as integer) as valid_to_year,
        h.successor_code,
        false as is_current,
        h.source
    from historical as h
)

select * from final
