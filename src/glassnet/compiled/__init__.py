"""The compiled training engine (optional, ``pip install 'glassnet[fast]'``): a whole training epoch in one
numba-compiled call that gives **the NumPy path's exact bits** — the same weights, optimizer slots, gradient
parts and loss parts as ``model.fit`` — at a multiple of its speed on small networks (issue 15; see
docs/compiled.md).

It calls the code NumPy calls: NumPy's bundled OpenBLAS for matrix products (:mod:`.blas`), NumPy's own ufunc
loops for exp/tanh/log (:mod:`.ufuncs`) and NumPy's pairwise summation (:mod:`.reductions`); every other
operation is one IEEE operation per item in NumPy's order. :func:`self_check` verifies this on a tiny problem
once per process and reports (never raises) why the engine cannot be used.

Importing this package imports nothing heavy; numba is imported by the modules that compile (``blas``,
``ufuncs``, ``reductions``, ``dense``, ``losses``, ``regularizers``, ``optimizers``, ``epoch``, ``state``).

Phase 1 (this package) drives the epoch from a model's public state:

>>> from glassnet import compiled
>>> sorted(name for name in compiled.__all__)
['EngineStatus', 'EpochPlan', 'EpochResult', 'EpochState', 'Unsupported', 'plan_for', 'run_epoch', 'self_check']
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"EngineStatus": "selfcheck", "self_check": "selfcheck", "EpochPlan": "plan", "Unsupported": "support",
            "plan_for": "plan", "EpochState": "state", "EpochResult": "state", "run_epoch": "state"}
__all__ = ["EngineStatus", "EpochPlan", "EpochResult", "EpochState", "Unsupported", "plan_for", "run_epoch",
           "self_check"]


def __getattr__(name: str) -> Any:
    """Import on first use: ``glassnet.compiled.run_epoch`` loads numba, ``glassnet.compiled`` alone does not."""
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
