"""Each step's actors ask Ray for a share of the cluster that lets one actor of every step run
at once (see ``mixpeek_tools.runtime.engines.actor_shares``); pure arithmetic, no Ray needed."""

from __future__ import annotations

import pytest

from mixpeek_tools.runtime.engines.actor_shares import first_pool_size, fit_to_cluster


def test_a_pipeline_that_fits_keeps_the_requests_it_declared() -> None:
    shares = fit_to_cluster([1, 1], [0, 0], {"CPU": 2})
    assert shares.cpus == [1.0, 1.0] and shares.gpus == [0.0, 0.0]
    assert shares.note is None


def test_more_steps_than_cpus_share_the_cpus_in_proportion() -> None:
    shares = fit_to_cluster([1, 1, 2], [0, 0, 0], {"CPU": 2})
    assert shares.cpus == [0.5, 0.5, 1.0]
    assert shares.note is not None and "4 CPUs" in shares.note and "has 2" in shares.note


def test_scaled_requests_never_add_up_past_the_cluster() -> None:
    shares = fit_to_cluster([1, 1, 1], [0, 0, 0], {"CPU": 2})
    assert sum(shares.cpus) <= 2
    assert all(share == pytest.approx(2 / 3, abs=1e-3) for share in shares.cpus)


def test_gpu_steps_share_the_gpus_and_cpu_only_steps_ask_for_none() -> None:
    shares = fit_to_cluster([1, 1, 1], [1, 0, 1], {"CPU": 8, "GPU": 1})
    assert shares.cpus == [1.0, 1.0, 1.0]
    assert shares.gpus == [0.5, 0.0, 0.5]
    assert shares.note is not None and "GPU" in shares.note and "CPU" not in shares.note


def test_a_cluster_without_the_resource_is_left_to_the_gpu_check() -> None:
    """A GPU step on a cluster with no GPU is refused (or falls back) before shares are fitted."""
    shares = fit_to_cluster([1], [1], {"CPU": 2})
    assert shares.gpus == [1.0] and shares.note is None


@pytest.mark.parametrize(
    ("cpus", "wanted", "cluster", "starting"),
    [
        ([1], 2, {"CPU": 2}, 2),  # one step, room for both actors
        ([1], 4, {"CPU": 2}, 2),  # no more than the cluster holds
        ([1, 1], 2, {"CPU": 2}, 1),  # the second step's first actor needs the other CPU
        ([0.5, 0.5, 0.5, 0.5], 2, {"CPU": 2}, 1),  # shares that fill the cluster
        ([1, 0.5], 3, {"CPU": 4}, 3),
        ([1], 1, {"CPU": 8}, 1),  # the step asks for one
    ],
)
def test_the_first_pool_starts_with_what_fits_beside_one_actor_of_every_other_step(
    cpus: list[float], wanted: int, cluster: dict[str, float], starting: int
) -> None:
    shares = fit_to_cluster(cpus, [0] * len(cpus), cluster)
    assert first_pool_size(shares, wanted, cluster) == starting
    assert (starting - 1) * shares.cpus[0] + sum(shares.cpus) <= cluster["CPU"]


def test_a_gpu_first_step_starts_with_the_gpus_left() -> None:
    shares = fit_to_cluster([1, 1], [1, 1], {"CPU": 8, "GPU": 3})
    assert first_pool_size(shares, 4, {"CPU": 8, "GPU": 3}) == 2
