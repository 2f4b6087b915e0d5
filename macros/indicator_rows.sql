{#- Stack several indicators computed side by side in one relation into the long shape every
    int_ind__* model returns: (region_code, year, indicator_id, numerator, denominator).
    `indicators` is a list of [indicator_id, numerator expression, denominator expression];
    a denominator of none gives a null (a sum indicator). -#}
{% macro indicator_rows(relation, indicators) %}
    {%- for indicator_id, numerator, denominator in indicators %}
    select
        region_code,
        year,
        '{{ indicator_id }}' as indicator_id,
        {{ numerator }} as numerator,
        {{ denominator if denominator is not none else 'cast(null as double)' }} as denominator
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
