"""shoal's parallel core: pre-forked workers and map_reduce over buckets."""
