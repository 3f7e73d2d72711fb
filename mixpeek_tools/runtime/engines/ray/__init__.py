"""The ``ray`` engine: a plugin's pipeline as Ray Data ``map_batches`` stages over actor pools.

This is how the platform runs extractors, so a run here shows what batching, actor resources
and GPU steps do before publishing. One Ray actor class (:class:`StepActor`) serves every step:
each actor builds its step's service once and then applies it batch after batch with the local
executor's own ``apply_step`` (row-condition selection, pass-through, per-row failure capture),
which is what makes ``ray`` and ``local`` give identical output for the same input.

Actors receive only plain data (the plugin path, the parameters, the step index) and rebuild the
plan themselves: plugin classes live in a package imported straight from its folder, which a Ray
worker could not unpickle by reference.

Session: ``RAY_ADDRESS`` joins an existing cluster (whose nodes must see the plugin's path);
otherwise a local Ray starts with ``num_cpus`` CPUs, no dashboard and quiet logs (workers' output
is forwarded only when verbose), and is shut down when the run ends. Rows keep their input order
(``preserve_order``).

Streaming input. The input is read by the kit's own readers in the driver, exactly as on the
local engine (same row numbers, same file resolution against the driver's folders, same
``file:line:column`` errors), and fed to Ray while the run goes: a feeder thread joins about one
target block of batches, puts the block in the object store (one put per block: a put costs the
driver about a millisecond of CPU, which the actors need on a small machine) and hands its
reference to the run's helper actor (:class:`Hub`, a queue a few blocks deep, so reading waits
when Ray falls behind); one read task on the driver's node, holding no CPU, takes the references
off the queue and yields the blocks. Memory
therefore stays flat with input size. We chose this over read tasks that open slices of the file
themselves because it keeps one reader for every format and both engines (CSV with quoted
newlines, a ``.json`` list, ``--limit`` and relative ``*_path`` resolution need no second
implementation) and works for any iterable of batches, not only files. Its limits: reading and
turning batches into blocks happen in the driver process, so steps faster than the reader wait
for it (as on the local engine), and input crosses from the driver's node to the cluster. A
``prepare`` that returns a new dataset is run to completion first (``materialize``): its task
stages would otherwise wait for CPUs the actor pools hold on a small cluster, so such plugins
hold their prepared input in the object store; a ``prepare`` that returns the dataset it was
given (the template's ``lambda ds: ds``) keeps the stream.

Blocks. An input batch whose columns all come back from Arrow unchanged (numbers, booleans,
strings, dates: the usual text and table inputs) is fed as an Arrow block; one holding Python
objects (dicts, bytes, mixed values) is fed as the reader's pandas frame, so in both cases the
first step sees exactly what it sees on the local engine. Arrow input is cheaper all the way: the
read task and the object store move its buffers without pickling, and Ray sizes it without
walking its values. Step outputs are Arrow blocks, built by the actor: the step's columns go
through Ray Data's own pandas-to-Arrow conversion (so they hold what plain ``map_batches`` would
give, including Ray's tensor and pickled-object types), and the helper columns below are
appended as Arrow arrays straight from numpy. Ray's conversion costs about a tenth of a
millisecond per column and batch, which made the four helper columns the largest part of the
engine's overhead on short rows while Ray converted them. We tried keeping the outputs pandas,
but Ray sizes a pandas block by walking every Python object in it (about 2 ms per 1024 rows of
dicts, several times per block). Actors take blocks in their own format (``batch_format=None``)
and, like the driver, turn Arrow back into the values the local engine holds (numpy dtypes;
nested values as Python objects, integers with gaps as nullable ``Int64``; a numpy array per row for tensors);
Ray's own conversion gives ``int64[pyarrow]`` columns, ``TensorArrayElement`` rows and frames
that pandas' ``concat`` trips over. A missing value that went through Arrow is ``None`` where the
local engine may hold ``NaN``, and dicts carry every key seen in their column. Ray Data cannot
join batches where one column holds tensors in some and other objects in others (arrays on
some rows, nothing on rows a step skipped); that run stops with a message naming the column.

Helper columns: the input row number, the processed flag, a bitmask of the steps that selected
the row, and per step the seconds its actor spent in ``apply_step`` (on the first row of each
batch), which the driver sums into the run summary's per-step seconds. When a batch comes out of
a step with the rows it went in with (the common case) the actor's bookkeeping is a few array
operations. Failed rows leave the stream: with ``on_error=stop`` the actor raises and
Ray stops the run at that batch; with ``continue`` they go to the hub's ledger, which the driver
reads at the end and sorts by row.
"""

from mixpeek_tools.runtime.engines.ray.engine import RayEngine
from mixpeek_tools.runtime.engines.ray.session import init_ray

__all__ = ["RayEngine", "init_ray"]
