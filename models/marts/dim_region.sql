-- Every region of the national division table with its ancestors spelled out as columns, so a
-- BI tool can slice by province or prefecture without walking parent codes.
with regions as (
    select * from {{ ref('int_regions') }}
),

ancestors as (
    select * from {{ ref('int_region_ancestors') }}
),

code_labels as (
    select * from {{ ref('dim_code_label') }}
),

region_levels as (
    select
        code as region_level,
        name_zh as region_level_name_zh,
        name_en as region_level_name_en
    from code_labels
    where code_set = 'region_level'
),

level_codes as (
    select
        region_code,
        max(case when ancestor_level = 'province' then ancestor_code end) as province_code,
        max(case when ancestor_level = 'prefecture' then ancestor_code end) as prefecture_code,
        max(case when ancestor_level = 'county' then ancestor_code end) as county_code
    from ancestors
    group by region_code
),

final as (
    select
        r.region_code,
        r.region_name,
        r.region_level,
        rl.region_level_name_zh,
        rl.region_level_name_en,
        r.parent_code,
        lc.province_code,
        prov.region_name as province_name,
        lc.prefecture_code,
        pref.region_name as prefecture_name,
        lc.county_code,
        cnty.region_name as county_name,
        r.longitude,
        r.latitude,
        r.valid_from_year,
        r.valid_to_year,
        r.successor_code,
        r.change_kind,
        r.current_region_code,
        r.is_current,
        -- An identifier safe in any BI tool or file name, where Chinese names are not.
        {{ dbt.concat(["'CN-'", 'r.region_code']) }} as region_key,
        r.source
    from regions as r
    inner join level_codes as lc
        on r.region_code = lc.region_code
    left join regions as prov
        on lc.province_code = prov.region_code
    left join regions as pref
        on lc.prefecture_code = pref.region_code
    left join regions as cnty
        on lc.county_code = cnty.region_code
    left join region_levels as rl
        on r.region_level = rl.region_level
)

select * from final
