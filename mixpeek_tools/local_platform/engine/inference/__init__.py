"""Local stand-ins for the platform's built-in services (``engine.inference...``).

See docs/services.md for the import paths, what runs offline and what gives placeholders.
"""
