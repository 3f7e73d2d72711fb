#!/usr/bin/env bash
# The whole test suite: lint, type-check and every test. CI (.ci/run) calls exactly this.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$ROOT"
echo "==> ruff check mixpeek_tools tests benchmarks scripts"
ruff check mixpeek_tools tests benchmarks scripts
echo "==> mypy mixpeek_tools"
mypy
echo "==> pytest"
# pytest exits 5 when it collects no test: that is a failure for us, and set -e treats it as one.
python -m pytest -q -p no:cacheprovider "$@"
