"""Command groups of the `ratebench` CLI, one module each."""
