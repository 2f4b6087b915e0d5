-- Bridge from every region to itself and to each of its ancestors, so that one join rolls
-- county figures up to any level. The hierarchy is at most three deep (county → prefecture →
-- province), so two self-joins replace a recursive CTE, which Spark SQL does not support.
with regions as (
    select * from {{ ref('int_regions') }}
),

with_parents as (
    select
        r.region_code,
        r.parent_code,
        p.parent_code as grandparent_code
    from regions as r
    left join regions as p
        on r.parent_code = p.region_code
),

pairs as (
    select
        region_code,
        region_code as ancestor_code,
        0 as depth
    from with_parents
    union all
    select
        region_code,
        parent_code as ancestor_code,
        1 as depth
    from with_parents
    where parent_code is not null
    union all
    select
        region_code,
        grandparent_code as ancestor_code,
        2 as depth
    from with_parents
    where grandparent_code is not null
),

final as (
    select
        pairs.region_code,
        pairs.ancestor_code,
        ancestors.region_level as ancestor_level,
        pairs.depth
    from pairs
    inner join regions as ancestors
        on pairs.ancestor_code = ancestors.region_code
)

select * from final
