{#- Every column a model's contract declares not null, checked as data. DuckDB enforces the
    constraint when the table is built; Spark's Parquet tables do not enforce it at all, so this
    test keeps the promise on every engine. One scan of the model; a failure is one row with
    the null count of each column (nulls_in_<column>, 0 where it holds). The columns come from the contract itself,
    so there is one definition of what must not be null. -#}
{% test contracted_not_null(model) %}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.alias == model.identifier
                and node.schema == model.schema -%}
                {%- for column in node.columns.values() -%}
                    {%- if column.constraints | selectattr('type', 'equalto', 'not_null') | list -%}
                        {%- do columns.append(column.name) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if columns %}
    with null_counts as (
        select
        {%- for column in columns %}
            {{ count_where(column ~ ' is null') }} as nulls_in_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
        from {{ model }}
    )

    select * from null_counts
    where
    {%- for column in columns %}
        {{ 'or ' if not loop.first }}nulls_in_{{ column }} > 0
    {%- endfor %}
    {%- else %}
    select * from {{ model }} where 1 = 0
    {%- endif %}
{% endtest %}
