"""Local stand-in for ``engine.plugins``."""
