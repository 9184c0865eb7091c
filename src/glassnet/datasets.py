"""Data sets: the TensorFlow Playground's 2-D problems, scikit-learn's bundled tables, files, seeded splits.

Nothing here touches the network. Four groups:

- **Playground generators** ``circle``, ``xor``, ``gauss``, ``spiral`` and ``moons``: ``(x, y)`` with x
  float32 ``(n_samples, 2)`` and y float32 ``(n_samples,)`` in {0, 1}.
- **Bundled tables** ``load_breast_cancer``, ``load_digits``, ``load_iris``, ``load_wine``: a :class:`Dataset`
  from the copies scikit-learn ships (no download), and :func:`standardize`, fitted on training rows only.
- **Files** ``load_csv``, ``load_npy``, ``load_npz``, ``load_parquet`` and ``load`` (by extension): ``(x, y)``
  as float32. Loading never runs code: ``.npy``/``.npz`` are read with ``allow_pickle=False``. Every bad file
  gives a one-line ``ValueError`` (``FileNotFoundError`` if it is missing) that starts with the file's path.
- **Splits** :func:`train_val_test_split`, seeded and optionally stratified.

>>> x, y = circle(n_samples=200, noise=0.1, seed=0)
>>> x.shape, x.dtype, sorted(set(y.tolist()))
((200, 2), dtype('float32'), [0.0, 1.0])
>>> x_train, y_train, x_val, y_val = train_val_test_split(x, y, val=0.25, seed=0, stratify=True)
>>> len(x_train), len(x_val)
(150, 50)
"""

from __future__ import annotations

import csv
import math
import numbers
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import as_float_array, check_nonnegative_float, check_positive_int, check_unit_interval

__all__ = [
    "circle", "xor", "gauss", "spiral", "moons",
    "Dataset", "load_breast_cancer", "load_digits", "load_iris", "load_wine", "standardize",
    "load", "load_csv", "load_npy", "load_npz", "load_parquet", "train_val_test_split",
]

XY = tuple[np.ndarray, np.ndarray]


# --------------------------------------------------------------------------- the Playground's generators
# Source: tensorflow/playground, src/dataset.ts (classifyCircleData, classifyXORData, classifyTwoGaussData,
# classifySpiralData). The formulas, constants and the order of "positives, then negatives, then shuffle" (as
# playground.ts generateData does) are the Playground's. The random numbers are not: the Playground draws from
# seedrandom's Math.random, glassnet from a numpy.random.Generator, so a seed here gives other points than the
# Playground's URL seed. Labels are the Playground's +1 → 1 and −1 → 0.

def _generator(seed: Any) -> np.random.Generator:
    """A Generator from ``None`` (fresh entropy), an int ≥ 0, or a Generator (used as is)."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"Argument `seed` must be None, an integer ≥ 0 or a numpy.random.Generator. "
                        f"Received: seed={seed!r}")
    if seed < 0:
        raise ValueError(f"Argument `seed` must be an integer ≥ 0. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))


def _playground_args(n_samples: Any, noise: Any, seed: Any) -> tuple[int, float, np.random.Generator]:
    n = check_positive_int("n_samples", n_samples)
    level = check_nonnegative_float("noise", noise)
    if level > 0.5:
        raise ValueError("Argument `noise` must be in [0, 0.5] (the Playground's 0–50 % slider divided by "
                         f"100). Received: noise={noise!r}")
    return n, level, _generator(seed)


def _shuffled(points: np.ndarray, positive: np.ndarray, rng: np.random.Generator) -> XY:
    # The Playground shuffles right after generating, so any slice (validation_split) is a fair sample.
    order = rng.permutation(len(points))
    return points[order].astype(np.float32), positive[order].astype(np.float32)


def circle(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Circle": a disc of positives inside a ring of negatives.

    With R = 5: ``n_samples − n_samples // 2`` points at radius r ~ U(0, 0.5·R) (positives) and
    ``n_samples // 2`` at r ~ U(0.7·R, R) (negatives), angle θ ~ U(0, 2π), point (r·sin θ, r·cos θ). Noise
    never moves a point; it moves the point at which the label is read: label = 1 if ‖p + ε‖ < 0.5·R else 0,
    with ε ~ U(−R, R)²·noise.
    So for one seed the points are the same at every noise level and only labels near the r = 2.5 edge flip.

    Parameters
    ----------
    n_samples : int ≥ 1
    noise : float in [0, 0.5]
        The Playground's noise slider (0–50 %) divided by 100.
    seed : None, int ≥ 0 or numpy.random.Generator
        The random stream differs from the Playground's (NumPy instead of seedrandom); the geometry matches.

    Returns
    -------
    x : float32 array, shape (n_samples, 2)
    y : float32 array, shape (n_samples,), values in {0, 1}
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    radius, n_negative = 5.0, n // 2
    r = np.concatenate([rng.uniform(0.0, 0.5 * radius, n - n_negative),
                        rng.uniform(0.7 * radius, radius, n_negative)])
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    points = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shift = rng.uniform(-radius, radius, (n, 2)) * noise   # drawn at noise 0 too: same points for every noise
    positive = np.hypot(*(points + shift).T) < 0.5 * radius
    return _shuffled(points, positive, rng)


def xor(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Exclusive or": positives in the 1st and 3rd quadrants.

    Each coordinate is u ~ U(−5, 5) pushed away from the axes by a padding of 0.3 (u + 0.3 if u > 0 else
    u − 0.3), so points lie in [−5.3, −0.3] ∪ (0.3, 5.3]. label = 1 if (x + εx)·(y + εy) ≥ 0 else 0 with
    ε ~ U(−5, 5)²·noise; as in :func:`circle`, noise flips labels and never moves points. Parameters and
    returns as in :func:`circle` (random stream differs from the Playground's; the geometry matches).
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    padding = 0.3
    points = rng.uniform(-5.0, 5.0, (n, 2))
    points += np.where(points > 0, padding, -padding)
    shifted = points + rng.uniform(-5.0, 5.0, (n, 2)) * noise
    return _shuffled(points, shifted[:, 0] * shifted[:, 1] >= 0, rng)


def gauss(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Gaussian": two round clouds, positives around (2, 2), negatives around (−2, −2).

    Both coordinates ~ N(centre, variance) with variance = 0.5 + (4 − 0.5)·noise / 0.5 (the Playground's
    d3 scale from noise [0, 0.5] to variance [0.5, 4]); ``n_samples − n_samples // 2`` positives and
    ``n_samples // 2`` negatives. Parameters and returns as in :func:`circle` (random stream differs from the
    Playground's; the geometry matches).
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    n_negative = n // 2
    centres = np.repeat([[2.0, 2.0], [-2.0, -2.0]], [n - n_negative, n_negative], axis=0)
    points = rng.normal(centres, math.sqrt(variance))
    return _shuffled(points, np.arange(n) < n - n_negative, rng)


def spiral(n_samples: int = 500, noise: float = 0.0, seed: Any = None) -> XY:
    """The Playground's "Spiral": two interleaved arms, the second the first turned by π.

    Each arm has m points (``n_samples − n_samples // 2`` positives with Δt = 0, ``n_samples // 2`` negatives
    with Δt = π); point i = 0..m−1 has r = 5·i/m and t = 1.75·2π·i/m + Δt, so r grows with t over 1.75 turns:
    (r·sin t + εx, r·cos t + εy) with ε ~ U(−1, 1)²·noise. Noise moves the points here; labels stay.
    Parameters and returns as in :func:`circle` (random stream differs from the Playground's; the geometry
    matches).
    """
    n, noise, rng = _playground_args(n_samples, noise, seed)
    arms = []
    for m, delta_t in ((n - n // 2, 0.0), (n // 2, np.pi)):
        fraction = np.arange(m) / max(m, 1)
        r, t = 5.0 * fraction, 1.75 * 2.0 * np.pi * fraction + delta_t
        arms.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
    points = np.concatenate(arms) + rng.uniform(-1.0, 1.0, (n, 2)) * noise
    return _shuffled(points, np.arange(n) < n - n // 2, rng)


def moons(n_samples: int = 500, noise: float = 0.1, seed: Any = None) -> XY:
    """Two interleaving half circles, the geometry of scikit-learn's ``make_moons`` (NumPy only).

    ``n_samples // 2`` points with label 0 on the upper arc (cos s, sin s) and the rest with label 1 on the
    lower arc (1 − cos s, 0.5 − sin s), s evenly spaced over [0, π]; then N(0, noise²) is added to every
    coordinate and the rows are shuffled. Here ``noise`` is that standard deviation (any value ≥ 0), not the
    Playground's slider. Same points as ``make_moons`` without noise; other random numbers.

    Returns
    -------
    x : float32 array, shape (n_samples, 2)
    y : float32 array, shape (n_samples,), values in {0, 1}
    """
    n = check_positive_int("n_samples", n_samples)
    std = check_nonnegative_float("noise", noise)
    rng = _generator(seed)
    n_upper = n // 2
    s_upper, s_lower = np.linspace(0.0, np.pi, n_upper), np.linspace(0.0, np.pi, n - n_upper)
    points = np.concatenate([np.column_stack([np.cos(s_upper), np.sin(s_upper)]),
                             np.column_stack([1.0 - np.cos(s_lower), 0.5 - np.sin(s_lower)])])
    points += rng.normal(0.0, std, points.shape)
    return _shuffled(points, np.arange(n) >= n_upper, rng)


# --------------------------------------------------------------------------- scikit-learn's bundled tables
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


# --------------------------------------------------------------------------- files
def _existing_file(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={path!r}")
    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"{file}: no such file")
    if not file.is_file():
        raise ValueError(f"{file}: not a regular file")
    if file.stat().st_size == 0:
        raise ValueError(f"{file}: the file is empty")
    return file


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _checked_xy(x: np.ndarray, y: np.ndarray, x_source: Any, y_source: Any) -> XY:
    """float32 copies of x (n, features) and y (n,) or (n, outputs); messages start with the file's path."""
    for name, array, source in (("x", x, x_source), ("y", y, y_source)):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{source}: {name} has dtype {array.dtype}; expected numbers")
        if array.ndim not in ((2,) if name == "x" else (1, 2)):
            expected = "2-D (rows, features)" if name == "x" else "1-D (rows,) or 2-D (rows, outputs)"
            raise ValueError(f"{source}: {name} must be {expected}; found shape {array.shape}")
        if len(array) == 0:
            raise ValueError(f"{source}: {name} has no rows")
        if not np.isfinite(array).all():
            where = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
            raise ValueError(f"{source}: {name} has the non-finite value {array[where]} at index {where}")
    if len(x) != len(y):
        raise ValueError(f"{y_source}: y has {len(y)} rows but x ({x_source}) has {len(x)}")
    return x.astype(np.float32), y.astype(np.float32)


def _target_index(target: Any, names: list[str], source: Path, *, header: bool = True) -> int:
    """The column index of ``target``: a name from the header, or an int index (negative from the end)."""
    if isinstance(target, str):
        if names.count(target) == 1:
            return names.index(target)
        if names.count(target) > 1:
            raise ValueError(f"{source}: the column name {target!r} appears {names.count(target)} times")
        if not header:
            raise ValueError(f"{source}: target={target!r} is a name but header=False; give a column index "
                             f"0..{len(names) - 1}")
        raise ValueError(f"{source}: no column named {target!r}; available columns: {names}")
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError("Argument `target` must be a column name (str) or index (int). "
                        f"Received: target={target!r}")
    if not -len(names) <= target < len(names):
        raise ValueError(f"{source}: target={target} is out of range for {len(names)} columns "
                         f"(index 0..{len(names) - 1} or negative from the end)")
    return int(target) % len(names)


def _split_target(table: np.ndarray, index: int, source: Path) -> XY:
    if table.shape[1] < 2:
        raise ValueError(f"{source}: only the target column; x needs at least one more column")
    return np.delete(table, index, axis=1).astype(np.float32), table[:, index].astype(np.float32)


def _read_csv_rows(file: Path, delimiter: str) -> tuple[list[list[str]], list[int]]:
    rows, lines = [], []
    try:
        with file.open(newline="", encoding="utf-8-sig") as handle:   # -sig: drop the BOM spreadsheets write
            reader = csv.reader(handle, delimiter=delimiter)
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):   # skip blank lines
                    rows.append(row)
                    lines.append(reader.line_num)
    except UnicodeDecodeError:
        raise ValueError(f"{file}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise ValueError(f"{file}, line {reader.line_num}: {_first_line(exc)}") from None
    if not rows:
        raise ValueError(f"{file}: only blank lines")
    return rows, lines


def _bad_cell(file: Path, rows: list[list[str]], lines: list[int], names: list[str],
              header: bool) -> ValueError:
    """The error for the first cell that is missing, not a number or not finite."""
    for row, line in zip(rows, lines):
        for index, text in enumerate(row):
            column = f"column {names[index]!r}" if header else f"column index {index}"
            if not text.strip():
                return ValueError(f"{file}, line {line}, {column}: missing value")
            try:
                value = float(text)
            except ValueError:
                return ValueError(f"{file}, line {line}, {column}: {text!r} is not a number")
            if not math.isfinite(value):
                return ValueError(f"{file}, line {line}, {column}: {text!r} is not a finite number")
    return ValueError(f"{file}: could not read the values as numbers")


def load_csv(path: Any, target: str | int, *, delimiter: str = ",", header: bool = True) -> XY:
    """Read x and y from a CSV file of numbers; ``target`` names the column that becomes y.

    Parameters
    ----------
    path : str or os.PathLike
    target : str or int
        The y column: a name from the header, or an index (0-based; negative counts from the end).
    delimiter : str
        One character.
    header : bool
        Whether the first non-blank line holds column names.

    Returns
    -------
    x : float32 array, shape (rows, columns − 1)
        Every other column, in file order.
    y : float32 array, shape (rows,)

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        Empty file, header without rows, rows of different lengths, a missing, non-numeric or non-finite value
        (the message gives the line and column), an unknown target (the message lists the columns).
    """
    file = _existing_file(path)
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ValueError(f"Argument `delimiter` must be one character. Received: delimiter={delimiter!r}")
    rows, lines = _read_csv_rows(file, delimiter)
    width = len(rows[0])
    for row, line in zip(rows, lines):
        if len(row) != width:
            raise ValueError(f"{file}, line {line}: {len(row)} fields, but line {lines[0]} has {width}")
    names = [name.strip() for name in rows[0]] if header else [str(i) for i in range(width)]
    if header:
        rows, lines = rows[1:], lines[1:]
        if not rows:
            raise ValueError(f"{file}: a header but no data rows")
    index = _target_index(target, names, file, header=header)
    try:
        table = np.array(rows, dtype=np.float64)
    except ValueError:
        raise _bad_cell(file, rows, lines, names, header) from None
    if not np.isfinite(table).all():
        raise _bad_cell(file, rows, lines, names, header)
    return _split_target(table, index, file)


def _np_load(file: Path) -> Any:
    """np.load without unpickling: an object array or a pickle file becomes a ValueError naming the file."""
    try:
        return np.load(file, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        reason = "it holds pickled Python objects, which glassnet never loads" if "pickle" in str(exc) \
            else _first_line(exc)
        raise ValueError(f"{file}: not a NumPy .npy/.npz file of numbers ({reason})") from None


def load_npy(x_path: Any, y_path: Any) -> XY:
    """Read x and y from two ``.npy`` files (``np.save``), with ``allow_pickle=False``.

    Returns x float32 ``(rows, features)`` and y float32 ``(rows,)`` or ``(rows, outputs)``. An object array,
    a pickle or an ``.npz`` archive is refused with a ``ValueError`` naming the file.
    """
    arrays = []
    for file in (_existing_file(x_path), _existing_file(y_path)):
        loaded = _np_load(file)
        if not isinstance(loaded, np.ndarray):
            loaded.close()
            raise ValueError(f"{file}: an .npz archive, not an .npy array; use load_npz")
        arrays.append((loaded, file))
    (x, x_file), (y, y_file) = arrays
    return _checked_xy(x, y, x_file, y_file)


def load_npz(path: Any, x: str = "x", y: str = "y") -> XY:
    """Read arrays ``x`` and ``y`` from an ``.npz`` archive (``np.savez(path, x=..., y=...)``).

    Read with ``allow_pickle=False``: an array of Python objects is refused with a ``ValueError`` and never
    unpickled. A missing key gives a ``ValueError`` listing the archive's arrays. Returns float32 as
    :func:`load_npy`.
    """
    file = _existing_file(path)
    archive = _np_load(file)
    if isinstance(archive, np.ndarray):
        raise ValueError(f"{file}: a single .npy array, not an .npz archive; use load_npy")
    with archive:
        arrays = []
        for key in (x, y):
            if key not in archive.files:
                raise ValueError(f"{file}: no array named {key!r}; available arrays: {archive.files}")
            try:
                arrays.append(archive[key])
            except ValueError as exc:
                reason = "holds Python objects (dtype=object), which would need unpickling; glassnet never " \
                         "unpickles" if "pickle" in str(exc) else _first_line(exc)
                raise ValueError(f"{file}: array {key!r} {reason}") from None
    return _checked_xy(arrays[0], arrays[1], f"{file}[{x!r}]", f"{file}[{y!r}]")


def load_parquet(path: Any, target: str | int) -> XY:
    """Read x and y from a Parquet file of numeric columns; ``target`` (name or index) becomes y.

    Needs pyarrow (``pip install 'glassnet[parquet]'``), imported only here. Columns that are not integer,
    float or boolean, and missing (null) values, give a ``ValueError`` naming the file and the column.
    Returns x float32 ``(rows, columns − 1)`` and y float32 ``(rows,)``.
    """
    file = _existing_file(path)
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ImportError("glassnet.datasets.load_parquet needs pyarrow, which is not installed. Install the "
                          "extra: pip install 'glassnet[parquet]'") from exc
    try:
        table = pq.read_table(file)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ValueError(f"{file}: not a readable Parquet file ({_first_line(exc)})") from None
    if table.num_rows == 0:
        raise ValueError(f"{file}: no rows")
    names = [str(name) for name in table.column_names]
    index = _target_index(target, names, file)
    columns = []
    for name, column in zip(names, table.columns):
        if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
                or pa.types.is_boolean(column.type)):
            raise ValueError(f"{file}: column {name!r} has type {column.type}; only numeric columns can be "
                             "loaded")
        if column.null_count:
            first = int(np.flatnonzero(column.is_null().to_numpy())[0])
            raise ValueError(f"{file}: column {name!r} has {column.null_count} missing values "
                             f"(the first at row {first}, counting from 0)")
        values = column.to_numpy().astype(np.float64)
        if not np.isfinite(values).all():
            first = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(f"{file}: column {name!r} has the non-finite value {values[first]} at row "
                             f"{first}")
        columns.append(values)
    return _split_target(np.column_stack(columns), index, file)


def load(path: Any, target: str | int | None = None, *, y_path: Any = None) -> XY:
    """Read ``(x, y)`` from a file, choosing the reader by extension.

    ======================  ===========================================================
    ``.csv``                :func:`load_csv` (``target`` = the y column, required)
    ``.parquet``, ``.pq``   :func:`load_parquet` (``target`` = the y column, required)
    ``.npz``                :func:`load_npz` (arrays ``'x'`` and ``target`` or ``'y'``)
    ``.npy``                :func:`load_npy` (x from ``path``, y from ``y_path``, required)
    ======================  ===========================================================
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"Argument `path` must be a str or os.PathLike. Received: path={path!r}")
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".parquet", ".pq"):
        if target is None:
            raise ValueError(f"Argument `target` (the y column) is required for {suffix} files. "
                             f"Received: target=None")
        return load_csv(path, target) if suffix == ".csv" else load_parquet(path, target)
    if suffix == ".npz":
        return load_npz(path, y="y" if target is None else target)
    if suffix == ".npy":
        if y_path is None or target is not None:
            raise ValueError(f"{path}: an .npy file holds x only; pass y's file as y_path= and no target. "
                             f"Received: target={target!r}, y_path={y_path!r}")
        return load_npy(path, y_path)
    raise ValueError(f"{path}: unknown extension {suffix!r}; expected .csv, .npy, .npz, .parquet or .pq")


# --------------------------------------------------------------------------- splits
def _largest_remainder(quotas: np.ndarray, total: int, room: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Integer counts ≤ room adding up to ``total``, each its quota's floor or ceiling when room allows."""
    counts = np.minimum(np.floor(quotas).astype(int), room)
    # Ties in the remainder are broken at random so no class is favoured by its position.
    order = np.lexsort((rng.random(len(quotas)), -(quotas - counts)))
    for k in order[::-1]:   # NOTE: only if rounding in quotas pushed the floors past the total
        if counts.sum() > total and counts[k] > 0:
            counts[k] -= 1
    while counts.sum() < total:   # a second round only when a class ran out of room (tiny classes)
        for k in order:
            if counts.sum() < total and counts[k] < room[k]:
                counts[k] += 1
    return counts


def train_val_test_split(x: Any, y: Any, *, val: float = 0.2, test: float = 0.0, seed: Any = 0,
                         stratify: bool = False) -> tuple[np.ndarray, ...]:
    """Split rows at random into training, validation and (if ``test`` > 0) test sets.

    Of n rows, n_val = ⌊val·n + 0.5⌋ go to validation and n_test = ⌊test·n + 0.5⌋ to test; the rest train.
    With ``stratify=True`` each class c (the distinct rows of y) with n_c rows puts ⌊val·n_c⌋ or ⌈val·n_c⌉
    rows into validation (largest remainders first, so the totals stay n_val), likewise for test, so class
    proportions are kept to within one row. The same seed gives the same split; rows within each part come in
    random order.

    Parameters
    ----------
    x : array, shape (n, ...)
    y : array, shape (n, ...)
    val, test : float in [0, 1) with val + test < 1
    seed : None, int ≥ 0 or numpy.random.Generator
        None draws fresh entropy (a different split every call).
    stratify : bool
        Keep the proportions of y's classes (for classification labels).

    Returns
    -------
    tuple
        ``(x_train, y_train, x_val, y_val)``, plus ``(x_test, y_test)`` when ``test`` > 0.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"Arguments `x` and `y` must have the same number of rows. "
                         f"Received: x with shape {x.shape}, y with shape {y.shape}")
    val_fraction, test_fraction = check_unit_interval("val", val), check_unit_interval("test", test)
    if val_fraction + test_fraction >= 1:
        raise ValueError("Arguments `val` and `test` must add up to less than 1 so rows remain for training. "
                         f"Received: val={val!r}, test={test!r}")
    if not isinstance(stratify, (bool, np.bool_)):
        raise TypeError(f"Argument `stratify` must be a bool. Received: stratify={stratify!r}")
    rng = _generator(seed)
    n = len(x)
    n_val, n_test = math.floor(val_fraction * n + 0.5), math.floor(test_fraction * n + 0.5)
    for name, fraction, count in (("val", val_fraction, n_val), ("test", test_fraction, n_test)):
        if fraction > 0 and count == 0:
            raise ValueError(f"Argument `{name}` leaves no rows for {name} out of {n}. "
                             f"Received: {name}={fraction!r}")
    if n - n_val - n_test < 1:
        raise ValueError(f"Arguments `val` and `test` leave no training rows out of {n}. "
                         f"Received: val={val!r}, test={test!r}")
    if stratify:
        _, labels = np.unique(y.reshape(n, -1), axis=0, return_inverse=True)
        members = [rng.permutation(np.flatnonzero(labels.reshape(-1) == c)) for c in range(labels.max() + 1)]
        sizes = np.array([len(m) for m in members])
        val_counts = _largest_remainder(val_fraction * sizes, n_val, sizes, rng)
        test_counts = _largest_remainder(test_fraction * sizes, n_test, sizes - val_counts, rng)
        parts = [np.concatenate([m[:v] for m, v in zip(members, val_counts)]),
                 np.concatenate([m[v:v + t] for m, v, t in zip(members, val_counts, test_counts)]),
                 np.concatenate([m[v + t:] for m, v, t in zip(members, val_counts, test_counts)])]
        val_rows, test_rows, train_rows = (rng.permutation(p) for p in parts)
    else:
        order = rng.permutation(n)
        val_rows, test_rows, train_rows = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    result = (x[train_rows], y[train_rows], x[val_rows], y[val_rows])
    return result + (x[test_rows], y[test_rows]) if test_fraction > 0 else result
