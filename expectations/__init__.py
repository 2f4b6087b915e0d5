"""Plan targets as data tests: the target catalogue, the Great Expectations suite generated from
it, and the code that validates the indicator mart against it.

Layer 1 of the layers `orchestration/__init__.py` declares: may import `orchestration.settings`
and `orchestration.failpoints` and its own modules; never the ingest or serving packages (its
peers), reporting, the demo, the Dagster definitions or the CLI."""
