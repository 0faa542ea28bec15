"""simulator.gpu.lanes: a lane's jobs run one at a time in order, lanes side by side, failures stay in their lane."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from simulator.gpu.lanes import Lanes


def test_a_lanes_jobs_run_in_order_one_at_a_time():
    log, running = [], {0: 0, 1: 0, 2: 0}
    lock = threading.Lock()

    def job(lane, k):
        with lock:
            running[lane] += 1
            assert running[lane] == 1, "two jobs of one lane at once"
        time.sleep(0.001 * (k % 3))
        with lock:
            log.append((lane, k))
            running[lane] -= 1
        return lane * 100 + k

    with ThreadPoolExecutor(max_workers=4) as pool:
        lanes = Lanes(pool, 3)
        futs = [(lane, k, lanes.submit(lane, job, lane, k)) for k in range(12) for lane in range(3)]
        for lane, k, fut in futs:
            assert fut.result(timeout=10) == lane * 100 + k
    for lane in range(3):
        assert [k for ln, k in log if ln == lane] == list(range(12))


def test_a_thread_never_waits_for_another_job_of_the_lane():
    """Lane 0's first job waits for lane 1's; its second job is queued before lane 1's.  Had the second job been
    handed to the pool's other thread to wait there for the first (as the fast engine's jobs once did), lane 1's
    job would never get a thread."""
    released = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        lanes = Lanes(pool, 2)
        a1 = lanes.submit(0, lambda: released.wait(timeout=5))
        a2 = lanes.submit(0, lambda: "a2")
        b1 = lanes.submit(1, released.set)
        assert a1.result(timeout=10) is True  # released by lane 1's job, not by the timeout
        assert a2.result(timeout=10) == "a2"
        b1.result(timeout=10)


def test_a_failure_fails_the_rest_of_its_lane_only():
    ran = []

    def boom():
        raise ValueError("lane 0 broke")

    with ThreadPoolExecutor(max_workers=2) as pool:
        lanes = Lanes(pool, 2)
        f1 = lanes.submit(0, boom)
        f2 = lanes.submit(0, lambda: ran.append("after"))
        g1 = lanes.submit(1, lambda: "other lane")
        with pytest.raises(ValueError, match="lane 0 broke"):
            f1.result(timeout=10)
        with pytest.raises(ValueError, match="lane 0 broke"):
            f2.result(timeout=10)
        assert g1.result(timeout=10) == "other lane"
    assert ran == []  # the job after the failure never ran on the half-updated state


def test_jobs_left_when_the_pool_shuts_down_fail_instead_of_hanging():
    gate = threading.Event()
    pool = ThreadPoolExecutor(max_workers=1)
    lanes = Lanes(pool, 1)
    first = lanes.submit(0, lambda: gate.wait(timeout=5))
    second = lanes.submit(0, lambda: "never")
    threading.Timer(0.05, gate.set).start()
    pool.shutdown(wait=True)
    assert first.result(timeout=1) is True
    with pytest.raises(RuntimeError):
        second.result(timeout=1)
