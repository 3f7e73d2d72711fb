"""Local stand-in for ``shared.collection.features.extractors.models``.

``ExtractorDefinition`` is how a plugin tells the platform which function builds its pipeline
and whether input files must be fetched before it runs. Locally it is a plain record that the
validator compares against ``manifest.metadata``; unknown keyword arguments are kept in
``extra`` so plugins written against a newer platform still import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ExtractorDefinition:
    """Name, version and pipeline builder of an extractor."""

    def __init__(
        self,
        name: str,
        version: str = "v1",
        extractor_function_path: Callable[..., Any] | str | None = None,
        requires_file_resolution: bool = False,
        description: str | None = None,
        input_schema: Any = None,
        output_schema: Any = None,
        parameter_schema: Any = None,
        **extra: Any,
    ) -> None:
        self.name = name
        self.version = version
        self.extractor_function_path = extractor_function_path
        self.requires_file_resolution = bool(requires_file_resolution)
        self.description = description
        self.input_schema = input_schema
        self.output_schema = output_schema
        self.parameter_schema = parameter_schema
        self.extra = extra

    def __repr__(self) -> str:
        return (
            f"ExtractorDefinition(name={self.name!r}, version={self.version!r}, "
            f"requires_file_resolution={self.requires_file_resolution!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ExtractorDefinition):
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


__all__ = ["ExtractorDefinition"]
