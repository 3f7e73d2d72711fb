"""Example third-party check distribution for mixpeek-tools (entry point group ``mixpeek.checks``)."""
