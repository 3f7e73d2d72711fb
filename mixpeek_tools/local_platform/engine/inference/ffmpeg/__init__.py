"""Built-in services of one vendor (see docs/services.md)."""
