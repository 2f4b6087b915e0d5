{#- A list var as SQL string literals for `in (...)`: ['primary', 'junior'] → 'primary', 'junior'.
    Values come from dbt_project.yml vars, never from data. -#}
{% macro sql_string_list(values) -%}
    {%- for value in values -%}
        '{{ value }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}
{%- endmacro %}
