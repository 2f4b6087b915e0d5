with stages as (
    select * from {{ ref('stages') }}
),

final as (
    select
        stage_code,
        stage_name_zh,
        stage_name_en,
        cast(stage_order as integer) as stage_order,
        is_compulsory,
        -- the national standard class size where one exists (primary 45, junior 50)
        cast(standard_class_size as integer) as standard_class_size,
        -- the teaching_stage code the teachers extract uses for this stage
        teaching_stage_code
    from stages
)

select * from final
