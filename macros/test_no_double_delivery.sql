{#- A county-year must not be delivered under both a code and the code that replaced it: the
    two deliveries describe the same county (int_regions.current_region_code) and would be
    summed. Fails with one row per (year, current code, the two codes). Predecessors merged into
    one county (孟津县 and 吉利区) are different areas and may both deliver the same year. The
    loader refuses such a file; this test catches rows of a file delivered for a whole city. -#}
{% test no_double_delivery(model, column_name, year_column='year') %}
    with delivered as (
        select distinct
            m.{{ year_column }} as year,
            m.{{ column_name }} as delivered_code,
            r.current_region_code
        from {{ model }} as m
        inner join {{ ref('int_regions') }} as r
            on m.{{ column_name }} = r.region_code
    )

    select
        current_code.year,
        current_code.current_region_code,
        current_code.delivered_code,
        retired_code.delivered_code as also_delivered_as
    from delivered as current_code
    inner join delivered as retired_code
        on
            current_code.year = retired_code.year
            and current_code.current_region_code = retired_code.current_region_code
            and current_code.delivered_code <> retired_code.delivered_code
    where current_code.delivered_code = current_code.current_region_code
{% endtest %}
