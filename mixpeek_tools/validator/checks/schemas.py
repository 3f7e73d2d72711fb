"""MP2xx schemas: ``manifest.py`` exports what the platform reads, in the shape it expects.

Needs the plugin imported (the schemas are pydantic classes, which only exist at run time).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mixpeek_tools.findings import Finding
from mixpeek_tools.validator.examples import MANIFEST
from mixpeek_tools.validator.model import Check, CheckContext, Example, Rule

CATEGORIES = ("text", "image", "video", "audio", "document", "multimodal")
NAME_RULE = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]{2,63}$")
METADATA_KEYS = ("name", "version", "description", "category", "author")
REQUIRED_EXPORTS = ("metadata", "input_schema", "output_schema", "parameter_schema")
SCHEMA_EXPORTS = ("input_schema", "output_schema", "parameter_schema")
MAX_DESCRIPTION = 1000


class MissingManifestExport(Rule):
    """``manifest.py`` does not define a name the platform reads.

    Catches: a manifest without ``metadata``, ``input_schema``, ``output_schema`` or
    ``parameter_schema``. Why: the platform reads exactly these module attributes to list the
    plugin, validate its inputs and show its parameters. Fix: define the missing name at module
    level in ``manifest.py`` (a plugin without parameters exports an empty ``BaseModel``).
    """

    id = "MP201"
    name = "missing-manifest-export"
    check = "schemas"
    VALID = [Example({}, "the baseline exports all four names")]
    INVALID = [
        Example(
            {"manifest.py": MANIFEST.replace("output_schema = ExampleOutput\n", "")},
            "output_schema is not defined",
        )
    ]


class MetadataInvalid(Rule):
    """``metadata`` is not a dict with the required string fields.

    Catches: ``metadata`` that is not a dict, or lacks one of ``name``, ``version``,
    ``description``, ``category``, ``author``, or holds a non-string or empty value there, or a
    description longer than 1000 characters. Why: the platform lists and versions plugins by
    these fields. Fix: fill in every field with a non-empty string.
    """

    id = "MP202"
    name = "metadata-invalid"
    check = "schemas"
    VALID = [Example({}, "every metadata field is a non-empty string")]
    INVALID = [
        Example(
            {"manifest.py": MANIFEST.replace('    "author": "Docs",\n', "")},
            "metadata has no author",
        )
    ]


class MetadataName(Rule):
    """``metadata["name"]`` breaks the platform's name rule or differs from the directory.

    Catches: names that do not match ``^[a-zA-Z][a-zA-Z0-9_]{2,63}$`` (3 to 64 characters,
    starting with a letter, no hyphens) and names that differ from the plugin's package
    (directory) name. Why: the platform refuses such names and imports the plugin under its
    name. Fix: use the directory name, e.g. ``my_extractor``, in both places.
    """

    id = "MP203"
    name = "metadata-name"
    check = "schemas"
    VALID = [Example({}, 'name "example_plugin" matches the directory')]
    INVALID = [
        Example(
            {"manifest.py": MANIFEST.replace('"name": "example_plugin"', '"name": "other_name"')},
            "name differs from the directory",
        ),
        Example(
            {"manifest.py": MANIFEST.replace('"name": "example_plugin"', '"name": "ex-1"')},
            "name has a hyphen",
        ),
    ]


class MetadataCategory(Rule):
    """``metadata["category"]`` is not one of the six platform categories.

    Catches: categories other than text, image, video, audio, document, multimodal. Why: the
    platform files plugins under these categories only. Fix: pick the closest of the six.
    """

    id = "MP204"
    name = "metadata-category"
    check = "schemas"
    hint = "Use one of: " + ", ".join(CATEGORIES)
    VALID = [Example({}, 'category "text"')]
    INVALID = [
        Example(
            {"manifest.py": MANIFEST.replace('"category": "text"', '"category": "nlp"')},
            'category "nlp" is not a platform category',
        )
    ]


class SchemaNotModel(Rule):
    """A schema export is not a pydantic ``BaseModel`` subclass.

    Catches: ``input_schema``, ``output_schema`` or ``parameter_schema`` bound to an instance,
    a dict, a dataclass or anything else that is not a ``BaseModel`` subclass. Why: the platform
    validates inputs, outputs and parameters with these classes. Fix: bind the name to the class
    itself (``output_schema = MyOutput``, not ``MyOutput()`` or a dict).
    """

    id = "MP205"
    name = "schema-not-model"
    check = "schemas"
    VALID = [Example({}, "all three schemas are BaseModel subclasses")]
    INVALID = [
        Example(
            {
                "manifest.py": MANIFEST.replace(
                    "output_schema = ExampleOutput", 'output_schema = {"result": "str"}'
                )
            },
            "output_schema is a dict",
        )
    ]


class ParameterDefaultsInvalid(Rule):
    """``parameter_schema`` cannot be built from its defaults, or a default breaks its own field.

    Catches: a parameter without a default (collections created without that parameter would
    fail) and defaults that violate their field's constraints (``ge``, ``le``, types). Why: the
    platform builds the parameters from the user's values over the defaults. Fix: give every
    parameter a default that satisfies its own constraints.
    """

    id = "MP206"
    name = "parameter-defaults-invalid"
    check = "schemas"
    VALID = [Example({}, "threshold defaults to 0.5 within [0, 1]")]
    INVALID = [
        Example(
            {"manifest.py": MANIFEST.replace("default=0.5, ge=0.0", "default=1.5, ge=0.0")},
            "threshold defaults to 1.5 but must be at most 1",
        ),
        Example(
            {"manifest.py": MANIFEST.replace('text_column: str = "text"', "text_column: str")},
            "text_column has no default",
        ),
    ]


RULES: tuple[type[Rule], ...] = (
    MissingManifestExport,
    MetadataInvalid,
    MetadataName,
    MetadataCategory,
    SchemaNotModel,
    ParameterDefaultsInvalid,
)


def _manifest(ctx: CheckContext) -> Any:
    plugin = ctx.load_plugin()
    return getattr(plugin, "manifest", None) or plugin


def metadata_findings(metadata: Any, package: str) -> Iterator[Finding]:
    """MP202/MP203/MP204 for one metadata object."""
    if not isinstance(metadata, dict):
        yield MetadataInvalid.finding(
            f"metadata is a {type(metadata).__name__}, not a dict",
            path="manifest.py",
            hint="Define metadata = {'name': ..., 'version': ..., 'description': ..., "
            "'category': ..., 'author': ...}",
        )
        return
    for key in METADATA_KEYS:
        value = metadata.get(key)
        if not isinstance(value, str) or not value.strip():
            what = "is missing" if key not in metadata else f"is {value!r}, not a non-empty string"
            yield MetadataInvalid.finding(
                f'metadata["{key}"] {what}',
                path="manifest.py",
                hint=f'Set metadata["{key}"] to a non-empty string',
            )
    description = metadata.get("description")
    if isinstance(description, str) and len(description) > MAX_DESCRIPTION:
        yield MetadataInvalid.finding(
            f'metadata["description"] has {len(description)} characters; the platform allows '
            f"{MAX_DESCRIPTION}",
            path="manifest.py",
            hint="Shorten the description and move details to README.md",
        )
    name = metadata.get("name")
    if isinstance(name, str) and name:
        if not NAME_RULE.match(name):
            yield MetadataName.finding(
                f'metadata["name"] {name!r} breaks the platform name rule '
                "^[a-zA-Z][a-zA-Z0-9_]{2,63}$",
                path="manifest.py",
                hint="Use 3-64 letters, digits and underscores, starting with a letter",
            )
        elif name != package:
            yield MetadataName.finding(
                f'metadata["name"] is {name!r} but the plugin directory is {package!r}',
                path="manifest.py",
                hint=f'Use the same name in both places, e.g. metadata["name"] = {package!r}',
            )
    category = metadata.get("category")
    if isinstance(category, str) and category and category not in CATEGORIES:
        yield MetadataCategory.finding(
            f'metadata["category"] {category!r} is not a platform category', path="manifest.py"
        )


def schema_findings(manifest: Any) -> Iterator[Finding]:
    """MP205/MP206 for the three schema exports."""
    from pydantic import BaseModel

    for export in SCHEMA_EXPORTS:
        if not hasattr(manifest, export):
            continue
        value = getattr(manifest, export)
        if not (isinstance(value, type) and issubclass(value, BaseModel)):
            yield SchemaNotModel.finding(
                f"{export} is {_describe(value)}, not a pydantic BaseModel subclass",
                path="manifest.py",
                hint=f"Bind {export} to a class that subclasses pydantic.BaseModel "
                "(the class itself, not an instance)",
            )
        elif export == "parameter_schema":
            yield from _defaults_findings(value)


def _describe(value: Any) -> str:
    if isinstance(value, type):
        return f"the class {value.__name__}"
    return f"a {type(value).__name__} instance"


def _defaults_findings(model: Any) -> Iterator[Finding]:
    from pydantic import ValidationError

    try:
        instance = model()
        model.model_validate(instance.model_dump())
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "(model)"
            problem = "has no default" if err.get("type") == "missing" else err.get("msg", "")
            yield ParameterDefaultsInvalid.finding(
                f"parameter '{field}' {problem}".rstrip(),
                path="manifest.py",
                hint=f"Give '{field}' a default value that satisfies its own constraints",
            )
    except Exception as exc:  # a validator in the model itself raised something else
        yield ParameterDefaultsInvalid.finding(
            f"building {model.__name__}() from its defaults raised {type(exc).__name__}: {exc}",
            path="manifest.py",
        )


def run(ctx: CheckContext) -> Iterator[Finding]:
    """The schemas check: exports present, metadata well-formed, schemas are models."""
    manifest = _manifest(ctx)
    for export in REQUIRED_EXPORTS:
        if not hasattr(manifest, export):
            yield MissingManifestExport.finding(
                f"manifest.py does not define {export}",
                path="manifest.py",
                hint=f"Define {export} at module level in manifest.py",
            )
    if hasattr(manifest, "metadata"):
        yield from metadata_findings(manifest.metadata, ctx.package_name)
    yield from schema_findings(manifest)


CHECK = Check(
    name="schemas",
    run=run,
    description="manifest.py exports metadata and pydantic schemas the platform accepts.",
    order=200,
    rules=RULES,
    needs_import=True,
)
