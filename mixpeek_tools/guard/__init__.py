"""The run-time guard: untrusted plugin code runs in a child process under a PEP 578 audit hook.

:mod:`~mixpeek_tools.guard.hook` denies forbidden capabilities at the plugin's own line;
:mod:`~mixpeek_tools.guard.child` prepares the child (dies with its parent, no network where
the machine allows, resource limits) before the hook goes in; :mod:`~mixpeek_tools.guard.parent`
starts it with a private HOME and kills its whole process group on timeout. The registry's
checks always run guarded; ``mixpeek plugin test``/``run`` do with ``--guard``.
"""
