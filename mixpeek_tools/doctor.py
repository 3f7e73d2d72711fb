"""``mixpeek doctor``'s checks: is this machine ready to build, run and publish plugins?

Each check gives one :class:`Check` line (``ok``, ``warn`` or ``fail``). Only *required* checks
can fail; the others warn, because a laptop without Ray, a GPU or network is a normal place to
write plugins. The caller decides which optional checks are required (``--require``).
Nothing here raises for what it finds: an unreachable API is a finding, not a crash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404 - runs fixed diagnostic programs (git, nvidia-smi, ffmpeg)
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from mixpeek_tools import __version__
from mixpeek_tools.config.profiles import Setting, redact

OPTIONAL = ("api", "ray", "gpu", "ffmpeg")
API_TIMEOUT_S = 3.0


@dataclass
class Check:
    """One line of the report."""

    name: str
    status: str  # ok | warn | fail
    detail: str
    required: bool = False


@dataclass
class DoctorInputs:
    """The settings in effect, as the CLI resolved them."""

    sources: dict[str, Setting]
    api_key: str | None = None
    key_error: str | None = None
    profile: str | None = None
    config_path: Path | None = None
    config_exists: bool = False
    plugin_dir: Path | None = None
    require: set[str] = field(default_factory=set)


def _problem(name: str, detail: str, required: bool) -> Check:
    return Check(name, "fail" if required else "warn", detail, required)


def _run(argv: list[str], timeout: float = 5.0) -> str | None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)  # nosec B603
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 else None


def check_kit() -> Check:
    return Check("kit", "ok", f"mixpeek-tools {__version__} ({Path(__file__).parent}), "
                 f"Python {sys.version.split()[0]}", required=True)  # fmt: skip


def check_template(plugin_dir: Path | None) -> list[Check]:
    """The kit's template (required) and, inside a plugin, the version it was rendered from."""
    from mixpeek_tools.errors import KitError
    from mixpeek_tools.scaffold.template_source import kit_template

    try:
        root = kit_template()
    except KitError as err:
        return [Check("template", "fail", err.paragraph(), required=True)]
    described = _run(["git", "-C", str(root), "describe", "--tags", "--always", "--dirty"])
    version = described.strip() if described else f"as shipped with {__version__}"
    checks = [Check("template", "ok", f"{version} ({root})", required=True)]
    answers = plugin_dir / ".copier-answers.yml" if plugin_dir else None
    if answers is not None and answers.is_file():
        commit = _answer(answers, "_commit") or "unknown (no _commit in the answers)"
        checks.append(Check("plugin template", "ok", f"{plugin_dir} rendered from {commit}"))
    return checks


def _answer(path: Path, key: str) -> str | None:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip().strip("'\"") or None
    return None


def check_settings(inputs: DoctorInputs) -> list[Check]:
    """Config file, profile, base URL, key (redacted) and namespace, each with its source."""
    where = inputs.config_path or "(none)"
    profile = f"profile {inputs.profile}" if inputs.profile else "no profile"
    config = f"{where} ({'found' if inputs.config_exists else 'not found'}), {profile}"
    checks = [Check("config", "ok", config)]
    base = inputs.sources.get("base_url", Setting(None, "default"))
    checks.append(Check("base url", "ok", f"{base.value} (from {base.describe()})"))
    key = inputs.sources.get("api_key", Setting(None, "default"))
    if inputs.key_error:
        checks.append(Check("api key", "fail", inputs.key_error, required=True))
    elif inputs.api_key:
        checks.append(Check("api key", "ok", f"{redact(inputs.api_key)} (from {key.describe()})"))
    else:
        checks.append(_problem("api key", "none set: --api-key, MIXPEEK_API_KEY or a profile",
                               "api" in inputs.require))  # fmt: skip
    ns = inputs.sources.get("namespace", Setting(None, "default"))
    if ns.value:
        checks.append(Check("namespace", "ok", f"{ns.value} (from {ns.describe()})"))
    else:
        checks.append(_problem("namespace", "none set: --namespace, MIXPEEK_NAMESPACE or a "
                               "profile", "api" in inputs.require))  # fmt: skip
    return checks


def check_api(inputs: DoctorInputs, timeout: float = API_TIMEOUT_S) -> Check:
    """GET the namespace's plugin list with a short timeout."""
    import requests

    required = "api" in inputs.require
    base = inputs.sources.get("base_url", Setting(None, "default")).value or ""
    namespace = inputs.sources.get("namespace", Setting(None, "default")).value
    if not inputs.api_key or not namespace:
        return _problem("api", f"{base}: not tried (needs an API key and a namespace)", required)
    url = f"{base.rstrip('/')}/v1/namespaces/{namespace}/plugins"
    headers = {"Authorization": f"Bearer {inputs.api_key}", "X-Namespace": namespace,
               "User-Agent": f"mixpeek-tools/{__version__} doctor"}  # fmt: skip
    try:
        reply = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        return _problem("api", f"{url}: unreachable ({type(exc).__name__})", required)
    if reply.status_code in (401, 403):
        return _problem("api", f"{url}: reachable, but the key was refused ({reply.status_code})",
                        required)  # fmt: skip
    if reply.status_code != 200:
        return _problem("api", f"{url}: answered HTTP {reply.status_code}", required)
    try:
        count = len(reply.json().get("plugins") or [])
    except (ValueError, AttributeError):
        return _problem("api", f"{url}: answered 200 but not the plugin API's JSON", required)
    return Check("api", "ok", f"{url}: reachable, {count} plugin(s) listed", required)


def check_ray(required: bool = False) -> Check:
    try:
        version = metadata.version("ray")
    except metadata.PackageNotFoundError:
        return _problem("ray", "not installed; pip install 'mixpeek-tools[ray]' for --engine ray",
                        required)  # fmt: skip
    return Check("ray", "ok", f"ray {version}", required)


def check_gpu(required: bool = False) -> Check:
    """nvidia-smi when present; torch only if something already imported it (importing is slow)."""
    smi = shutil.which("nvidia-smi")
    if smi:
        out = _run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader"])
        if out and out.strip():
            gpus = "; ".join(line.strip() for line in out.strip().splitlines())
            return Check("gpu", "ok", gpus, required)
        return _problem("gpu", "nvidia-smi is installed but lists no usable GPU", required)
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return Check("gpu", "ok", torch.cuda.get_device_name(0), required)
    return _problem("gpu", "no NVIDIA GPU found (no nvidia-smi); GPU steps run only on the "
                    "platform or on --engine ray with a GPU cluster", required)  # fmt: skip


def check_ffmpeg(required: bool = False) -> Check:
    """The ffmpeg the video services would use ($MIXPEEK_FFMPEG, PATH, imageio-ffmpeg)."""
    from mixpeek_tools.local_platform.ffmpeg import ffmpeg_binary

    chosen = os.environ.get("MIXPEEK_FFMPEG")
    binary = ffmpeg_binary()
    if binary is None:
        why = (f"MIXPEEK_FFMPEG={chosen} is not an executable file" if chosen else
               "not found: install FFmpeg, pip install 'mixpeek-tools[video]', or set MIXPEEK_FFMPEG")  # fmt: skip
        return _problem("ffmpeg", why, required)
    out = _run([binary, "-version"])
    first = out.splitlines()[0].split(" Copyright")[0] if out else "does not run"
    if out is None:
        return _problem("ffmpeg", f"{binary}: {first}", required)
    return Check("ffmpeg", "ok", f"{first} ({binary})", required)


def run_doctor(inputs: DoctorInputs) -> list[Check]:
    """Every check, in report order."""
    req = inputs.require
    return [
        check_kit(),
        *check_template(inputs.plugin_dir),
        *check_settings(inputs),
        check_api(inputs),
        check_ray("ray" in req),
        check_gpu("gpu" in req),
        check_ffmpeg("ffmpeg" in req),
    ]


def failed(checks: list[Check]) -> bool:
    return any(c.status == "fail" for c in checks)


def render_text(checks: list[Check]) -> str:
    width = max(len(c.name) for c in checks)
    return "".join(f"{c.status:<5} {c.name:<{width}}  {c.detail}\n" for c in checks)


def render_json(checks: list[Check]) -> str:
    body: dict[str, Any] = {"ok": not failed(checks), "checks": [asdict(c) for c in checks]}
    return json.dumps(body, indent=2) + "\n"
