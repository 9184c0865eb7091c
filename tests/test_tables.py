"""glassnet.datasets.read_table and prepare: columns of numbers, texts and missing cells; the task and labels a
target gets; one-hot texts; the missing-value policies; the seeded, stratified hold-out; the Preparation record
and its section of a model file."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import glassnet
from glassnet import Dense, ModelFileError, Normalization, Sequential
from glassnet import datasets as ds
from glassnet.datasets import Preparation
from glassnet.saving import load_model_and_preparation, save_model


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- read_table ------------------------------------------------------------------------------------------------
def test_csv_columns_of_numbers_texts_and_missing_cells(tmp_path):
    path = write(tmp_path, "w,kind,z\n4.5,cat,1\n NA ,dog,?\n\n30,,-2e3\n7,dog,nan\n")
    table = ds.read_table(path)
    w, kind, z = table.columns
    assert (w.numeric, kind.numeric, z.numeric) == (True, False, True)
    assert np.array_equal(w.missing, [False, True, False, False]) and w.first_missing == (1, " NA ")
    assert kind.vocabulary == ("cat", "dog") and kind.codes.tolist() == [0, 1, -1, 1]
    assert kind.first_text == (0, "cat") and kind.first_missing == (2, "")
    assert z.values[2] == -2000.0 and z.first_missing == (1, "?")
    assert table.lines.tolist() == [2, 3, 5, 6] and table.where(2) == "line 5"


@pytest.mark.parametrize(("target", "index"), [("z", 2), (0, 0), (-1, 2), ("-3", 0), ("1", 1)])
def test_target_by_name_or_index(tmp_path, target, index):
    table = ds.read_table(write(tmp_path, "w,kind,z\n1,a,2\n"))
    assert table.index(target) == index


def test_target_errors(tmp_path):
    table = ds.read_table(write(tmp_path, "w,w,z\n1,2,3\n"))
    with pytest.raises(ValueError, match=r"no column named 'y'; available columns: \['w', 'w', 'z'\]"):
        table.index("y")
    with pytest.raises(ValueError, match=r"the column name 'w' appears 2 times"):
        table.index("w")
    with pytest.raises(ValueError, match=r"target=-4 is out of range for 3 columns"):
        table.index("-4")
    with pytest.raises(TypeError, match=r"`target` must be a column name \(str\) or index \(int\)"):
        table.index(1.5)


def test_npz_and_npy_tables_name_their_columns(tmp_path):
    x = np.arange(6.0).reshape(3, 2)
    np.savez(tmp_path / "d.npz", x=x, label=np.array([0, 1, np.nan]))
    table = ds.read_table(tmp_path / "d.npz", target="label")
    assert table.names == ["x[0]", "x[1]", "label"] and table.where(2) == "row 2"
    assert table.columns[2].first_missing == (2, "nan")
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.array([[1.0], [2.0], [3.0]]))
    assert ds.read_table(tmp_path / "x.npy", target=tmp_path / "y.npy").names == ["x[0]", "x[1]", "y"]


def test_parquet_table_reads_numbers_texts_and_nulls(tmp_path):
    pq.write_table(pa.table({"a": [1.0, None, 3.0], "flag": [True, False, None],
                             "kind": pa.array(["x", None, "y"]).dictionary_encode(), "n": [1, 2, 3]}),
                   tmp_path / "t.parquet")
    table = ds.read_table(tmp_path / "t.parquet")
    a, flag, kind, n = table.columns
    assert a.first_missing == (1, "null") and flag.values[0] == 1.0 and np.isnan(flag.values[2])
    assert kind.vocabulary == ("x", "y") and kind.codes.tolist() == [0, -1, 1] and n.numeric


def test_parquet_of_another_type_is_refused(tmp_path):
    pq.write_table(pa.table({"when": pa.array([1, 2], pa.timestamp("s")), "y": [0, 1]}), tmp_path / "t.parquet")
    with pytest.raises(ValueError, match=r"column 'when' has type timestamp\[ms\]; glassnet reads numbers"):
        ds.read_table(tmp_path / "t.parquet")


# --- prepare: task and labels ---------------------------------------------------------------------------------
def table_of(tmp_path, target_values, *, features=None, name="t.csv"):
    rows = len(target_values)
    features = features if features is not None else [[float(i), float(i % 3)] for i in range(rows)]
    lines = ["a,b,y"] + [f"{f[0]},{f[1]},{t}" for f, t in zip(features, target_values)]
    return ds.read_table(write(tmp_path, "\n".join(lines) + "\n", name))


@pytest.mark.parametrize(("labels", "task", "classes"), [
    (["class_1", "class_0", "class_2"], "multiclass", ("class_0", "class_1", "class_2")),
    ([-1, 1], "binary", ("-1", "1")),
    ([1, 2, 3], "multiclass", ("1", "2", "3")),
    ([0, 1], "binary", ("0", "1")),
    ([2.0, 5.0, 7.0, 11.0], "multiclass", ("2", "5", "7", "11")),
])
def test_labels_become_0_to_k_minus_1_in_sorted_order(tmp_path, labels, task, classes):
    data = prepare_of(table_of(tmp_path, labels * 10))
    assert data.preparation.task == task and data.preparation.classes == classes
    expected = [classes.index(str(label) if not isinstance(label, float) else str(int(label))) for label in labels]
    assert sorted(set(data.y_train.tolist())) == sorted(set(expected))
    assert data.preparation.n_outputs == (1 if task == "binary" else len(classes))


def prepare_of(table, **kwargs):
    kwargs.setdefault("target", "y")
    return ds.prepare(table, kwargs.pop("target"), **kwargs)


@pytest.mark.parametrize(("values", "requested", "task"), [
    ([0.5, 1.5, 2.5], "auto", "regression"),   # few distinct values, not integers: a quantity
    (list(range(25)), "auto", "regression"),    # integers, but more than 20 distinct
    ([0.5, 1.5, 2.5], "multiclass", "multiclass"),
    ([0, 1, 2], "regression", "regression"),
])
def test_the_task_rule_and_its_override(tmp_path, values, requested, task):
    data = prepare_of(table_of(tmp_path, values * 4), task=requested)
    assert data.preparation.task == task
    assert data.reason == ("as requested" if requested != "auto" else "auto: numbers, " + (
        "not all integers" if values[0] == 0.5 else "more than 20 distinct values"))


@pytest.mark.parametrize(("values", "kwargs", "message"), [
    (["a", "a", "b", "b", "c"], {}, r"line 6: the class 'c' has a single row, too few to both learn and validate"),
    ([1, 1, 1], {}, r"the target 'y' has a single value '1'; a classifier needs two classes"),
    ([0, 1, 2, 0, 1, 2], {"task": "binary"}, r"task 'binary' needs exactly 2 distinct target values; 'y' has 3"),
    (["a", "b", "a", "b"], {"task": "regression"}, r"task 'regression' needs a number target, but 'y' holds text "
                                                   r"\('a' at line 2\)"),
])
def test_targets_that_cannot_be_learned_are_refused(tmp_path, values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        prepare_of(table_of(tmp_path, values), **kwargs)


def test_a_single_row_class_is_fine_without_a_hold_out(tmp_path):
    data = prepare_of(table_of(tmp_path, ["a", "a", "b", "b", "c"]), val=0.0)
    assert data.preparation.classes == ("a", "b", "c") and len(data.x_val) == 0


# --- prepare: the hold-out ----------------------------------------------------------------------------------------
def test_the_hold_out_is_seeded_stratified_and_the_documented_split(tmp_path):
    labels = ["a"] * 30 + ["b"] * 10   # sorted by class, as wine is
    table = table_of(tmp_path, labels)
    first, again, other = (prepare_of(table, seed=s) for s in (4, 4, 5))
    assert np.array_equal(first.val_rows, again.val_rows) and not np.array_equal(first.val_rows, other.val_rows)
    assert sorted(first.y_val.tolist()) == [0.0] * 6 + [1.0] * 2   # 20% of each class
    codes = np.array([0] * 30 + [1] * 10)
    rows = np.arange(40)
    _, _, documented, _ = ds.train_val_test_split(rows, codes, val=0.2, seed=4, stratify=True)
    assert np.array_equal(first.val_rows, documented)


# --- prepare: features, missing values ---------------------------------------------------------------------------
def test_text_columns_are_one_hot_over_the_training_categories(tmp_path):
    text = "colour,size,y\n" + "".join(f"{c},{s},{t}\n" for c, s, t in
                                       [("red", 1, 0), ("blue", 2, 1)] * 10 + [("green", 3, 1)])
    table = ds.read_table(write(tmp_path, text))
    data = ds.prepare(table, "y", val=0.0)
    colour = data.preparation.features[0]
    assert colour.categories == ("blue", "green", "red") and data.preparation.n_inputs == 4
    by_row = dict(zip(data.train_rows.tolist(), data.x_train.tolist()))   # the split shuffles the rows
    assert [by_row[0], by_row[1], by_row[20]] == [[0, 0, 1, 1], [1, 0, 0, 2], [0, 1, 0, 3]]
    new = ds.read_table(write(tmp_path, "colour,size\npurple,5\nred,1\n", "new.csv"))
    rows, _ = data.preparation.rows(new, with_target=False)
    assert data.preparation.x(new, rows).tolist() == [[0, 0, 0, 5], [0, 0, 1, 1]]   # unknown: all zeros


def test_missing_values_error_names_the_rows(tmp_path):
    table = ds.read_table(write(tmp_path, "a,b,y\n1,,0\n2,3,1\nNA,4,0\n5,6,\n"))
    with pytest.raises(ValueError, match=r"missing values at line 2 \('b'\); line 4 \('a'\); line 5 \('y'\); "
                                         r"pass --missing drop to leave such rows out, or --missing mean"):
        ds.prepare(table, "y", val=0.0)


def test_missing_values_drop_and_mean(tmp_path):
    text = "a,kind,y\n1,x,0\n,x,1\n3,,0\n5,y,1\n7,y,\n9,x,0\n"
    table = ds.read_table(write(tmp_path, text))
    dropped = ds.prepare(table, "y", missing="drop", val=0.0)
    assert dropped.dropped == 3 and sorted(dropped.train_rows.tolist()) == [0, 3, 5]
    filled = ds.prepare(table, "y", missing="mean", val=0.0)
    assert filled.dropped == 1   # only the row without a target
    a, kind = filled.preparation.features
    assert a.fill == pytest.approx((1 + 3 + 5 + 9) / 4) and kind.fill == "x"
    by_row = dict(zip(filled.train_rows.tolist(), filled.x_train.tolist()))
    assert by_row[1] == [4.5, 1, 0] and by_row[2] == [3, 1, 0]


def test_regression_target_is_standardized_on_training_rows_and_unscaled(tmp_path):
    values = [10.0, 20.0, 30.0, 40.0, 50.0] * 6
    data = prepare_of(table_of(tmp_path, values), task="regression", seed=1)
    p = data.preparation
    train_y = np.array(values)[data.train_rows]
    assert p.target_mean == pytest.approx(train_y.mean()) and p.target_std == pytest.approx(train_y.std())
    np.testing.assert_allclose(p.unscale(data.y_val), np.array(values)[data.val_rows], rtol=1e-6)
    assert p.decode(data.y_val[:, None])[0] == repr(float(p.unscale(data.y_val[:1])[0]))
    raw = prepare_of(table_of(tmp_path, values), task="regression", scale_target=False)
    assert raw.preparation.target_mean is None and np.array_equal(raw.y_train, np.array(values)[raw.train_rows])


# --- the record and its section of a model file --------------------------------------------------------------
def a_record(tmp_path) -> tuple[Preparation, np.ndarray]:
    text = "colour,size,y\n" + "".join(f"{c},{s},{t}\n" for c, s, t in [("red", 1, "no"), ("blue", 2, "yes")] * 6)
    data = ds.prepare(ds.read_table(write(tmp_path, text)), "y", missing="mean", val=0.0)
    return data.preparation, data.x_train


def model_for(record: Preparation, x: np.ndarray) -> Sequential:
    norm = Normalization()
    norm.adapt(x)
    model = Sequential([norm, Dense(2, "relu"), Dense(record.n_outputs, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.build((None, record.n_inputs))
    return model


def test_the_record_round_trips_through_a_model_file(tmp_path):
    record, x = a_record(tmp_path)
    model = model_for(record, x)
    save_model(model, tmp_path / "m.glassnet", preparation=record)
    loaded, back = load_model_and_preparation(tmp_path / "m.glassnet")
    assert back == record and back.classes == ("no", "yes")
    assert np.array_equal(glassnet.load_model(tmp_path / "m.glassnet").predict(x), model.predict(x))
    model.save(tmp_path / "plain.glassnet")
    assert load_model_and_preparation(tmp_path / "plain.glassnet")[1] is None


def test_a_record_that_does_not_fit_the_model_is_not_saved(tmp_path):
    record, x = a_record(tmp_path)
    model = Sequential([Dense(1, "sigmoid")], seed=0)
    model.compile("adam", "binary_crossentropy")
    model.build((None, 5))
    with pytest.raises(ValueError, match=r"`preparation` describes 3 inputs and 1 outputs; the model has 5 and 1"):
        save_model(model, tmp_path / "m.glassnet", preparation=record)
    with pytest.raises(TypeError, match=r"`preparation` must be a glassnet.datasets.Preparation or None"):
        save_model(model, tmp_path / "m.glassnet", preparation={"target": "y"})
    assert not (tmp_path / "m.glassnet").exists()


def test_from_config_round_trip_and_its_cross_checks(tmp_path):
    record, _ = a_record(tmp_path)
    config = json.loads(json.dumps(record.to_config()))
    assert Preparation.from_config(config) == record
    config["features"][0]["fill"] = "purple"
    with pytest.raises(ModelFileError, match=r"`config.preparation.features\[0\].fill` must be one of the column's "
                                             r"categories. Received: 'purple'"):
        Preparation.from_config(config)
