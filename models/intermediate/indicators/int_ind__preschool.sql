-- 学前三年毛入园率, 普惠性幼儿园覆盖率 and 公办园在园幼儿占比 for every county-level region and
-- year (GUIDE.md §2), as numerator and denominator.
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
        sum(case when sponsor = 'public' then pupils else 0 end) as public_pupils,
        sum(
            case when sponsor = 'public' or is_inclusive_kindergarten then pupils else 0 end
        ) as inclusive_pupils
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

-- A full join keeps a county that reported population but no pupils (rate 0) and the reverse
-- (rate unknown).
gross_enrolment as (
    select
        coalesce(pop.region_code, pup.region_code) as region_code,
        coalesce(pop.year, pup.year) as year,
        'preschool_gross_enrolment_rate' as indicator_id,
        coalesce(pup.pupils, 0) as numerator,
        pop.population as denominator
    from preschool_age_population as pop
    full outer join preschool_pupils as pup
        on
            pop.region_code = pup.region_code
            and pop.year = pup.year
),

shares as (
    {{ indicator_rows('preschool_pupils', [
        ['inclusive_kindergarten_coverage', 'inclusive_pupils', 'pupils'],
        ['public_kindergarten_share', 'public_pupils', 'pupils'],
    ]) }}
),

final as (
    select * from gross_enrolment
    union all
    select * from shares
)

select * from final
