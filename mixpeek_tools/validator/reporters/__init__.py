"""Reporters: turn a :class:`~mixpeek_tools.validator.model.CheckReport` into text for a person,
JSON for scripts, SARIF for code-scanning tools, and GitHub Actions annotations.

Each reporter is a ``render(report, *, verbose=False) -> str`` function, registered through the
``mixpeek_register_reporters`` hook; checks never print.
"""
