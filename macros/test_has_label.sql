{#- Every value of the column is a code of `code_set` in dim_code_label with a Chinese and an
    English label: a code a BI tool cannot decode fails (one row per unlabelled code). -#}
{% test has_label(model, column_name, code_set) %}
    with codes as (
        select distinct cast({{ column_name }} as {{ dbt.type_string() }}) as code
        from {{ model }}
        where {{ column_name }} is not null
    ),

    labels as (
        select
            code,
            name_zh,
            name_en
        from {{ ref('dim_code_label') }}
        where code_set = '{{ code_set }}'
    )

    select
        codes.code,
        labels.name_zh,
        labels.name_en
    from codes
    left join labels
        on codes.code = labels.code
    where
        labels.code is null
        or coalesce(trim(labels.name_zh), '') = ''
        or coalesce(trim(labels.name_en), '') = ''
{% endtest %}
