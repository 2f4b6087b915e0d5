-- 一般公共预算教育支出 (total and per pupil) and 生均公用经费 by stage (GUIDE.md §2). Operating
-- funds are divided by pupils counted per school with a floor (schools under 100 pupils are
-- funded as 100), the rule by which small rural schools are funded.
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
            as funds_senior
    from funding
    group by region_code, year
),

-- the operating-funds stage of each pupil stage (senior covers general and vocational)
school_stage_pupils as (
    select
        region_code,
        year,
        school_code,
        case
            when stage_code in ('senior_general', 'senior_vocational') then 'senior'
            else stage_code
        end as funds_stage,
        sum(pupils) as pupils
    from enrolment
    group by
        region_code,
        year,
        school_code,
        case
            when stage_code in ('senior_general', 'senior_vocational') then 'senior'
            else stage_code
        end
),

funded_pupils as (
    select
        region_code,
        year,
        sum(pupils) as pupils,
        sum(
            case
                when funds_stage = 'preschool'
                    then greatest(pupils, {{ var('funding_floor_pupils') }})
            end
        ) as funded_preschool,
        sum(
            case
                when funds_stage = 'primary'
                    then greatest(pupils, {{ var('funding_floor_pupils') }})
            end
        ) as funded_primary,
        sum(
            case
                when funds_stage = 'junior'
                    then greatest(pupils, {{ var('funding_floor_pupils') }})
            end
        ) as funded_junior,
        sum(
            case
                when funds_stage = 'senior'
                    then greatest(pupils, {{ var('funding_floor_pupils') }})
            end
        ) as funded_senior
    from school_stage_pupils
    where pupils > 0
    group by region_code, year
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
        p.pupils,
        p.funded_preschool,
        p.funded_primary,
        p.funded_junior,
        p.funded_senior
    from amounts as a
    full outer join funded_pupils as p
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
    ]) }}
)

select * from final
