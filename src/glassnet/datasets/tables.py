"""scikit-learn's bundled tables as a :class:`Dataset` (no download), and :func:`standardize`.

``load_breast_cancer``, ``load_digits``, ``load_iris`` and ``load_wine`` read the copies scikit-learn ships;
:func:`standardize` scales columns with statistics fitted on the training rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_float_array

__all__ = ["Dataset", "load_breast_cancer", "load_digits", "load_iris", "load_wine", "standardize"]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A table with names: x float32 ``(n_samples, n_features)``, y float32 labels 0..k−1 ``(n_samples,)``.

    Frozen (the fields cannot be reassigned); compare the arrays yourself, ``==`` is identity.
    """

    x: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    description: str

    def __repr__(self) -> str:
        return (f"Dataset(x: {self.x.dtype} {self.x.shape}, y: {self.y.dtype} {self.y.shape}, "
                f"target_names={list(self.target_names)})")


def _bundled(name: str) -> Dataset:
    try:
        from sklearn import datasets as sklearn_datasets
    except ImportError as exc:
        raise ImportError(f"glassnet.datasets.{name}() reads the copy bundled with scikit-learn, which is "
                          "not installed. Install the extra: pip install 'glassnet[experiments]'") from exc
    bunch = getattr(sklearn_datasets, name)()
    return Dataset(x=np.asarray(bunch.data, dtype=np.float32), y=np.asarray(bunch.target, dtype=np.float32),
                   feature_names=tuple(str(f) for f in bunch.feature_names),
                   target_names=tuple(str(t) for t in bunch.target_names), description=str(bunch.DESCR))


def load_breast_cancer() -> Dataset:
    """Wisconsin diagnostic breast cancer: 569 × 30, labels 0 = malignant, 1 = benign (the lecture's data).

    Needs scikit-learn (``pip install 'glassnet[experiments]'``); reads its bundled copy, no download.

    >>> load_breast_cancer().x.shape
    (569, 30)
    """
    return _bundled("load_breast_cancer")


def load_digits() -> Dataset:
    """8×8 hand-written digits: 1797 × 64 pixel intensities 0–16, labels 0..9. Needs scikit-learn."""
    return _bundled("load_digits")


def load_iris() -> Dataset:
    """Fisher's iris: 150 × 4 (sepal/petal length and width in cm), 3 species 0..2. Needs scikit-learn."""
    return _bundled("load_iris")


def load_wine() -> Dataset:
    """Wine recognition: 178 × 13 chemical measurements, 3 cultivars 0..2. Needs scikit-learn."""
    return _bundled("load_wine")


def standardize(x_train: Any, *others: Any) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, np.ndarray]]:
    """Scale every column to mean 0 and standard deviation 1 *using the training rows only*.

    mean_j = (1/n)·Σᵢ x_train[i, j] and std_j = √((1/n)·Σᵢ (x_train[i, j] − mean_j)²) (ddof 0, as
    scikit-learn's StandardScaler), over the n training rows; std_j is set to 1 when all training values of
    column j are equal, so such a column is centred but not scaled. Every array becomes (x − mean) / std.
    Fitting on the training rows alone keeps validation and test rows from leaking into the model.

    Parameters
    ----------
    x_train : array, shape (n, features)
    *others : arrays, shape (m, features)
        Validation, test or new rows, scaled with the training statistics.

    Returns
    -------
    arrays : tuple of arrays
        ``(x_train_scaled, *others_scaled)``, float32 (float64 if x_train is float64).
    (mean, std) : tuple of arrays, shape (features,)
        Reuse them on later data as ``(x − mean) / std``.

    >>> (train, test), (mean, std) = standardize([[0.0, 5.0], [2.0, 5.0]], [[4.0, 5.0]])
    >>> train.tolist(), test.tolist(), mean.tolist(), std.tolist()
    ([[-1.0, 0.0], [1.0, 0.0]], [[3.0, 0.0]], [1.0, 5.0], [1.0, 1.0])
    """
    dtype = np.float64 if np.asarray(x_train).dtype == np.float64 else np.float32
    train = as_float_array("x_train", x_train, np.float64)
    if train.ndim != 2 or len(train) == 0:
        raise ValueError(f"Argument `x_train` must be 2-D (rows, features) with at least one row. "
                         f"Received: x_train with shape {train.shape}")
    arrays = [train]
    for k, other in enumerate(others):
        array = as_float_array(f"others[{k}]", other, np.float64)
        if array.ndim != 2 or array.shape[1] != train.shape[1]:
            raise ValueError(f"Argument `others[{k}]` must be 2-D with {train.shape[1]} columns like "
                             f"x_train. Received: others[{k}] with shape {array.shape}")
        arrays.append(array)
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    # NOTE: a constant column can get a tiny non-zero std from rounding in the mean; test equality instead.
    std[np.all(train == train[0], axis=0)] = 1.0
    scaled = tuple(((a - mean) / std).astype(dtype) for a in arrays)
    return scaled, (mean.astype(dtype), std.astype(dtype))
