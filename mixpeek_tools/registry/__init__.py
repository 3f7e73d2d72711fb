"""The local plugin registry: the Mixpeek plugin API as an ASGI app over SQLite and S3.

It never imports or runs uploaded plugin code in its own process; see ``verify``.
"""
