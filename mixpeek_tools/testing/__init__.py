"""Public helpers for plugin tests (the runtime helper fills this in)."""
