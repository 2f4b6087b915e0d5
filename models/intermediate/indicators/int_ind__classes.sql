-- 大班额 and 超大班额 in compulsory education (消除大班额 is a compulsory-education goal). In
-- national statistics 大班额 is a class of 56 pupils or more (56人及以上) and 超大班额 one of 66
-- or more (GUIDE.md §2; vars large_class_min, super_large_class_min): large_classes and its
-- share count every class of 56 or more, super-large ones included, so "消除大班额" is met only
-- when no class of 56 or more is left. The band of 56–65 is kept as its own count.
-- large_classes_senior counts general senior secondary classes (高中大班额) by the same rule.
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
        sum(case when s.is_compulsory then 1 else 0 end) as classes,
        sum(case when s.is_compulsory and c.is_large_class then 1 else 0 end) as large_classes,
        sum(case when s.is_compulsory and c.size_band = 'large' then 1 else 0 end)
            as large_classes_56_65,
        sum(case when s.is_compulsory and c.size_band = 'super_large' then 1 else 0 end)
            as super_large_classes,
        sum(case when c.stage_code = 'senior_general' and c.is_large_class then 1 else 0 end)
            as large_classes_senior
    from classes as c
    inner join stages as s
        on c.stage_code = s.stage_code
    group by c.region_code, c.year
),

final as (
    {{ indicator_rows('by_region', [
        ['large_classes', 'large_classes', none],
        ['large_classes_56_65', 'large_classes_56_65', none],
        ['super_large_classes', 'super_large_classes', none],
        ['large_class_share', 'large_classes', 'classes'],
        ['super_large_class_share', 'super_large_classes', 'classes'],
        ['large_classes_senior', 'large_classes_senior', none],
    ]) }}
)

select * from final
