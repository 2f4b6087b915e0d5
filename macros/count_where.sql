{#- Rows of the group meeting a condition, as a 64-bit count. DuckDB widens a sum of integers to
    hugeint (128-bit), which several BI drivers cannot read; bigint is what every engine and
    driver has (Spark included). -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}

{#- A sum of counts, kept 64-bit for the same reason. -#}
{% macro sum_count(column) -%}
    cast(sum({{ column }}) as bigint)
{%- endmacro %}
