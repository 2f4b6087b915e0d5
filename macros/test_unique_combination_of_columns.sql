{#- Grain test: no two rows share the same values of `combination_of_columns`.
    Written here because dbt hub packages (dbt_utils) cannot be fetched on this network. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns_csv = combination_of_columns | join(', ') %}
    with grouped as (
        select
            {{ columns_csv }},
            count(*) as n_rows
        from {{ model }}
        group by {{ columns_csv }}
    )

    select *
    from grouped
    where n_rows > 1
{% endtest %}
