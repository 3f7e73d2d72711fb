"""Running a plugin's pipeline: content types, file I/O, the executor and the engines.

Heavy libraries (pandas, pyarrow) are imported inside functions, so importing this package is
cheap; see ``docs/runtime.md`` for the rules the runtime follows.
"""
