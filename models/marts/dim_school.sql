-- School attributes change from year to year (a school can change sponsor, type or size), so
-- the dimension is kept per school-year rather than as one row per school.
with schools as (
    select * from {{ ref('stg_raw__schools') }}
),

school_types as (
    select * from {{ ref('school_types') }}
),

urban_rural as (
    select * from {{ ref('urban_rural_types') }}
),

final as (
    select
        s.school_code,
        s.year,
        s.school_name,
        s.region_code,
        s.school_type_code,
        st.school_type_name_zh,
        st.school_type_name_en,
        st.school_category,
        st.is_vocational,
        st.is_special,
        s.sponsor,
        s.urban_rural_code,
        ur.urban_rural_name_zh,
        ur.area_class,
        ur.is_urban,
        s.is_inclusive_kindergarten,
        s.classes,
        s.teaching_floor_area_m2,
        s.sports_ground_area_m2,
        s.equipment_value_yuan,
        s.multimedia_classrooms
    from schools as s
    inner join school_types as st
        on s.school_type_code = st.school_type_code
    inner join urban_rural as ur
        on s.urban_rural_code = ur.urban_rural_code
)

select * from final
