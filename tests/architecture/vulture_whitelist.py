# ruff: noqa
# type: ignore
"""Names vulture reports as unused that are used, by a framework or by plugin code.

Vulture reads this file as code that "uses" each name (it is never imported or run); see
``[tool.vulture]`` in pyproject.toml and tests/architecture/test_dead_code.py. Add a name here
only with the reason it is used; code nothing uses is deleted instead.
"""

_ = object()

# --- the standard library and click call these by name -------------------------------------------
_.create_module  # importlib loader protocol (local_platform/__init__.py, layout.py)
_.get_code  # importlib loader protocol (plugin/staging.py)
_.format_commands  # click.Group override: the lazy group's --help (cli/lazy.py)
_.row_factory  # sqlite3.Connection attribute the store sets (registry/store.py)
_.mtime, _.uid, _.gid, _.uname, _.gname  # tarfile.TarInfo fields set for reproducible archives
_.create_system, _.compress_type  # zipfile.ZipInfo fields set for reproducible archives
tb  # __exit__(exc_type, exc, tb): the protocol's signature (runtime/writers.py)

# --- Ray Data calls a Datasource by these names (runtime/engines/ray/feed.py, readers.py) -------
_.estimate_inmemory_data_size
_.get_read_tasks
_.get_name
_.supports_distributed_reads
data_context  # get_read_tasks(parallelism, data_context=...): Ray passes it
parallelism  # get_read_tasks(parallelism, ...): Ray's signature; the kit sizes its own tasks

# --- plugin code uses these: the stand-ins mirror the platform's API -----------------------------
IS_TEXT, IS_IMAGE, IS_VIDEO, IS_AUDIO, IS_PDF, IS_VIDEO_OR_AUDIO  # local_platform/pipeline.py
# runtime/dataset.py: the Ray Data methods a pipeline may call on the local dataset
_.flat_map, _.add_column, _.drop_columns, _.select_columns, _.rename_columns
_.repartition, _.iter_rows, _.take, _.take_all
# runtime/plan.py: fields of the request build_steps receives, and the platform's name of
# the steps (validator/checks/pipeline.py reads it through getattr)
feature_extractor_name
extractor_config
_.step_definitions

# --- pydantic response models: FastAPI serialises every field (registry/schemas.py) --------------
success, created_at, updated_at, enabled_in_namespace, ray_cluster_url, ray_deployment_name
required_vector_indexes, features, dependencies, deployment_info, resolved_inference_name
presigned_download_url, deployment_removed, deployment_type, status_endpoint, realtime_enabled
extractors, extractor, presigned_url, s3_key, expires_at, presigned_post, security_violations

# --- library helpers the kit's own tests use ---------------------------------------------------
build_archive  # publishing/archive.py: collect + write in one call (tests/publishing, tests/gate)
write_tree  # validator/examples.py: writes the example plugin the validator tests start from
example_cases, example_problems  # scanner/rules/testing.py: the rule-example harness tests/scanner runs
