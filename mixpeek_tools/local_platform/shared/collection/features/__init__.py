"""Local stand-in for ``shared.collection.features``."""
