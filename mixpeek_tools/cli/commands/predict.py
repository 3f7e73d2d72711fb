"""``mixpeek plugin predict``: call the plugin's realtime service once and print its output.

Exit codes: 0 answered; 1 the service failed or broke ``output_schema``; 2 bad inputs,
parameters, or a plugin without ``realtime.py``.
"""

from __future__ import annotations

import json
import logging

import click

from mixpeek_tools.cli.context import settings
from mixpeek_tools.plugin.params_input import parse_params


@click.command(name="predict")
@click.option("--path", "-p", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Plugin directory.")  # fmt: skip
@click.option("--input", "-i", "assignments", multiple=True, metavar="FIELD=VALUE",
              help="An input field (repeatable): field=text, field:=JSON, field=@FILE for bytes "
              "(sent as base64, as realtime requests carry bytes).")  # fmt: skip
@click.option("--input-json", metavar="JSON|@FILE",
              help="All inputs as one JSON object (or @file holding it); -i fields override it.")
@click.option("--params", "params_json", metavar="JSON", help="Parameters as a JSON object.")
@click.option("--params-file", help="File holding the parameters as JSON.")
def predict_command(
    path: str,
    assignments: tuple[str, ...],
    input_json: str | None,
    params_json: str | None,
    params_file: str | None,
) -> None:
    """Call realtime.py once, in this process, and print the output as JSON.

    The request is the body `mixpeek plugin serve` would get on POST /predict, validated against
    the plugin's input, parameter and output schemas the same way.
    Example: mixpeek plugin predict -i text=hello --params '{"threshold": 0.7}'
    """
    from mixpeek_tools.plugin.folder import require_plugin
    from mixpeek_tools.runtime.serving.predict import predict_once

    require_plugin(path)

    if settings().verbose:
        logging.basicConfig(level=logging.INFO)
    output = predict_once(path, list(assignments), input_json, parse_params(params_json, params_file))
    click.echo(json.dumps(output, indent=2, ensure_ascii=False))
