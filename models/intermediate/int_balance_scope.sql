-- Which schools the 县域义务教育优质均衡 resource measures assess, per compulsory stage they
-- teach, and why a school is left out. The assessment (教督〔2017〕6号, GUIDE.md §2) covers
-- regular primary and junior schools: special-education schools are assessed by their own
-- standards and stay out of the school counts and the 差异系数. Small 教学点 follow the
-- province's implementing rules (seed balance_assessment_rules, with its source): a province's
-- own rows replace the default rows (province_code '*').
with enrolment as (
    select * from {{ ref('fct_enrolment') }}
),

ancestors as (
    select * from {{ ref('int_region_ancestors') }}
),

rules as (
    select * from {{ ref('balance_assessment_rules') }}
),

school_stages as (
    select
        school_code,
        year,
        region_code,
        stage_code,
        school_type_code,
        is_special_school,
        {{ sum_count('pupils') }} as pupils
    from enrolment
    where stage_code in ('primary', 'junior')
    group by school_code, year, region_code, stage_code, school_type_code, is_special_school
    having sum(pupils) > 0
),

school_size as (
    select
        school_code,
        year,
        {{ sum_count('pupils') }} as school_pupils
    from enrolment
    group by school_code, year
),

provinces_with_rules as (
    select distinct province_code
    from rules
    where province_code <> '*'
),

with_province as (
    select
        s.*,
        z.school_pupils,
        a.ancestor_code as province_code,
        -- the rules that apply: the province's own, else the default
        case when p.province_code is not null then a.ancestor_code else '*' end as rule_scope
    from school_stages as s
    inner join school_size as z
        on
            s.school_code = z.school_code
            and s.year = z.year
    inner join ancestors as a
        on
            s.region_code = a.region_code
            and a.ancestor_level = 'province'
    left join provinces_with_rules as p
        on a.ancestor_code = p.province_code
),

size_rules as (
    select
        w.school_code,
        w.year,
        w.stage_code,
        max(case when w.school_pupils < cast(r.min_pupils as integer) then 1 else 0 end)
            as is_below_minimum,
        max(r.source) as rule_source
    from with_province as w
    inner join rules as r
        on
            w.rule_scope = r.province_code
            and (r.school_type_code = '*' or w.school_type_code = r.school_type_code)
            and r.treatment = 'not_assessed'
    group by w.school_code, w.year, w.stage_code
),

final as (
    select
        w.school_code,
        w.year,
        w.region_code,
        w.stage_code,
        w.school_type_code,
        w.pupils,
        w.school_pupils,
        case
            when w.is_special_school then 'special_education_school'
            when coalesce(r.is_below_minimum, 0) = 1 then 'below_provincial_minimum_size'
        end as exclusion_reason,
        not w.is_special_school and coalesce(r.is_below_minimum, 0) = 0 as is_assessed,
        case when coalesce(r.is_below_minimum, 0) = 1 then r.rule_source end as rule_source
    from with_province as w
    left join size_rules as r
        on
            w.school_code = r.school_code
            and w.year = r.year
            and w.stage_code = r.stage_code
)

select * from final
