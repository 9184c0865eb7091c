"""Data sets: the TensorFlow Playground's 2-D problems, scikit-learn's bundled tables, files, seeded splits.

Nothing here touches the network. Four groups:

- **Playground generators** ``circle``, ``xor``, ``gauss``, ``spiral`` and ``moons``: ``(x, y)`` with x
  float32 ``(n_samples, 2)`` and y float32 ``(n_samples,)`` in {0, 1}.
- **Bundled tables** ``load_breast_cancer``, ``load_digits``, ``load_iris``, ``load_wine``: a :class:`Dataset`
  from the copies scikit-learn ships (no download), and :func:`standardize`, fitted on training rows only.
- **Files** ``load_csv``, ``load_npy``, ``load_npz``, ``load_parquet`` and ``load`` (by extension): ``(x, y)``
  as float32. Loading never runs code: ``.npy``/``.npz`` are read with ``allow_pickle=False``. Every bad file
  gives a one-line ``ValueError`` (``FileNotFoundError`` if it is missing) that starts with the file's path.
- **Tables** :func:`read_table` reads a CSV, Parquet, ``.npz`` or ``.npy`` file as named columns of numbers,
  texts and missing cells, within the bounds of :mod:`~glassnet.datasets.limits`; :func:`prepare` turns one into
  training and validation arrays (task, labels, one-hot texts, missing values, a seeded stratified hold-out) and
  a :class:`Preparation` record, which ``glassnet train`` saves in the model file for ``predict`` and ``explain``.
- **Splits** :func:`train_val_test_split`, seeded and optionally stratified.

>>> x, y = circle(n_samples=200, noise=0.1, seed=0)
>>> x.shape, x.dtype, sorted(set(y.tolist()))
((200, 2), dtype('float32'), [0.0, 1.0])
>>> x_train, y_train, x_val, y_val = train_val_test_split(x, y, val=0.25, seed=0, stratify=True)
>>> len(x_train), len(x_val)
(150, 50)
"""

from __future__ import annotations

from . import limits

# One module per group; this package re-exports every public name so ``glassnet.datasets.circle`` and
# ``from glassnet.datasets import load`` keep working.
from ._common import XY  # noqa: F401 - the (x, y) type of the loaders, for annotations
from .files import load, load_csv, load_npy, load_npz, load_parquet
from .playground import circle, gauss, moons, spiral, xor
from .preparation import FeatureColumn, Preparation
from .splits import train_val_test_split
from .table import Column, Table, read_table
from .tables import Dataset, load_breast_cancer, load_digits, load_iris, load_wine, standardize
from .training_data import TrainingData, prepare

__all__ = [
    "circle", "xor", "gauss", "spiral", "moons",
    "Dataset", "load_breast_cancer", "load_digits", "load_iris", "load_wine", "standardize",
    "load", "load_csv", "load_npy", "load_npz", "load_parquet", "train_val_test_split",
    "read_table", "Table", "Column", "prepare", "TrainingData", "Preparation", "FeatureColumn", "limits",
]
