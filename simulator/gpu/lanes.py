"""Jobs in lanes over one thread pool: a lane's jobs run one at a time, in the order given; different lanes' jobs
run side by side.

Why: each L2 capacity of the fast engine is a lane (its cache state must see the chunks in order), and the
capacities share two threads.  A job that waited for its lane's previous job inside a pool thread held that thread
idle meanwhile (a bias kernel's 96-request job waiting 2 ms for its capacity's large job on the other thread); here a
job enters the pool's queue only once its lane's previous job has ended, so a pool thread always has a job it can
run.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Executor, Future


class Lanes:
    """``submit(lane, fn, *args)`` returns a future at once; the job runs after the lane's earlier jobs.

    A job that raises fails its lane's later jobs with the same exception (they would run on state the failed job
    left half-updated); other lanes go on.
    """

    def __init__(self, pool: Executor, lanes: int):
        self.pool = pool
        self.lock = threading.Lock()
        self.waiting = [deque() for _ in range(lanes)]
        self.busy = [False] * lanes
        self.failed: list[BaseException | None] = [None] * lanes

    def submit(self, lane: int, fn, *args) -> Future:
        fut: Future = Future()
        with self.lock:
            if self.busy[lane]:
                self.waiting[lane].append((fut, fn, args))
                return fut
            self.busy[lane] = True
        self._start(lane, fut, fn, args)
        return fut

    def idle(self) -> bool:
        """Whether no lane has a job queued or running."""
        with self.lock:
            return not any(self.busy)

    def _start(self, lane: int, fut: Future, fn, args) -> None:
        try:
            self.pool.submit(self._run, lane, fut, fn, args)
        except RuntimeError as exc:  # the pool was shut down (the pass was abandoned): nothing more runs
            self._fail(lane, fut, exc)

    def _run(self, lane: int, fut: Future, fn, args) -> None:
        if self.failed[lane] is None:
            try:
                fut.set_result(fn(*args))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the future
                self.failed[lane] = exc
                fut.set_exception(exc)
        else:
            fut.set_exception(self.failed[lane])
        with self.lock:
            nxt = self.waiting[lane].popleft() if self.waiting[lane] else None
            if nxt is None:
                self.busy[lane] = False
        if nxt is not None:
            self._start(lane, *nxt)

    def _fail(self, lane: int, fut: Future, exc: BaseException) -> None:
        self.failed[lane] = exc
        with self.lock:
            rest = list(self.waiting[lane])
            self.waiting[lane].clear()
            self.busy[lane] = False
        for f in [fut, *(w[0] for w in rest)]:
            f.set_exception(exc)
