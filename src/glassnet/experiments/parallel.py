"""Run independent tasks serially, on all cores (joblib) or on a Dask cluster, with the same results anywhere.

Every backend runs the same module-level function on the same arguments and hands the results back **in task
order**, so a sweep's records do not depend on where it ran. Making the floats themselves identical is the
task function's job: :func:`glassnet.experiments.sweeps.run_task` fixes the BLAS thread count to 1 around each
fit (see there).

===========================================  =================================================================
arguments                                    backend
===========================================  =================================================================
``n_jobs=1`` (or a single task)              serial, in this process
``n_jobs=k ≠ 1``, no scheduler               joblib ``Parallel(n_jobs=k, backend='loky')``; −1 = all cores
``scheduler='tcp://host:port'`` or a Client  Dask: ``client.map`` / ``client.gather`` (``n_jobs`` is ignored)
===========================================  =================================================================

Dask workers import the task function by name, so on a remote cluster every worker needs glassnet installed
(the same version, for the same numbers). Progress counts finished fits: ``tqdm.auto``'s bar — a widget in a
Jupyter notebook, a bar in a terminal — or, when stderr is neither (a log file, CI), a plain line at most every
10 seconds and one at the end (:mod:`glassnet.experiments.progress`); nothing with ``progress=False``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..callbacks.progress import redraws_in_place
from .progress import NoProgress, PlainProgress


def require(module: str, extra: str) -> Any:
    """Import ``module`` or raise an ImportError that says which glassnet extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{module!r} is needed here but is not installed: pip install 'glassnet[{extra}]' "
                          f"(or pip install {module.split('.')[0]}). Received: ImportError({exc})") from exc


def check_backend_arguments(n_jobs: Any, scheduler: Any, progress: Any) -> None:
    """Validate ``n_jobs`` (an int ≠ 0), ``scheduler`` (None, an address string or a Dask Client) and
    ``progress`` (a bool)."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)):
        raise TypeError("Argument `n_jobs` must be an int (1 = serial, k > 1 = k processes, -1 = all "
                        f"cores). Received: n_jobs={n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("Argument `n_jobs` must be an int other than 0 (1 = serial, k > 1 = k processes, "
                         f"-1 = all cores). Received: n_jobs={n_jobs!r}")
    is_client = all(hasattr(scheduler, name) for name in ("map", "gather", "scatter"))
    if scheduler is not None and not isinstance(scheduler, str) and not is_client:
        raise TypeError("Argument `scheduler` must be None, a Dask scheduler address such as "
                        f"'tcp://127.0.0.1:8786' or a distributed.Client. Received: scheduler={scheduler!r}")
    if isinstance(scheduler, str) and "://" not in scheduler:
        raise ValueError("Argument `scheduler` must be a Dask scheduler address such as "
                         f"'tcp://127.0.0.1:8786'. Received: scheduler={scheduler!r}")
    if not isinstance(progress, bool):
        raise TypeError(f"Argument `progress` must be a bool. Received: progress={progress!r}")


def run_tasks(fn: Callable[..., Any], tasks: Sequence[Any], shared: dict[str, Any], *, n_jobs: int = 1,
              scheduler: Any = None, progress: bool = True, desc: str = "fits") -> list[Any]:
    """Return ``[fn(task, **shared) for task in tasks]``, computed by the backend the arguments choose.

    Parameters
    ----------
    fn : callable
        A module-level function (workers import it by name), ``fn(task, **shared) -> result``.
    tasks : sequence
        One picklable item per call.
    shared : dict
        Keyword arguments every call gets. On Dask, NumPy arrays among them are scattered to every worker once
        instead of travelling with each task (joblib memory-maps large arrays by itself).
    n_jobs, scheduler, progress :
        See the module table.
    desc : str
        The progress bar's label.

    Returns
    -------
    list
        The results in the order of ``tasks``, whichever backend ran them.
    """
    check_backend_arguments(n_jobs, scheduler, progress)
    tasks = list(tasks)
    with _progress_bar(len(tasks), progress, desc) as bar:
        if scheduler is not None:
            return _run_dask(fn, tasks, shared, scheduler, bar)
        if n_jobs == 1 or len(tasks) <= 1:
            results = []
            for task in tasks:
                results.append(fn(task, **shared))
                bar.update(1)
            return results
        return _run_joblib(fn, tasks, shared, int(n_jobs), bar)


def _progress_bar(total: int, progress: bool, desc: str) -> Any:
    """tqdm.auto's bar (a widget in Jupyter, a bar in a terminal) where it can redraw itself, else plain lines."""
    if not progress:
        return NoProgress()
    if not redraws_in_place(sys.stderr):  # a log file or a CI transcript: a redrawn bar would be noise there
        return PlainProgress(total, desc)
    return require("tqdm.auto", "experiments").tqdm(total=total, desc=desc, unit="fit")


def _run_joblib(fn: Callable[..., Any], tasks: list[Any], shared: dict[str, Any], n_jobs: int,
                bar: Any) -> list[Any]:
    joblib = require("joblib", "experiments")
    from joblib.externals.loky.process_executor import TerminatedWorkerError
    # return_as='generator' yields results in task order as they finish, which lets the bar advance while
    # joblib keeps the ordering.
    parallel = joblib.Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
    results = []
    try:
        for result in parallel(joblib.delayed(fn)(task, **shared) for task in tasks):
            results.append(result)
            bar.update(1)
    except TerminatedWorkerError:  # loky cannot say which task was running, only where the results stopped
        raise _worker_died(f"one of the fits from {tasks[len(results)]!r} on", "joblib") from None
    return results


def _run_dask(fn: Callable[..., Any], tasks: list[Any], shared: dict[str, Any], scheduler: Any,
              bar: Any) -> list[Any]:
    distributed = require("distributed", "dask")
    own_client = isinstance(scheduler, str)
    client = _connect(distributed, scheduler) if own_client else scheduler
    try:
        # Each array becomes one task of the graph that every fit depends on. Unlike scattered data, which is
        # lost for good with the worker that held it (every later task then fails as "already forgotten"), a
        # task's result is recomputed elsewhere when its worker dies.
        arrays = {name: client.submit(_identity, value, pure=False)
                  for name, value in shared.items() if isinstance(value, np.ndarray)}
        kwargs = {**shared, **arrays}
        # pure=False: every task is its own computation, even if two happened to hash alike.
        futures = client.map(fn, tasks, pure=False, **kwargs)
        try:
            for _ in distributed.as_completed(futures):
                bar.update(1)
            return client.gather(futures)  # in the order of `futures`, i.e. of `tasks`
        except distributed.KilledWorker as exc:
            index = next((i for i, future in enumerate(futures) if future.key == exc.task), None)
            raise _worker_died(f"the fit {tasks[index] if index is not None else exc.task!r}", "Dask") from None
    finally:
        if own_client:
            client.close()


def _identity(value: Any) -> Any:
    return value


#: Seconds to wait for a Dask scheduler given by address before giving up.
CONNECT_TIMEOUT = 10


def _connect(distributed: Any, address: str) -> Any:
    """A Client for ``address``, or a ConnectionError that says so within :data:`CONNECT_TIMEOUT` seconds."""
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"Could not reach a Dask scheduler at {address} within {CONNECT_TIMEOUT} s "
                              f"({type(exc).__name__}). Start one (`dask scheduler`, then `dask worker {address}`) "
                              f"or check the address. Received: scheduler={address!r}") from None


def _worker_died(what: str, backend: str) -> ChildProcessError:
    """The error for a worker process that died while running ``what`` (on Dask: on every retry)."""
    return ChildProcessError(
        f"A {backend} worker process died while running {what}, so the sweep was stopped. The process "
        "was killed from outside or crashed: out of memory, a segfault in native code, or os._exit in the model "
        "builder. Received: a lost worker")
