-- Amounts are kept under the current code of the region that delivered them (int_regions): the
-- two counties merged into one (孟津县 and 吉利区 into 孟津区) add up to the new county's series.
-- A county-year delivered under both its old and its new code is refused at load and fails
-- the staging test no_double_delivery, so nothing is summed twice here.
with funding as (
    select * from {{ ref('stg_raw__funding') }}
),

regions as (
    select * from {{ ref('int_regions') }}
),

final as (
    select
        r.current_region_code as region_code,
        f.year,
        f.item_code,
        sum(f.amount_yuan) as amount_yuan
    from funding as f
    inner join regions as r
        on f.region_code = r.region_code
    group by r.current_region_code, f.year, f.item_code
)

select * from final
