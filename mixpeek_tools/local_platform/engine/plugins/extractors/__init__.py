"""Local stand-in for ``engine.plugins.extractors``."""
