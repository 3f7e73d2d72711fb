"""pytest plugin: placeholder until the runtime helper lands the real one."""
