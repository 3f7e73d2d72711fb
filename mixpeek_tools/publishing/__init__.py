"""Publishing a plugin: reproducible archives, the plugin API client, presigned uploads, confirm.

Submodules are imported on demand (``requests`` and friends are not free to import), so this
package file stays empty on purpose.
"""
