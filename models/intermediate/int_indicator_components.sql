-- Numerator and denominator of every indicator for every county-level region and year.
-- Each indicator is defined here once, at the lowest level the data have; the mart sums the
-- two parts up the region hierarchy (summing rates or averaging them would be wrong).
with enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

population as (
    select * from {{ ref('fct_population') }}
),

preschool_pupils as (
    select
        region_code,
        year,
        sum(pupils) as pupils,
        sum(case when sponsor = 'public' then pupils else 0 end) as public_pupils
    from enrolment
    where stage_code = 'preschool'
    group by region_code, year
),

preschool_age_population as (
    select
        region_code,
        year,
        sum(population) as population
    from population
    where age between {{ var('preschool_age_from') }} and {{ var('preschool_age_to') }}
    group by region_code, year
),

-- 学前三年毛入园率: kindergarten pupils / population aged 3–5 (GUIDE.md §2). A full join keeps
-- a county that reported population but no pupils (rate 0) and the reverse (rate unknown).
preschool_gross_enrolment_rate as (
    select
        coalesce(pop.region_code, pup.region_code) as region_code,
        coalesce(pop.year, pup.year) as year,
        'preschool_gross_enrolment_rate' as indicator_id,
        coalesce(pup.pupils, 0) as numerator,
        coalesce(pop.population, 0) as denominator
    from preschool_age_population as pop
    full outer join preschool_pupils as pup
        on
            pop.region_code = pup.region_code
            and pop.year = pup.year
),

-- 公办园在园幼儿占比: pupils in public kindergartens / all kindergarten pupils.
public_kindergarten_share as (
    select
        region_code,
        year,
        'public_kindergarten_share' as indicator_id,
        public_pupils as numerator,
        pupils as denominator
    from preschool_pupils
),

final as (
    select * from preschool_gross_enrolment_rate
    union all
    select * from public_kindergarten_share
)

select * from final
