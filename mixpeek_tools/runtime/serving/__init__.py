"""Serving a plugin's ``realtime.py`` over HTTP: locally (Starlette + uvicorn) or on Ray Serve.

``endpoint`` holds the engine-neutral request handling (validation against the plugin's schemas),
``http_app`` the ASGI app and the local server, ``openapi`` the generated API document and docs
page, ``ray_serve`` the Ray Serve deployment. See docs/serving.md.
"""
