-- 大班额 (56–65 pupils) and 超大班额 (66 or more) in compulsory education: counts, and shares
-- of all primary and junior classes (GUIDE.md §2; 消除大班额 is a compulsory-education goal).
with classes as (
    select * from {{ ref('fct_class') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

by_region as (
    select
        c.region_code,
        c.year,
        count(*) as classes,
        sum(case when c.size_band = 'large' then 1 else 0 end) as large_classes,
        sum(case when c.size_band = 'super_large' then 1 else 0 end) as super_large_classes
    from classes as c
    inner join stages as s
        on c.stage_code = s.stage_code
    where s.is_compulsory
    group by c.region_code, c.year
),

final as (
    {{ indicator_rows('by_region', [
        ['large_classes', 'large_classes', none],
        ['super_large_classes', 'super_large_classes', none],
        ['large_class_share', 'large_classes', 'classes'],
        ['super_large_class_share', 'super_large_classes', 'classes'],
    ]) }}
)

select * from final
