{#- The lineage every raw row carries (file, its hash, the data row in it), renamed once for
    all staging models so a figure in a mart can be traced back to the bureau's file. -#}
{% macro lineage_columns() -%}
    _source_file as source_file,
    _file_hash as file_hash,
    _row_number as source_row_number
{%- endmacro %}
