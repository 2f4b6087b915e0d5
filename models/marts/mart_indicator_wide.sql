-- One row per region and year with one column per indicator value, for BI tools that want a
-- flat table. The columns follow the indicator seed; while the seed is not loaded yet (parsing,
-- linting) the model has only its key columns.
{% set indicator_relation = load_relation(ref('indicators')) %}
{% if execute and indicator_relation is not none %}
    {% set indicator_ids = run_query(
        'select indicator_id from ' ~ indicator_relation ~ ' order by indicator_id'
    ).columns[0].values() %}
{% else %}
    {% set indicator_ids = [] %}
{% endif %}

with indicator_values as (
    select * from {{ ref('mart_indicator_values') }}
),

final as (
    select
        region_code,
        region_name,
        region_level,
        year,
        {% for indicator_id in indicator_ids %}
            max(case when indicator_id = '{{ indicator_id }}' then value end)
                as {{ indicator_id }},
        {% endfor %}
        min(case when is_complete_coverage then 1 else 0 end) = 1 as is_complete_coverage
    from indicator_values
    group by region_code, region_name, region_level, year
)

select * from final
