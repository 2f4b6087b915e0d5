-- Population is kept under the current code of the region that delivered it (int_regions), as
-- fct_funding is, so a rate's denominator and numerator describe the same county across a
-- change of code.
with population as (
    select * from {{ ref('stg_raw__population') }}
),

regions as (
    select * from {{ ref('int_regions') }}
),

final as (
    select
        r.current_region_code as region_code,
        p.year,
        p.age,
        cast(sum(p.population) as integer) as population,
        cast(sum(p.disabled_population) as integer) as disabled_population
    from population as p
    inner join regions as r
        on p.region_code = r.region_code
    group by r.current_region_code, p.year, p.age
)

select * from final
