"""Config models of the built-in services (``shared.inference.<vendor>.<model>.models``)."""
