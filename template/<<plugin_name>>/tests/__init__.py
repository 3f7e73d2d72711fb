# Makes tests/ part of the plugin package so the tests can use relative imports (from ..processors).
