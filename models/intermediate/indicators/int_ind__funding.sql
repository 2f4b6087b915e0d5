-- 一般公共预算教育支出 (total and per pupil) and 生均公用经费 by stage (GUIDE.md §2).
--
-- 生均公用经费 divides a stage's public operating funds by the pupils those funds pay for: the
-- pupils of public schools of that stage. Private schools are not paid from these items, and
-- special-education schools are funded by their own per-pupil standard, so neither enters the
-- stage averages. Senior covers general and vocational pupils (one funding item).
--
-- The floor "不足100人的按100人核定" is the compulsory-education rule for small rural schools
-- and 教学点 (国发〔2015〕67号, 城乡义务教育经费保障机制: 农村地区不足100人的规模较小学校
-- 按100人核定公用经费; restated for 泸西县 in 003_59a37f879a074739.txt line 264). It applies
-- to a school of the stages in var funding_floor_stages, in an area class of var
-- funding_floor_area_classes (乡村 = 农村), whose compulsory pupils number fewer than var
-- funding_floor_pupils; such a school is funded as that many pupils, shared between its
-- stages in proportion to their pupils. Kindergartens and senior schools have no floor.
with funding as (
    select * from {{ ref('fct_funding') }}
),

enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

amounts as (
    select
        region_code,
        year,
        sum(case when item_code = 'edu_general_budget' then amount_yuan end) as general_budget,
        sum(case when item_code = 'operating_funds_preschool' then amount_yuan end)
            as funds_preschool,
        sum(case when item_code = 'operating_funds_primary' then amount_yuan end)
            as funds_primary,
        sum(case when item_code = 'operating_funds_junior' then amount_yuan end)
            as funds_junior,
        sum(case when item_code = 'operating_funds_senior' then amount_yuan end)
            as funds_senior,
        -- 学生人均公用经费 without a stage (三个增长): every stage's operating funds
        -- ('!' escapes the underscores: a backslash escape ends the literal on Spark)
        sum(case when item_code like 'operating!_funds!_%' escape '!' then amount_yuan end)
            as funds_all
    from funding
    group by region_code, year
),

all_pupils as (
    select
        region_code,
        year,
        sum(pupils) as pupils
    from enrolment
    group by region_code, year
),

-- the pupils each stage's operating funds pay for, per school
funded_school_stages as (
    select
        region_code,
        year,
        school_code,
        area_class,
        case
            when stage_code in ('senior_general', 'senior_vocational') then 'senior'
            else stage_code
        end as funds_stage,
        sum(pupils) as pupils
    from enrolment
    where sponsor = 'public' and not is_special_school
    group by
        region_code,
        year,
        school_code,
        area_class,
        case
            when stage_code in ('senior_general', 'senior_vocational') then 'senior'
            else stage_code
        end
    having sum(pupils) > 0
),

floor_schools as (
    select
        school_code,
        year,
        sum(pupils) as floor_stage_pupils
    from funded_school_stages
    where
        funds_stage in ({{ sql_string_list(var('funding_floor_stages')) }})
        and area_class in ({{ sql_string_list(var('funding_floor_area_classes')) }})
    group by school_code, year
    having sum(pupils) < {{ var('funding_floor_pupils') }}
),

funded as (
    select
        s.region_code,
        s.year,
        s.funds_stage,
        case
            when f.school_code is not null
                then
                    cast(s.pupils as double)
                    * {{ var('funding_floor_pupils') }} / f.floor_stage_pupils
            else s.pupils
        end as funded_pupils
    from funded_school_stages as s
    left join floor_schools as f
        on
            s.school_code = f.school_code
            and s.year = f.year
            and s.funds_stage in ({{ sql_string_list(var('funding_floor_stages')) }})
),

funded_pupils as (
    select
        region_code,
        year,
        sum(case when funds_stage = 'preschool' then funded_pupils end) as funded_preschool,
        sum(case when funds_stage = 'primary' then funded_pupils end) as funded_primary,
        sum(case when funds_stage = 'junior' then funded_pupils end) as funded_junior,
        sum(case when funds_stage = 'senior' then funded_pupils end) as funded_senior,
        sum(funded_pupils) as funded_all
    from funded
    group by region_code, year
),

pupils_joined as (
    select
        a.region_code,
        a.year,
        a.pupils,
        f.funded_preschool,
        f.funded_primary,
        f.funded_junior,
        f.funded_senior,
        f.funded_all
    from all_pupils as a
    left join funded_pupils as f
        on
            a.region_code = f.region_code
            and a.year = f.year
),

joined as (
    select
        coalesce(a.region_code, p.region_code) as region_code,
        coalesce(a.year, p.year) as year,
        a.general_budget,
        a.funds_preschool,
        a.funds_primary,
        a.funds_junior,
        a.funds_senior,
        a.funds_all,
        p.pupils,
        p.funded_preschool,
        p.funded_primary,
        p.funded_junior,
        p.funded_senior,
        p.funded_all
    from amounts as a
    full outer join pupils_joined as p
        on
            a.region_code = p.region_code
            and a.year = p.year
),

final as (
    {{ indicator_rows('joined', [
        ['edu_general_budget', 'general_budget', none],
        ['edu_budget_per_pupil', 'general_budget', 'pupils'],
        ['operating_funds_per_pupil_preschool', 'funds_preschool', 'funded_preschool'],
        ['operating_funds_per_pupil_primary', 'funds_primary', 'funded_primary'],
        ['operating_funds_per_pupil_junior', 'funds_junior', 'funded_junior'],
        ['operating_funds_per_pupil_senior', 'funds_senior', 'funded_senior'],
        ['operating_funds_per_pupil', 'funds_all', 'funded_all'],
    ]) }}
)

select * from final
