"""Choosing λ like a practitioner: validation and learning curves over folds and seeds, on all cores or a Dask
cluster, with results you can export and an HTML report.

- :func:`validation_curve` / :func:`learning_curve` (``sweeps.py``) return :class:`SweepResults` (``results.py``);
- :func:`write_report` (``report.py``) writes a self-contained HTML page; matplotlib is imported only then.
"""

from __future__ import annotations

from typing import Any

from .results import SweepResults
from .sweeps import ModelSpec, learning_curve, validation_curve


def __getattr__(name: str) -> Any:
    # Lazy: the report needs matplotlib, the sweeps do not. (A function named `report` would be replaced by the
    # submodule of the same name as soon as it is imported, so the shortcut is called write_report.)
    if name == "write_report":
        from .report import write_report

        return write_report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["validation_curve", "learning_curve", "ModelSpec", "SweepResults", "write_report"]
