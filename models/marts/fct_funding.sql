with funding as (
    select * from {{ ref('stg_raw__funding') }}
),

final as (
    select
        region_code,
        year,
        item_code,
        amount_yuan
    from funding
)

select * from final
