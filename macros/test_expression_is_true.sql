{#- Fails for every row where `expression` is false; a row where it is null passes only when
    `allow_null` is set, because a null usually hides a missing input. -#}
{% test expression_is_true(model, expression, column_name=none, allow_null=false) %}
    select *
    from {{ model }}
    where not ({{ expression }}){% if not allow_null %} or ({{ expression }}) is null{% endif %}
{% endtest %}
