-- Each school's seven 优质均衡 measures per compulsory stage, with its threshold and whether
-- the school meets the standard, for the county's balance review and a school-level BI page.
with measures as (
    select * from {{ ref('int_school_balance') }}
),

status as (
    select * from {{ ref('int_school_balance_status') }}
),

schools as (
    select * from {{ ref('dim_school') }}
),

final as (
    select
        m.school_code,
        m.year,
        s.school_name,
        m.region_code,
        m.stage_code,
        m.measure_id,
        m.pupils,
        m.measure_value,
        m.threshold,
        m.reaches_threshold,
        m.reaches_floor,
        st.measures_reached,
        st.meets_standard
    from measures as m
    inner join status as st
        on
            m.school_code = st.school_code
            and m.year = st.year
            and m.stage_code = st.stage_code
    inner join schools as s
        on
            m.school_code = s.school_code
            and m.year = s.year
)

select * from final
