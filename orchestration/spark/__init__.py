"""The same dbt project on Spark (`EDUWH_ENGINE=spark`): the raw layer as Parquet, dbt's
`spark` target, and Spark's marts brought back into the staging warehouse so that the plan
targets, publishing, BI serving and the report work the same on either engine."""
