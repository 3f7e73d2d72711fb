"""A small client for the Mixpeek plugin API (OpenAPI 0.81; the platform or the local registry).

Why every call may be retried (see ``retry``): GET, DELETE, deploy, undeploy, enable and
disable are idempotent by nature; create-upload at worst leaves an unconfirmed upload behind
(it also carries an ``Idempotency-Key`` fixed for one publish, so a server that honours it
returns the same upload); confirm of a confirmed upload returns the same plugin. A DELETE
retried after a lost answer that then meets 404 counts as done.

The API key goes only into the ``Authorization`` header. It is never formatted into a message,
and every text that reaches the user is passed through :func:`redact` in case a server echoes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mixpeek_tools import __version__
from mixpeek_tools.errors import BadInput, KitError
from mixpeek_tools.publishing.api_errors import (
    ApiError,
    ApiRejected,
    ApiUnavailable,
    parse_error,
    redact,
    to_error,
)
from mixpeek_tools.publishing.retry import RetryPolicy

if TYPE_CHECKING:
    import requests

__all__ = [
    "ApiError",
    "ApiRejected",
    "ApiUnavailable",
    "PluginApi",
    "connect",
    "parse_error",
    "redact",
]

DEFAULT_TIMEOUT = (10.0, 60.0)
CONFIRM_TIMEOUT = (10.0, 600.0)  # the server downloads, unpacks, validates and scans first


@dataclass
class PluginApi:
    """One namespace of the plugin API, over one ``requests.Session``."""

    base_url: str
    api_key: str
    namespace: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: tuple[float, float] = DEFAULT_TIMEOUT
    confirm_timeout: tuple[float, float] = CONFIRM_TIMEOUT
    notify: Callable[[str], None] | None = field(default=None, repr=False)
    _session: requests.Session | None = field(default=None, init=False, repr=False)

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            import requests

            session = requests.Session()
            session.headers.update(
                {
                    "Authorization": f"Bearer {self.api_key}",
                    "X-Namespace": self.namespace,
                    "Accept": "application/json",
                    "User-Agent": f"mixpeek-tools/{__version__}",
                }
            )
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def ns_url(self, suffix: str = "") -> str:
        return f"{self.base_url.rstrip('/')}/v1/namespaces/{self.namespace}/plugins{suffix}"

    # -- endpoints ---------------------------------------------------------------------------

    def create_upload(
        self, body: Mapping[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """Register an upload; the same ``idempotency_key`` always gets the same upload back."""
        key = idempotency_key or uuid.uuid4().hex
        return self.call(
            "POST", self.ns_url("/uploads"), json=dict(body), headers={"Idempotency-Key": key}
        )

    def confirm_upload(self, upload_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self.call(
            "POST",
            self.ns_url(f"/uploads/{upload_id}/confirm"),
            json=dict(body),
            timeout=self.confirm_timeout,
        )

    def list_plugins(self, source: str = "all") -> list[dict[str, Any]]:
        """``GET .../plugins``: the namespace's plugins (``source`` is a local-registry filter)."""
        params = None if source == "all" else {"source": source}
        return self._items(self.call("GET", self.ns_url(), params=params), self.ns_url())

    def list_available(self) -> list[dict[str, Any]]:
        """``GET .../plugins/available``: the organisation's plugins, enabled here or not."""
        url = self.ns_url("/available")
        return self._items(self.call("GET", url), url)

    def _items(self, data: dict[str, Any], url: str) -> list[dict[str, Any]]:
        plugins = data.get("plugins")
        if not isinstance(plugins, list):
            raise ApiUnavailable("the API's plugin list has no `plugins` array", where=url)
        return plugins

    def get_plugin(self, plugin_id: str, *, presigned: bool = False) -> dict[str, Any]:
        """``GET .../plugins/{id}``; with ``presigned`` the answer carries a download URL."""
        params = {"return_presigned_urls": "true"} if presigned else None
        return self.call("GET", self.ns_url(f"/{plugin_id}"), params=params)

    def delete_plugin(self, plugin_id: str) -> dict[str, Any]:
        return self.call("DELETE", self.ns_url(f"/{plugin_id}"), gone_is_done=True)

    def deploy_plugin(self, plugin_id: str) -> dict[str, Any]:
        return self.call("POST", self.ns_url(f"/{plugin_id}/deploy"))

    def deployment_status(self, plugin_id: str) -> dict[str, Any]:
        return self.call("GET", self.ns_url(f"/{plugin_id}/status"))

    def undeploy_plugin(self, plugin_id: str) -> dict[str, Any]:
        return self.call("POST", self.ns_url(f"/{plugin_id}/undeploy"))

    def enable_plugin(
        self, plugin_id: str, params: Mapping[str, Any] | None, deploy: bool
    ) -> dict[str, Any]:
        """Enable an organisation plugin in this namespace (and deploy it unless told not to)."""
        body = {"params": dict(params) if params is not None else None, "deploy": deploy}
        return self.call("POST", self.ns_url(f"/org/{plugin_id}/enable"), json=body)

    def disable_plugin(self, plugin_id: str) -> dict[str, Any]:
        return self.call("POST", self.ns_url(f"/org/{plugin_id}/disable"))

    # -- transport ---------------------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] | None = None,
        gone_is_done: bool = False,
    ) -> dict[str, Any]:
        """One API call with the retry policy applied; returns the JSON body."""
        import requests

        waited = 0.0
        retry = failures = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=headers,
                    timeout=timeout or self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                failures += 1
                wait = self.policy.backoff(retry)
                if not self.policy.allows_after_network_error(failures, retry, waited, wait):
                    raise self._unreachable(url, exc) from None
                reason = type(exc).__name__
            else:
                if response.ok:
                    return _json_body(response, url)
                if gone_is_done and retry > 0 and response.status_code == 404:
                    return {"deleted": True}
                err = parse_error(response)
                maybe = self.policy.wait_for_status(
                    response.status_code, response.headers, err.details_map, retry, safe=True
                )
                if maybe is None or not self.policy.allows(retry, waited, maybe):
                    raise self.to_error(response.status_code, err, url)
                wait = maybe
                reason = f"HTTP {response.status_code}"
            if self.notify is not None:
                self.notify(f"{method} {url}: {reason}; retrying in {wait:.1f} s")
            self.policy.sleep(wait)
            waited += wait
            retry += 1

    def _unreachable(self, url: str, exc: Exception) -> KitError:
        kind = "timed out" if "timeout" in type(exc).__name__.lower() else "could not connect"
        return ApiUnavailable(
            redact(
                f"the plugin API {kind} ({type(exc).__name__}), also after retrying", self.api_key
            ),
            where=url,
            hint="Check MIXPEEK_BASE_URL / --base-url and your network, then try again",
        )

    def to_error(self, status: int, err: ApiError, url: str) -> KitError:
        """The user-facing error for one HTTP status."""
        return to_error(status, err, url, namespace=self.namespace, api_key=self.api_key)


def _json_body(response: requests.Response, url: str) -> dict[str, Any]:
    if response.status_code == 204 or not response.content:
        return {}
    try:
        body = response.json()
    except ValueError:
        raise ApiUnavailable(
            f"the plugin API answered HTTP {response.status_code} with a body that is not JSON",
            where=url,
            hint="Check that MIXPEEK_BASE_URL points at the plugin API",
        ) from None
    if not isinstance(body, dict):
        raise ApiUnavailable("the plugin API answered with JSON that is not an object", where=url)
    return body


def connect(
    base_url: str,
    api_key: str | None,
    namespace: str | None,
    notify: Callable[[str], None] | None = None,
) -> PluginApi:
    """A client for the CLI's settings, or a clear error naming what is missing."""
    if not api_key:
        raise BadInput(
            "no API key given",
            where="--api-key / MIXPEEK_API_KEY",
            hint="Set MIXPEEK_API_KEY (for the local registry, `mixpeek registry add-key` makes one)",
        )
    if not namespace:
        raise BadInput(
            "no namespace given",
            where="--namespace / MIXPEEK_NAMESPACE",
            hint="Pass --namespace ns_... or set MIXPEEK_NAMESPACE",
        )
    return PluginApi(base_url=base_url, api_key=api_key, namespace=namespace, notify=notify)
