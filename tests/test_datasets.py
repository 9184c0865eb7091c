"""glassnet.datasets: Playground geometry, bundled tables, file round trips and errors, seeded splits."""

from __future__ import annotations

import csv
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from glassnet import Adam, Dense, Sequential
from glassnet import datasets as ds

GENERATORS = [ds.circle, ds.xor, ds.gauss, ds.spiral, ds.moons]
PLAYGROUND = [ds.circle, ds.xor, ds.gauss, ds.spiral]


# --------------------------------------------------------------------------- generators
@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_generator_shapes_dtypes_and_labels(make):
    x, y = make(n_samples=301, seed=0)
    assert x.shape == (301, 2) and x.dtype == np.float32
    assert y.shape == (301,) and y.dtype == np.float32
    assert set(np.unique(y).tolist()) == {0.0, 1.0}
    assert np.isfinite(x).all()


@pytest.mark.parametrize("make", [ds.gauss, ds.spiral, ds.moons], ids=lambda f: f.__name__)
def test_generators_whose_labels_do_not_depend_on_noise_split_the_classes_half_and_half(make):
    _, y = make(n_samples=301, noise=0.3, seed=0)
    assert int(y.sum()) == 301 - 301 // 2   # the odd row goes to class 1


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_same_seed_same_data_other_seed_other_data(make):
    first, second = make(n_samples=200, noise=0.2, seed=3), make(n_samples=200, noise=0.2, seed=3)
    assert np.array_equal(first[0], second[0]) and np.array_equal(first[1], second[1])
    other = make(n_samples=200, noise=0.2, seed=4)
    assert not np.array_equal(first[0], other[0])
    from_generator = make(n_samples=200, noise=0.2, seed=np.random.default_rng(3))
    assert np.array_equal(first[0], from_generator[0])


@pytest.mark.parametrize("make", PLAYGROUND, ids=lambda f: f.__name__)
def test_noise_changes_the_data(make):
    clean, noisy = make(n_samples=400, noise=0.0, seed=1), make(n_samples=400, noise=0.3, seed=1)
    if make in (ds.circle, ds.xor):
        # The Playground reads the label at a shifted point: same points, some labels flipped.
        assert np.array_equal(clean[0], noisy[0])
        assert 0 < np.sum(clean[1] != noisy[1]) < 200
    else:
        assert np.array_equal(clean[1], noisy[1])
        assert not np.allclose(clean[0], noisy[0])


def test_moons_noise_moves_points():
    clean, noisy = ds.moons(n_samples=100, noise=0.0, seed=1), ds.moons(n_samples=100, noise=0.2, seed=1)
    assert np.array_equal(clean[1], noisy[1])
    assert 0.05 < np.abs(noisy[0] - clean[0]).mean() < 0.4


def test_circle_geometry_without_noise():
    x, y = ds.circle(n_samples=1000, noise=0.0, seed=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    assert np.sum(y == 1) == 500
    assert radius[y == 1].max() < 0.5 * 5
    assert radius[y == 0].min() >= 0.7 * 5 - 1e-5 and radius[y == 0].max() <= 5 + 1e-5


def test_circle_noise_flips_only_labels_near_the_edge():
    x, y = ds.circle(n_samples=1000, noise=0.3, seed=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    flipped = (radius < 2.5) != (y == 1)
    assert flipped.any()
    # The label is read at most 5·0.3·√2 away from the point.
    assert np.all(np.abs(radius[flipped] - 2.5) <= 5 * 0.3 * np.sqrt(2) + 1e-5)


def test_xor_geometry_without_noise():
    x, y = ds.xor(n_samples=1000, noise=0.0, seed=0)
    assert np.array_equal(y == 1, x[:, 0] * x[:, 1] >= 0)
    assert np.abs(x).min() > 0.3 - 1e-6 and np.abs(x).max() <= 5.3 + 1e-5   # padding 0.3 around the axes


@pytest.mark.parametrize("noise, variance", [(0.0, 0.5), (0.5, 4.0)])
def test_gauss_centres_and_variance_scaled_by_noise(noise, variance):
    x, y = ds.gauss(n_samples=4000, noise=noise, seed=0)
    for label, centre in ((1, 2.0), (0, -2.0)):
        cloud = x[y == label]
        assert np.allclose(cloud.mean(axis=0), centre, atol=0.15)
        assert np.allclose(cloud.var(axis=0), variance, rtol=0.12)


def test_spiral_radius_grows_with_angle_and_the_arms_interleave():
    x, y = ds.spiral(n_samples=1000, noise=0.0, seed=0)
    radius = np.hypot(x[:, 0], x[:, 1]).astype(np.float64)
    angle = np.arctan2(x[:, 0], x[:, 1]).astype(np.float64)   # x = r·sin t, y = r·cos t
    delta = np.where(y == 1, 0.0, np.pi)
    expected = 1.75 * 2 * np.pi * radius / 5 + delta   # t = 1.75·2π·i/m + Δt and r = 5·i/m
    wrapped = np.angle(np.exp(1j * (angle - expected)))
    away_from_centre = radius > 0.05
    assert np.abs(wrapped[away_from_centre]).max() < 1e-4
    assert radius.max() < 5 and (radius < 1).any() and (radius > 4).any()
    # The second arm is the first turned by π: the point sets are mirror images through the origin.
    positives, negatives = x[y == 1], -x[y == 0]
    assert np.allclose(positives[np.lexsort(positives.T)], negatives[np.lexsort(negatives.T)], atol=1e-5)


def test_spiral_noise_moves_each_point_at_most_noise_per_coordinate():
    clean, noisy = ds.spiral(n_samples=300, noise=0.0, seed=2), ds.spiral(n_samples=300, noise=0.2, seed=2)
    shift = np.abs(noisy[0] - clean[0])
    assert shift.max() <= 0.2 + 1e-5 and shift.mean() > 0.05


def test_moons_have_make_moons_geometry():
    from sklearn.datasets import make_moons

    x, y = ds.moons(n_samples=101, noise=0.0, seed=0)
    theirs_x, theirs_y = make_moons(n_samples=101, noise=0.0, shuffle=False)
    for label in (0, 1):
        mine, theirs = x[y == label], theirs_x[theirs_y == label].astype(np.float32)
        assert np.allclose(mine[np.lexsort(mine.T)], theirs[np.lexsort(theirs.T)], atol=1e-6)


@pytest.mark.parametrize("make", PLAYGROUND, ids=lambda f: f.__name__)
def test_playground_noise_outside_the_slider_is_refused(make):
    with pytest.raises(ValueError, match=r"`noise` must be in \[0, 0.5\].*Received: noise=0.6"):
        make(noise=0.6)
    with pytest.raises(ValueError, match=r"Received: noise=-0.1"):
        make(noise=-0.1)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_samples": 0}, ValueError, r"`n_samples` must be a positive integer. Received: n_samples=0"),
    ({"n_samples": 2.5}, TypeError, r"Received: n_samples=2.5"),
    ({"seed": "a"}, TypeError, r"`seed` must be None, an integer.*Received: seed='a'"),
    ({"seed": -1}, ValueError, r"Received: seed=-1"),
    ({"noise": -0.1}, ValueError, r"Received: noise=-0.1"),
])
def test_generator_argument_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        ds.moons(**kwargs)


# --------------------------------------------------------------------------- bundled tables
@pytest.mark.parametrize("load, shape, n_classes", [
    (ds.load_breast_cancer, (569, 30), 2), (ds.load_digits, (1797, 64), 10),
    (ds.load_iris, (150, 4), 3), (ds.load_wine, (178, 13), 3),
], ids=["breast_cancer", "digits", "iris", "wine"])
def test_bundled_tables(load, shape, n_classes):
    data = load()
    assert data.x.shape == shape and data.x.dtype == np.float32
    assert data.y.shape == (shape[0],) and data.y.dtype == np.float32
    assert np.array_equal(np.unique(data.y), np.arange(n_classes))
    assert len(data.feature_names) == shape[1] and len(data.target_names) == n_classes
    assert isinstance(data.description, str) and len(data.description) > 100
    assert repr(data).startswith(f"Dataset(x: float32 {shape}")
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.x = None


def test_bundled_tables_without_scikit_learn_name_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"load_iris\(\).*scikit-learn.*glassnet\[experiments\]"):
        ds.load_iris()


def test_standardize_uses_training_rows_only():
    rng = np.random.default_rng(0)
    train = rng.normal([1.0, -3.0, 7.0], [2.0, 0.5, 0.0], size=(50, 3))
    val = rng.normal(10.0, 4.0, size=(20, 3))
    (train_scaled, val_scaled), (mean, std) = ds.standardize(train, val)
    assert train_scaled.dtype == np.float64 and val_scaled.dtype == np.float64   # float64 in, float64 out
    assert ds.standardize(train.astype(np.float32))[0][0].dtype == np.float32
    assert np.allclose(mean, train.mean(axis=0)) and np.allclose(std[:2], train.std(axis=0)[:2])
    assert std[2] == 1.0   # constant training column: centred, not scaled
    assert np.allclose(train_scaled.mean(axis=0), 0, atol=1e-6)
    assert np.allclose(train_scaled[:, :2].std(axis=0), 1, atol=1e-5)
    assert np.allclose(val_scaled, (val - mean) / std, atol=1e-5)
    assert np.abs(val_scaled.mean(axis=0)).min() > 1   # not re-centred on its own rows


def test_standardize_errors():
    with pytest.raises(ValueError, match=r"`others\[0\]` must be 2-D with 2 columns.*shape \(3, 3\)"):
        ds.standardize(np.ones((4, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"`x_train` must be 2-D.*shape \(4,\)"):
        ds.standardize(np.ones(4))


# --------------------------------------------------------------------------- file round trips
def _write_csv(path: Path, rows: list[list[object]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    return rng.normal(size=(12, 3)).astype(np.float32), rng.integers(0, 2, 12).astype(np.float32)


@pytest.mark.parametrize("target", ["label", 1, -3])
def test_csv_round_trip_target_by_name_or_index(tmp_path, table, target):
    x, y = table
    rows = [["a", "label", "b", "c"]] + [[r[0], t, r[1], r[2]] for r, t in zip(x.tolist(), y.tolist())]
    path = _write_csv(tmp_path / "data.csv", rows)
    loaded_x, loaded_y = ds.load_csv(path, target)
    assert loaded_x.dtype == np.float32 and loaded_y.dtype == np.float32
    assert np.array_equal(loaded_x, x) and np.array_equal(loaded_y, y)
    assert all(np.array_equal(a, b) for a, b in zip(ds.load(str(path), target=target), (x, y)))


def test_csv_without_header_with_other_delimiter_and_blank_lines(tmp_path, table):
    x, y = table
    path = _write_csv(tmp_path / "data.csv", [[*r, t] for r, t in zip(x.tolist(), y.tolist())], delimiter=";")
    path.write_text(path.read_text() + "\n\n")
    loaded_x, loaded_y = ds.load_csv(path, -1, delimiter=";", header=False)
    assert np.array_equal(loaded_x, x) and np.array_equal(loaded_y, y)


def test_npy_round_trip(tmp_path, table):
    x, y = table
    np.save(tmp_path / "x.npy", x.astype(np.float64))
    np.save(tmp_path / "y.npy", y.astype(np.int64))
    loaded_x, loaded_y = ds.load_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    assert loaded_x.dtype == np.float32 and np.array_equal(loaded_x, x) and np.array_equal(loaded_y, y)
    assert np.array_equal(ds.load(tmp_path / "x.npy", y_path=tmp_path / "y.npy")[1], y)


def test_npz_round_trip(tmp_path, table):
    x, y = table
    np.savez(tmp_path / "default.npz", x=x, y=y)
    np.savez_compressed(tmp_path / "named.npz", features=x, labels=y.reshape(-1, 1))
    assert all(np.array_equal(a, b) for a, b in zip(ds.load_npz(tmp_path / "default.npz"), (x, y)))
    loaded_x, loaded_y = ds.load_npz(tmp_path / "named.npz", x="features", y="labels")
    assert np.array_equal(loaded_x, x) and loaded_y.shape == (12, 1) and np.array_equal(loaded_y[:, 0], y)
    assert np.array_equal(ds.load(tmp_path / "default.npz")[0], x)


def test_parquet_round_trip(tmp_path, table):
    x, y = table
    columns = {"a": x[:, 0], "b": x[:, 1].astype(np.float64), "c": x[:, 2], "label": y.astype(np.int32)}
    pq.write_table(pa.table(columns), tmp_path / "data.parquet")
    for loaded_x, loaded_y in (ds.load_parquet(tmp_path / "data.parquet", "label"),
                               ds.load(tmp_path / "data.parquet", target=3)):
        assert loaded_x.dtype == np.float32 and np.array_equal(loaded_x, x) and np.array_equal(loaded_y, y)


# --------------------------------------------------------------------------- bad files
CSV_OK = "a,b,c\n1,2,0\n3,4,1\n"
CSV_CASES = [
    ("a,b,c\n1,2,0\n3,4\n", "c", r"line 3: 2 fields, but line 1 has 3"),
    ("a,b,c\n1,2,0\n3,abc,1\n", "c", r"line 3, column 'b': 'abc' is not a number"),
    ("a,b,c\n1,,0\n", "c", r"line 2, column 'b': missing value"),
    ("a,b,c\n1,2,0\nnan,4,1\n", "c", r"line 3, column 'a': missing value \('nan'\)"),
    ("a,b,c\n1,2,0\n-inf,4,1\n", "c", r"line 3, column 'a': '-inf' is not a finite number"),
    ("a,b,c\n", "c", r"a header but no data rows"),
    ("\n\n", "c", r"only blank lines"),
    (CSV_OK, "label", r"no column named 'label'; available columns: \['a', 'b', 'c'\]"),
    (CSV_OK, 3, r"target=3 is out of range for 3 columns"),
    ("a,a,c\n1,2,0\n", "a", r"the column name 'a' appears 2 times"),
    ("c\n0\n1\n", "c", r"only the target column"),
]


@pytest.mark.parametrize("text, target, message", CSV_CASES)
def test_bad_csv_gives_one_line_naming_file_line_and_column(tmp_path, text, target, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        ds.load_csv(path, target)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_csv_header_false_needs_an_index_and_reports_column_indexes(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2,0\n3,x,1\n")
    with pytest.raises(ValueError, match=r"target='c' is a name but header=False; give a column index 0..2"):
        ds.load_csv(path, "c", header=False)
    with pytest.raises(ValueError, match=r"line 2, column index 1: 'x' is not a number"):
        ds.load_csv(path, 2, header=False)


def _bad_npy(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((4, 2)))
    np.save(tmp_path / "y3.npy", np.ones(3))
    np.save(tmp_path / "x1d.npy", np.ones(4))
    np.save(tmp_path / "text.npy", np.array(["a", "b"]))
    np.savez(tmp_path / "nan.npz", x=np.array([[1.0], [np.nan]]), y=np.ones(2))
    np.savez(tmp_path / "keys.npz", features=np.ones((2, 1)), labels=np.ones(2))
    (tmp_path / "garbage.npz").write_text("not an archive")
    (tmp_path / "garbage.parquet").write_text("not parquet")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "latin1.csv").write_bytes("a,b\n1,\xe9\n".encode("latin-1"))
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "folder.csv").mkdir()
    pq.write_table(pa.table({"a": ["x", "y"], "label": [0, 1]}), tmp_path / "strings.parquet")
    pq.write_table(pa.table({"a": [1.0, None, None], "label": [0, 1, 1]}), tmp_path / "nulls.parquet")


BAD_FILES = [
    (lambda p: ds.load_csv(p / "missing.csv", "a"), FileNotFoundError, "missing.csv", r"no such file"),
    (lambda p: ds.load_csv(p / "empty.csv", "a"), ValueError, "empty.csv", r"the file is empty"),
    (lambda p: ds.load_csv(p / "folder.csv", "a"), ValueError, "folder.csv", r"not a regular file"),
    (lambda p: ds.load_csv(p / "latin1.csv", "a"), ValueError, "latin1.csv", r"not UTF-8 text"),
    (lambda p: ds.load(p / "notes.txt", "a"), ValueError, "notes.txt", r"unknown extension '.txt'; expected"),
    (lambda p: ds.load(p / "x.npy"), ValueError, "x.npy", r"pass y's file as y_path="),
    (lambda p: ds.load_npy(p / "x.npy", p / "y3.npy"), ValueError, "y3.npy", r"y has 3 rows but x .* has 4"),
    (lambda p: ds.load_npy(p / "x1d.npy", p / "x1d.npy"), ValueError, "x1d.npy",
     r"x must be 2-D \(rows, features\); found shape \(4,\)"),
    (lambda p: ds.load_npy(p / "text.npy", p / "y3.npy"), ValueError, "text.npy",
     r"x has dtype <U1; expected numbers"),
    (lambda p: ds.load_npy(p / "keys.npz", p / "y3.npy"), ValueError, "keys.npz", r"not an .npy array"),
    (lambda p: ds.load_npz(p / "x.npy"), ValueError, "x.npy", r"not an .npz archive; use load_npy"),
    (lambda p: ds.load_npz(p / "keys.npz"), ValueError, "keys.npz",
     r"no array named 'x'; available arrays: \['features', 'labels'\]"),
    (lambda p: ds.load_npz(p / "nan.npz"), ValueError, "nan.npz", r"x has the non-finite value nan at index"),
    (lambda p: ds.load(p / "garbage.npz"), ValueError, "garbage.npz", r"not a NumPy .npy/.npz file"),
    (lambda p: ds.load(p / "garbage.parquet", "a"), ValueError, "garbage.parquet",
     r"not a readable Parquet file"),
    (lambda p: ds.load_parquet(p / "strings.parquet", "label"), ValueError, "strings.parquet",
     r"column 'a' holds text \('x' at row 0\); only numeric columns can be loaded"),
    (lambda p: ds.load_parquet(p / "nulls.parquet", "label"), ValueError, "nulls.parquet",
     r"column 'a' has 2 missing values \(the first at row 1"),
    (lambda p: ds.load_parquet(p / "nulls.parquet", "y"), ValueError, "nulls.parquet",
     r"no column named 'y'; available columns: \['a', 'label'\]"),
]


@pytest.mark.parametrize("call, error, name, message", BAD_FILES,
                         ids=[f"{case[2]}:{case[3][:24]}" for case in BAD_FILES])
def test_bad_files_give_one_line_naming_the_file(tmp_path, call, error, name, message):
    _bad_npy(tmp_path)
    with pytest.raises(error, match=message) as info:
        call(tmp_path)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_load_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"`target` \(the y column\) is required for .csv.*target=None"):
        ds.load(tmp_path / "data.csv")
    with pytest.raises(TypeError, match=r"`path` must be a str or os.PathLike. Received: path=3"):
        ds.load(3)
    _write_csv(tmp_path / "data.csv", [["a", "b"], [1, 2]])
    with pytest.raises(TypeError, match=r"`target` must be a column name \(str\) or index \(int\)"):
        ds.load_csv(tmp_path / "data.csv", 1.0)
    with pytest.raises(ValueError, match=r"`delimiter` must be one character. Received: delimiter=';;'"):
        ds.load_csv(tmp_path / "data.csv", "b", delimiter=";;")


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"a": [1.0], "label": [0]}), path)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(ImportError, match=r"needs pyarrow.*glassnet\[parquet\]"):
        ds.load_parquet(path, "label")


class _OpensAFileWhenUnpickled:
    """Unpickling this calls open(marker, 'w'): if the marker exists, a loader ran code from the file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return open, (str(self.marker), "w")


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    marker = tmp_path / "unpickled.txt"
    payload = np.array([_OpensAFileWhenUnpickled(marker)], dtype=object)
    np.savez(tmp_path / "objects.npz", x=payload, y=np.ones(1))
    np.save(tmp_path / "objects.npy", payload, allow_pickle=True)
    with pytest.raises(ValueError, match=r"objects.npz: array 'x' holds Python objects \(dtype=object\)"):
        ds.load_npz(tmp_path / "objects.npz")
    with pytest.raises(ValueError, match=r"objects.npy: the array holds Python objects \(dtype=object\), which "
                                         r"would need unpickling; glassnet never unpickles"):
        ds.load(tmp_path / "objects.npy", y_path=tmp_path / "objects.npy")
    assert not marker.exists()
    # The payload is live: loading it the unsafe way does run it (so the check above can fail).
    with np.load(tmp_path / "objects.npz", allow_pickle=True) as archive:
        archive["x"][0].close()
    assert marker.exists()


# --------------------------------------------------------------------------- splits
def _ids(n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.arange(n).reshape(n, 1) * np.ones((1, 3))
    return x, x[:, 0] * 10


@pytest.mark.parametrize("n, val, test", [(100, 0.2, 0.0), (101, 0.25, 0.15), (7, 0.3, 0.3), (50, 0.0, 0.5)])
@pytest.mark.parametrize("stratify", [False, True])
def test_split_sizes_disjoint_and_complete(n, val, test, stratify):
    x, y = _ids(n)
    labels = (np.arange(n) % 3).astype(np.float32)
    parts = ds.train_val_test_split(x, labels if stratify else y, val=val, test=test, seed=0,
                                    stratify=stratify)
    assert len(parts) == (6 if test > 0 else 4)
    xs = parts[0::2]
    sizes = [len(p) for p in xs]
    expected_val, expected_test = int(np.floor(val * n + 0.5)), int(np.floor(test * n + 0.5))
    assert sizes[1:] == [expected_val] + ([expected_test] if test > 0 else [])
    ids = np.concatenate([p[:, 0] for p in xs])
    assert np.array_equal(np.sort(ids), np.arange(n))   # every row once: disjoint and complete
    for part_x, part_y in zip(parts[0::2], parts[1::2]):
        expected_y = labels[part_x[:, 0].astype(int)] if stratify else part_x[:, 0] * 10
        assert np.array_equal(part_y, expected_y)   # y rows follow their x rows


def test_split_is_deterministic_per_seed():
    x, y = _ids(60)
    first = ds.train_val_test_split(x, y, val=0.3, test=0.1, seed=5)
    again = ds.train_val_test_split(x, y, val=0.3, test=0.1, seed=5)
    other = ds.train_val_test_split(x, y, val=0.3, test=0.1, seed=6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[2], other[2])


def test_stratified_split_keeps_class_proportions_within_one_row():
    counts = {0: 57, 1: 31, 2: 9, 3: 3}
    y = np.repeat(list(counts), list(counts.values())).astype(np.float32)
    x = np.arange(len(y)).reshape(-1, 1)
    for seed in range(5):
        _, _, _, y_val, _, y_test = ds.train_val_test_split(x, y, val=0.25, test=0.15, seed=seed,
                                                            stratify=True)
        for label, n_c in counts.items():
            assert abs(np.sum(y_val == label) - 0.25 * n_c) < 1
            assert abs(np.sum(y_test == label) - 0.15 * n_c) < 1
    # Without stratification the rare classes drift further for some seed.
    drift = max(abs(np.sum(ds.train_val_test_split(x, y, val=0.25, seed=s)[3] == 0) - 0.25 * 57)
                for s in range(20))
    assert drift >= 1


def test_stratified_split_on_one_hot_rows():
    y = np.eye(3)[np.repeat([0, 1, 2], [40, 20, 10])]
    _, _, _, y_val = ds.train_val_test_split(np.zeros((70, 1)), y, val=0.2, seed=0, stratify=True)
    assert y_val.sum(axis=0).tolist() == [8.0, 4.0, 2.0]


@given(n=st.integers(3, 60), val=st.floats(0.0, 0.45), test=st.floats(0.0, 0.45), stratify=st.booleans(),
       seed=st.integers(0, 2**32))
def test_split_property_disjoint_complete(n, val, test, stratify, seed):
    x, _ = _ids(n)
    labels = np.arange(n) % 4
    n_val, n_test = int(np.floor(val * n + 0.5)), int(np.floor(test * n + 0.5))
    if (val > 0 and n_val == 0) or (test > 0 and n_test == 0):
        with pytest.raises(ValueError, match="leaves no rows"):
            ds.train_val_test_split(x, labels, val=val, test=test, seed=seed, stratify=stratify)
        return
    parts = ds.train_val_test_split(x, labels, val=val, test=test, seed=seed, stratify=stratify)
    ids = np.concatenate([p[:, 0] for p in parts[0::2]])
    assert np.array_equal(np.sort(ids), np.arange(n)) and len(parts[2]) == n_val


@pytest.mark.parametrize("kwargs, error, message", [
    ({"val": 1.2}, ValueError, r"`val` must be in \[0, 1\). Received: val=1.2"),
    ({"test": -0.1}, ValueError, r"Received: test=-0.1"),
    ({"val": 0.6, "test": 0.5}, ValueError, r"`val` and `test` must add up to less.*val=0.6, test=0.5$"),
    ({"val": 0.01}, ValueError, r"`val` leaves no rows for val out of 10. Received: val=0.01"),
    ({"stratify": "yes"}, TypeError, r"`stratify` must be a bool. Received: stratify='yes'"),
    ({"seed": 1.5}, TypeError, r"Received: seed=1.5"),
])
def test_split_argument_errors(kwargs, error, message):
    x, y = _ids(10)
    with pytest.raises(error, match=message):
        ds.train_val_test_split(x, y, **kwargs)


def test_split_needs_matching_rows():
    with pytest.raises(ValueError, match=r"same number of rows. Received: x with shape \(4, 1\), y with "
                                         r"shape \(3,\)"):
        ds.train_val_test_split(np.ones((4, 1)), np.ones(3))


# --------------------------------------------------------------------------- end to end
def test_small_network_learns_the_noisy_circle():
    x, y = ds.circle(n_samples=500, noise=0.1, seed=0)
    x_train, y_train, x_val, y_val = ds.train_val_test_split(x, y, val=0.2, seed=0, stratify=True)
    model = Sequential([Dense(16, activation="tanh"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer=Adam(0.03), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=32, epochs=40, verbose=0, seed=0)
    _, accuracy = model.evaluate(x_val, y_val, verbose=0)
    assert accuracy > 0.9
