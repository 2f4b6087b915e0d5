-- Who is in school and where: 高中阶段毛入学率, 残疾儿童少年义务教育入学率, 随迁子女在公办
-- 学校就读比例, the private share of compulsory pupils and compulsory dropouts (GUIDE.md §2).
-- 残疾儿童少年义务教育入学率 counts the same children on both sides (适龄): disabled pupils of
-- compulsory school age (vars compulsory_age_from/_to) enrolled in grades G1–G9 over disabled
-- children of that age. Special schools, 随班就读 (disabled pupils in regular schools) and
-- 送教上门 (taught at home, on a school's roll) all count: each is a pupil on a roll.
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
        sum(
            case when e.stage_code in ('senior_general', 'senior_vocational') then e.pupils end
        ) as senior_pupils,
        sum(case when s.is_compulsory then e.pupils end) as compulsory_pupils,
        sum(case when s.is_compulsory and e.sponsor = 'private' then e.pupils end)
            as private_compulsory_pupils,
        sum(case when s.is_compulsory then e.disabled_pupils_of_compulsory_age end)
            as disabled_compulsory_pupils,
        sum(case when s.is_compulsory then e.migrant_pupils end) as migrant_compulsory_pupils,
        sum(case when s.is_compulsory and e.sponsor = 'public' then e.migrant_pupils end)
            as migrant_public_compulsory_pupils,
        sum(case when s.is_compulsory then e.dropouts end) as compulsory_dropouts
    from enrolment as e
    inner join stages as s
        on e.stage_code = s.stage_code
    group by e.region_code, e.year
),

age_groups as (
    select
        region_code,
        year,
        sum(
            case
                when age between {{ var('senior_age_from') }} and {{ var('senior_age_to') }}
                    then population
            end
        ) as senior_age_population,
        sum(
            case
                when
                    age between {{ var('compulsory_age_from') }}
                    and {{ var('compulsory_age_to') }}
                    then disabled_population
            end
        ) as disabled_compulsory_age_population
    from population
    group by region_code, year
),

with_population as (
    select
        coalesce(p.region_code, a.region_code) as region_code,
        coalesce(p.year, a.year) as year,
        coalesce(p.senior_pupils, 0) as senior_pupils,
        coalesce(p.disabled_compulsory_pupils, 0) as disabled_compulsory_pupils,
        a.senior_age_population,
        a.disabled_compulsory_age_population
    from pupils as p
    full outer join age_groups as a
        on
            p.region_code = a.region_code
            and p.year = a.year
),

final as (
    {{ indicator_rows('with_population', [
        ['senior_gross_enrolment_rate', 'senior_pupils', 'senior_age_population'],
        ['disabled_compulsory_enrolment_rate', 'disabled_compulsory_pupils',
            'disabled_compulsory_age_population'],
    ]) }}
    union all
    {{ indicator_rows('pupils', [
        ['migrant_public_school_share', 'coalesce(migrant_public_compulsory_pupils, 0)',
            'coalesce(migrant_compulsory_pupils, 0)'],
        ['private_compulsory_share', 'coalesce(private_compulsory_pupils, 0)',
            'coalesce(compulsory_pupils, 0)'],
        ['compulsory_dropouts', 'coalesce(compulsory_dropouts, 0)', none],
    ]) }}
)

select * from final
