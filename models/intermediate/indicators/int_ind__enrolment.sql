-- Pupils on the roll by stage (在校生规模, the figures plans set as 万人 targets), the
-- compulsory-education enrolment rate (义务教育入学率) and general senior new entrants
-- (普通高中招生人数). Stages follow dim_stage: senior is 高中阶段 (general and vocational
-- together), compulsory is grades G1–G9.
with enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

population as (
    select * from {{ ref('fct_population') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

pupils as (
    select
        e.region_code,
        e.year,
        sum(case when e.stage_code = 'preschool' then e.pupils else 0 end) as preschool,
        sum(case when e.stage_code = 'primary' then e.pupils else 0 end) as primary_pupils,
        sum(case when e.stage_code = 'junior' then e.pupils else 0 end) as junior,
        sum(case when s.is_compulsory then e.pupils else 0 end) as compulsory,
        sum(
            case
                when e.stage_code in ('senior_general', 'senior_vocational') then e.pupils
                else 0
            end
        ) as senior,
        sum(case when e.stage_code = 'senior_general' then e.pupils else 0 end) as senior_general,
        sum(case when e.stage_code = 'senior_vocational' then e.pupils else 0 end)
            as senior_vocational,
        -- 义务教育入学率 counts pupils of compulsory school age in grades G1–G9 (net)
        sum(case when s.is_compulsory then e.pupils_of_compulsory_age else 0 end)
            as compulsory_age_pupils,
        sum(
            case
                when e.grade_code = 'G10' and e.stage_code = 'senior_general' then e.new_pupils
                else 0
            end
        ) as senior_general_new_entrants
    from enrolment as e
    inner join stages as s
        on e.stage_code = s.stage_code
    group by e.region_code, e.year
),

compulsory_age_population as (
    select
        region_code,
        year,
        sum(population) as population
    from population
    where age between {{ var('compulsory_age_from') }} and {{ var('compulsory_age_to') }}
    group by region_code, year
),

-- a county with population but no pupils has a rate of 0; with pupils but no population, none
with_population as (
    select
        coalesce(p.region_code, a.region_code) as region_code,
        coalesce(p.year, a.year) as year,
        coalesce(p.compulsory_age_pupils, 0) as compulsory_age_pupils,
        a.population as compulsory_age_population
    from pupils as p
    full outer join compulsory_age_population as a
        on
            p.region_code = a.region_code
            and p.year = a.year
),

final as (
    {{ indicator_rows('pupils', [
        ['pupils_enrolled_preschool', 'preschool', none],
        ['pupils_enrolled_primary', 'primary_pupils', none],
        ['pupils_enrolled_junior', 'junior', none],
        ['pupils_enrolled_compulsory', 'compulsory', none],
        ['pupils_enrolled_senior', 'senior', none],
        ['pupils_enrolled_senior_general', 'senior_general', none],
        ['pupils_enrolled_senior_vocational', 'senior_vocational', none],
        ['senior_general_new_entrants', 'senior_general_new_entrants', none],
    ]) }}
    union all
    {{ indicator_rows('with_population', [
        ['compulsory_enrolment_rate', 'compulsory_age_pupils', 'compulsory_age_population'],
    ]) }}
)

select * from final
