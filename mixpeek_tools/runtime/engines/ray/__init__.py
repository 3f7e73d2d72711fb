"""The ``ray`` engine: a plugin's pipeline as Ray Data ``map_batches`` stages over actor pools.

This is how the platform runs extractors, so a run here shows what batching, actor resources
and GPU steps do before publishing. One actor class (:class:`~.actors.StepActor`) serves every
step: it builds its step's service once and applies it batch after batch with the local
engine's own ``apply_step`` (row conditions, pass-through, per-row failures), which is what
makes both engines give the same output for the same input.

Code. The plugin travels as exactly the files ``publish`` ships, in the job's ``runtime_env``
(:mod:`.shipment`); actors receive plain data (the plugin's path and import name, the
parameters, the step index) and rebuild the plan themselves (:class:`~mixpeek_tools.runtime.plan.PlanFactory`).

Input (:mod:`.feed`, :mod:`.readers`). Object-store Parquet is read next to the compute: by the
first step's own actors, a run of row groups at a time, when the object has a row group per
actor and ``prepare`` keeps the dataset; else, like JSON Lines, by Ray read tasks holding no CPU.
Every other input is read in the driver by the kit's own readers (one reader for every format
and both engines: the same row numbers, file resolution and ``file:line`` errors) and fed to a
read task through the run's :class:`~.actors.Hub`, a few blocks deep, so memory stays flat. A
``prepare`` that returns a new dataset is run to completion first: its tasks would otherwise
wait for CPUs the actor pools hold on a small cluster.

Blocks (:mod:`.blocks`). Input whose columns come back from Arrow unchanged travels as Arrow;
Python objects travel as the reader's pandas frame, so the first step sees what it sees on the
local engine. Step outputs are Arrow blocks as Ray Data would convert them (plain columns by the
kit's own cheaper conversion), plus helper columns: the input row number, the processed flag, a
bitmask of the steps that selected the row, and each step's seconds on the batch's first row.
Actors and the driver turn Arrow back into the values the local engine holds (numpy dtypes,
nested values as Python objects, integers with gaps as ``Int64``). Failed rows leave the stream:
with ``on_error=stop`` the actor raises and Ray stops the run at that batch; with ``continue``
they go to the hub's ledger, which the driver reads at the end and sorts by row. Rows keep their
input order (``preserve_order``).

Session (:mod:`.session`). ``RAY_ADDRESS`` joins a cluster (``ray://`` clients too); otherwise a
local Ray starts with ``num_cpus`` CPUs, no dashboard and quiet logs, and ends with the run.
"""

from mixpeek_tools.runtime.engines.ray.engine import RayEngine
from mixpeek_tools.runtime.engines.ray.session import init_ray

__all__ = ["RayEngine", "init_ray"]
