-- 差异系数: the pupil-weighted coefficient of variation of each 优质均衡 measure across the
-- schools of a region, per compulsory stage, for every region level. Built from three sums
-- (Σw, Σwx, Σwx²) so any level is computed from its schools directly:
-- mean = Σwx / Σw, variance = Σwx² / Σw − mean², cv = sqrt(variance) / mean.
-- The schools are those the 优质均衡 assessment covers (int_balance_scope: no special-education
-- schools, no 教学点 below the provincial size). The maximum 差异系数 is a county standard
-- (教督〔2017〕6号: 校际差异系数 of the schools of a county): prefecture and province rows carry the
-- coefficient for information, with no maximum and no pass/fail.
with measures as (
    select * from {{ ref('int_school_balance') }}
),

ancestors as (
    select * from {{ ref('int_region_ancestors') }}
),

regions as (
    select * from {{ ref('dim_region') }}
),

standards as (
    select * from {{ ref('balance_standards') }}
),

sums as (
    select
        a.ancestor_code as region_code,
        m.year,
        m.stage_code,
        m.measure_id,
        count(*) as schools,
        sum(m.pupils) as weight,
        sum(m.pupils * m.measure_value) as weighted_sum,
        sum(m.pupils * m.measure_value * m.measure_value) as weighted_square_sum
    from measures as m
    inner join ancestors as a
        on m.region_code = a.region_code
    where m.measure_value is not null
    group by a.ancestor_code, m.year, m.stage_code, m.measure_id
),

moments as (
    select
        region_code,
        year,
        stage_code,
        measure_id,
        schools,
        weighted_sum / weight as weighted_mean,
        -- rounding can leave a tiny negative variance when every school has the same value
        greatest(
            weighted_square_sum / weight - (weighted_sum / weight) * (weighted_sum / weight), 0
        ) as weighted_variance
    from sums
    where weight > 0
),

final as (
    select
        m.region_code,
        r.region_name,
        r.region_level,
        m.year,
        m.stage_code,
        m.measure_id,
        m.schools,
        m.weighted_mean,
        sqrt(m.weighted_variance) as weighted_std_dev,
        {{ safe_divide('sqrt(m.weighted_variance)', 'm.weighted_mean') }}
            as coefficient_of_variation,
        case
            when r.region_level = 'county'
                then cast(s.max_coefficient_of_variation as double)
        end as max_coefficient_of_variation,
        case
            when r.region_level = 'county'
                then
                    {{ safe_divide('sqrt(m.weighted_variance)', 'm.weighted_mean') }}
                    <= cast(s.max_coefficient_of_variation as double)
        end as meets_cv_standard
    from moments as m
    inner join regions as r
        on m.region_code = r.region_code
    inner join standards as s
        on
            m.measure_id = s.measure_id
            and m.stage_code = s.stage_code
)

select * from final
