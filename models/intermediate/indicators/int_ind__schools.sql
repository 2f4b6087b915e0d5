-- Indicators counted in schools rather than pupils: schools meeting the 优质均衡 standard and
-- the others by how many of the seven measures they reach (plans set "创建优质均衡学校 9 所" and
-- "3 项达标 3 所"); kindergarten staffing (两教一保: teachers per class; teachers with an
-- associate degree or higher); and schools that are new, i.e. whose 学校标识码 appears in the
-- schools extract for the first time (no value in a region's first year with data, when a new
-- school cannot be told from one delivered for the first time).
with balance_status as (
    select * from {{ ref('int_school_balance_status') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

teachers as (
    select * from {{ ref('fct_teacher') }}
),

-- A school teaching primary and junior grades meets the standard when it meets it for both;
-- it reaches as many measures as its weaker stage.
school_balance as (
    select
        school_code,
        year,
        region_code,
        min(case when meets_standard then 1 else 0 end) = 1 as meets_standard,
        min(measures_reached) as measures_reached
    from balance_status
    group by school_code, year, region_code
),

balance_counts as (
    select
        region_code,
        year,
        {{ count_where('meets_standard') }} as balanced_schools,
        {% for k in range(7) %}
            {{ count_where('not meets_standard and measures_reached = ' ~ k) }}
                as schools_reaching_{{ k }}_of_7,
        {% endfor %}
        -- cumulative, balanced schools included: a plan's distribution "其余 105 所…1 项达标
        -- 3 所、3 项达标 97 所、5 项达标 5 所" is met when at least so many reach at least k, so
        -- a school that does better than planned never turns the target into a miss
        {% for k in range(1, 7) %}
            {{ count_where('measures_reached >= ' ~ k) }}
                as schools_reaching_at_least_{{ k }}_of_7{% if not loop.last %},{% endif %}
        {% endfor %}
    from school_balance
    group by region_code, year
),

kindergarten_classes as (
    select
        region_code,
        year,
        sum(classes) as classes
    from schools
    where school_category = 'preschool'
    group by region_code, year
),

kindergarten_teachers as (
    select
        t.region_code,
        t.year,
        sum(case when s.school_category = 'preschool' then t.full_time_teachers else 0 end)
            as kindergarten_teachers,
        sum(t.full_time_teachers) as preschool_teachers,
        sum(t.teachers_associate_or_higher) as preschool_teachers_associate_or_higher
    from teachers as t
    inner join schools as s
        on
            t.school_code = s.school_code
            and t.year = s.year
    where t.teaching_stage = 'preschool'
    group by t.region_code, t.year
),

kindergarten_staffing as (
    select
        coalesce(c.region_code, t.region_code) as region_code,
        coalesce(c.year, t.year) as year,
        coalesce(t.kindergarten_teachers, 0) as kindergarten_teachers,
        c.classes as kindergarten_classes,
        coalesce(t.preschool_teachers_associate_or_higher, 0)
            as preschool_teachers_associate_or_higher,
        coalesce(t.preschool_teachers, 0) as preschool_teachers
    from kindergarten_classes as c
    full outer join kindergarten_teachers as t
        on
            c.region_code = t.region_code
            and c.year = t.year
),

first_years as (
    select
        school_code,
        min(year) as first_year
    from schools
    group by school_code
),

region_years as (
    select distinct
        region_code,
        year
    from schools
),

new_schools as (
    select
        s.region_code,
        s.year,
        {{ count_where("f.first_year = s.year and s.school_category = 'preschool'") }}
            as new_kindergartens,
        {{ count_where(
            "f.first_year = s.year and s.school_category in ('primary', 'junior', 'senior')"
            ~ " and s.school_type_code <> '218'"
        ) }} as new_primary_secondary_schools
    from schools as s
    inner join first_years as f
        on s.school_code = f.school_code
    group by s.region_code, s.year
),

-- unknown (null, so not reporting) in a year without data for the year before
new_schools_known as (
    select
        n.region_code,
        n.year,
        case when prev.year is not null then n.new_kindergartens end as new_kindergartens,
        case
            when prev.year is not null then n.new_primary_secondary_schools
        end as new_primary_secondary_schools
    from new_schools as n
    left join region_years as prev
        on
            n.region_code = prev.region_code
            and n.year - 1 = prev.year
),

{% set balance_indicators = [['balanced_schools', 'balanced_schools', none]] %}
{% for k in range(7) %}
    {% do balance_indicators.append(
        ['schools_reaching_' ~ k ~ '_of_7_measures', 'schools_reaching_' ~ k ~ '_of_7', none]
    ) %}
{% endfor %}
{% for k in range(1, 7) %}
    {% do balance_indicators.append([
        'schools_reaching_at_least_' ~ k ~ '_of_7_measures',
        'schools_reaching_at_least_' ~ k ~ '_of_7',
        none
    ]) %}
{% endfor %}

final as (
    {{ indicator_rows('balance_counts', balance_indicators) }}
    union all
    {{ indicator_rows('kindergarten_staffing', [
        ['kindergarten_teachers_per_class', 'kindergarten_teachers', 'kindergarten_classes'],
        ['kindergarten_teacher_associate_plus_share', 'preschool_teachers_associate_or_higher',
            'preschool_teachers'],
    ]) }}
    union all
    {{ indicator_rows('new_schools_known', [
        ['kindergartens_new', 'new_kindergartens', none],
        ['primary_secondary_schools_new', 'new_primary_secondary_schools', none],
    ]) }}
)

select * from final
