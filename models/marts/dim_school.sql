-- School attributes change from year to year (a school can change sponsor, type or size), so
-- the dimension is kept per school-year rather than as one row per school. A school delivered
-- under a retired region code is kept under the code that replaced it (int_regions), so every
-- fact that takes its region from the school follows one county across the change.
with schools as (
    select * from {{ ref('stg_raw__schools') }}
),

regions as (
    select * from {{ ref('int_regions') }}
),

school_types as (
    select * from {{ ref('school_types') }}
),

urban_rural as (
    select * from {{ ref('urban_rural_types') }}
),

code_labels as (
    select * from {{ ref('dim_code_label') }}
),

final as (
    select
        s.school_code,
        s.year,
        s.school_name,
        r.current_region_code as region_code,
        s.region_code as delivered_region_code,
        s.school_type_code,
        st.school_type_name_zh,
        st.school_type_name_en,
        st.school_category,
        -- a school's category uses the teaching_stage code list
        category.name_zh as school_category_name_zh,
        category.name_en as school_category_name_en,
        st.is_vocational,
        st.is_special,
        s.sponsor,
        sponsor.name_zh as sponsor_name_zh,
        sponsor.name_en as sponsor_name_en,
        s.urban_rural_code,
        ur.urban_rural_name_zh,
        ur.urban_rural_name_en,
        -- area_class is itself the Chinese term (城区, 镇区, 乡村)
        ur.area_class,
        area.name_en as area_class_name_en,
        ur.is_urban,
        s.is_inclusive_kindergarten,
        s.classes,
        s.teaching_floor_area_m2,
        s.sports_ground_area_m2,
        s.equipment_value_yuan,
        s.multimedia_classrooms
    from schools as s
    inner join regions as r
        on s.region_code = r.region_code
    inner join school_types as st
        on s.school_type_code = st.school_type_code
    inner join urban_rural as ur
        on s.urban_rural_code = ur.urban_rural_code
    left join code_labels as category
        on category.code_set = 'teaching_stage' and st.school_category = category.code
    left join code_labels as sponsor
        on sponsor.code_set = 'sponsor' and s.sponsor = sponsor.code
    left join code_labels as area
        on area.code_set = 'area_class' and ur.area_class = area.code
)

select * from final
