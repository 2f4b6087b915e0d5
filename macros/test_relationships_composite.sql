{#- Every combination of `columns` in the model exists in `to` (a composite foreign key, which
    dbt's built-in relationships test cannot express). -#}
{% test relationships_composite(model, to, columns) %}
    with child as (
        select distinct {{ columns | join(', ') }}
        from {{ model }}
    ),

    parent as (
        select distinct {{ columns | join(', ') }}
        from {{ to }}
    )

    select child.*
    from child
    left join parent
        on
        {%- for column in columns %}
            {% if not loop.first %}and {% endif %}child.{{ column }} = parent.{{ column }}
        {%- endfor %}
    where parent.{{ columns[0] }} is null
{% endtest %}
