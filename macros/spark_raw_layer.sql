{#- On Spark, the raw tables dbt reads are the Parquet raw layer the loader writes
    (orchestration/ingest/raw_layer.py): `raw.<extract>_history` over each extract's folder,
    `raw._load_audit` over the audit, and `raw.<extract>` the same view of current versions as
    DuckDB's (orchestration/ingest/loaders.py). The var `raw_layer` = {dir, extracts: {extract:
    {columns, partitions}}, plain: [table]} comes from the job. Run as on-run-start; nothing on DuckDB, whose
    raw tables the loader writes directly. -#}
{% macro spark_raw_layer() %}
    {%- if execute and target.type == 'spark' and var('raw_layer', none) -%}
        {%- set layer = var('raw_layer') -%}
        {%- do run_query('create database if not exists raw') -%}
        {#- Spark's DROP VIEW refuses a table and DROP TABLE a view: drop each as what it is -#}
        {%- set views = run_query('show views in raw').columns['viewName'].values() -%}
        {%- set tables = run_query('show tables in raw').columns['tableName'].values() -%}
        {%- for name in tables -%}
            {%- if name in views -%}
                {%- do run_query('drop view raw.' ~ name) -%}
            {%- else -%}
                {%- do run_query('drop table raw.' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
        {#- the load audit and the plans bureaus added: whole tables, schema from their files -#}
        {%- for table in ['_load_audit'] + layer.plain -%}
            {%- do run_query("create table raw." ~ table ~ " using parquet location '" ~ layer.dir ~ "/" ~ table ~ "'") -%}
        {%- endfor -%}
        {%- for extract, spec in layer.extracts.items() -%}
            {%- set columns = [] -%}
            {%- for column in spec.columns + spec.partitions -%}
                {%- do columns.append('`' ~ column ~ '` string') -%}
            {%- endfor -%}
            {%- set ddl -%}
                create table raw.{{ extract }}_history (
                    {{ columns | join(', ') }},
                    _source_file string, _file_hash string, _row_number bigint, _loaded_at timestamp
                )
                using parquet
                {% if spec.partitions %}partitioned by ({{ spec.partitions | join(', ') }}){% endif %}
                location '{{ layer.dir }}/{{ extract }}'
            {%- endset -%}
            {%- do run_query(ddl) -%}
            {%- if spec.partitions -%}
                {%- do run_query('msck repair table raw.' ~ extract ~ '_history') -%}
            {%- endif -%}
            {%- set view -%}
                create view raw.{{ extract }} as
                select * from raw.{{ extract }}_history
                where _file_hash in (
                    select file_hash from raw._load_audit
                    where extract = '{{ extract }}' and is_current
                )
            {%- endset -%}
            {%- do run_query(view) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
