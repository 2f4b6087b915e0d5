{#- Seeds on Spark. dbt-spark's `session` method formats seed values into the INSERT with
    Python's `%`: a value with an apostrophe breaks the statement and an empty cell becomes the
    string 'None' (a province's parent_code = 'None', silently). This renders each value as a
    Spark SQL literal instead, escaped, with empty cells as NULL. Dispatched for Spark only;
    DuckDB keeps dbt's own seed loading. -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- do statements.append(sql) -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{#- One seed value as a Spark SQL literal: NULL for an empty cell, otherwise a string literal
    with backslashes and apostrophes escaped (Spark's string-literal escapes), cast to the
    column's type by the caller. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
