-- Numerator and denominator of every indicator for every county-level region and year. Each
-- indicator is defined once, in one of the int_ind__* models (grouped by what they read); the
-- mart sums the two parts up the region hierarchy, never the rates.
{% set families = [
    'int_ind__preschool',
    'int_ind__participation',
    'int_ind__retention',
    'int_ind__classes',
    'int_ind__teachers',
    'int_ind__funding',
    'int_ind__balance',
    'int_ind__enrolment',
    'int_ind__schools',
] %}

with
{% for family in families %}
    {{ family }} as (
        select * from {{ ref(family) }}
    ),
{% endfor %}

final as (
    {% for family in families %}
        select
            region_code,
            year,
            indicator_id,
            cast(numerator as double) as numerator,
            cast(denominator as double) as denominator
        from {{ family }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from final
