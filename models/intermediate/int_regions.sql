-- Current division codes (seed regions) and codes retired by a merger, renaming or split (seed
-- regions_historical). Each code knows the current code its figures are kept under
-- (current_region_code): a county that delivers under its retired code in some years or for
-- some extracts and under its new code in others is one county, so its series, cohort bases
-- and roll-ups must use one code. A code that was split between several successors keeps its
-- own code (its figures cannot be divided between them) and still rolls up to its prefecture.
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
    where successor_code is not null
    group by successor_code
),

-- A successor can itself be renamed later: follow the chain up to three changes (no recursive
-- CTE, which Spark SQL does not support; a data test checks that every chain ends at a current
-- code or a split code).
resolved as (
    select
        h.region_code,
        coalesce(h3.successor_code, h2.successor_code, h.successor_code, h.region_code)
            as current_region_code
    from historical as h
    left join historical as h2
        on h.successor_code = h2.region_code
    left join historical as h3
        on h2.successor_code = h3.region_code
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
        cast(null as {{ dbt.type_string() }}) as successor_code,
        cast(null as {{ dbt.type_string() }}) as change_kind,
        c.region_code as current_region_code,
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
        h.change_kind,
        r.current_region_code,
        false as is_current,
        h.source
    from historical as h
    inner join resolved as r
        on h.region_code = r.region_code
)

select * from final
