"""Local stand-in for ``shared.plugins.inference``."""
