"""The synthetic demo data: what the bureaus of every region the plans name would deliver.

- `generate` — `generate()` and its command line: every region's extracts for every year and
  the manifest; it drives the modules below (its docstring says how the data behave);
- `regions` — the regions, their profiles (where each rate starts and how it moves) and the
  scale tiers; `published` — the 2020 figures the plans publish, which the files reproduce;
  `common` — grades, stages, school types, random streams, numeric helpers, CSV writing;
- one module per extract: `schools`, `pupils`, `teachers`, `funding`, `population`
  (a new extract, e.g. `indicator_reports`, is a new module beside them);
- `scenarios` — named deviations for tests (a region made to miss one target);
- `delivery` — rewrites the plain files the way bureaus deliver them (GB18030 with Chinese
  headers and personal columns, XLSX, Parquet, defective rows).

Layer 2 (see `orchestration`): may import layer 0 and 1 (it writes what the extract contracts
in `orchestration.ingest.contracts` say) and its own modules; the warehouse's code never
imports the demo.
"""
