"""Dagster code, loaders and the synthetic extract generator of the education plan warehouse."""
