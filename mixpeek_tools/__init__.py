"""mixpeek-tools: the kit for writing, testing, scanning and publishing Mixpeek extractor plugins.

The package import stays cheap on purpose: the CLI imports it on every start, so nothing heavy
(pandas, boto3, copier, libcst, ray) may be imported here.
"""

__version__ = "0.1.0"
