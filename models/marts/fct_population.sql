with population as (
    select * from {{ ref('stg_raw__population') }}
),

final as (
    select
        region_code,
        year,
        age,
        population,
        disabled_population
    from population
)

select * from final
