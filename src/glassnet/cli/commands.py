"""``glassnet train``, ``sweep``, ``study``, ``explain`` and ``predict``: a data file in, a model, a sweep, a report or
predictions out.

``train`` reads the table (:func:`~glassnet.datasets.read_table`), prepares it
(:func:`~glassnet.datasets.prepare`: task, labels, one-hot texts, missing values, the seeded hold-out), builds
the network — ``Normalization`` adapted on the training rows first unless ``--no-standardize``, then the Dense
layers of :class:`~glassnet.experiments.ModelSpec` — trains it, reports the hold-out in the target's own units
and saves the model with its :class:`~glassnet.datasets.Preparation` record. ``predict`` and ``explain`` apply
that record to the rows of any table with the same columns.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .options import MAX_PARAMETERS, UsageError, parameter_count
from .output import out_file, out_folder, printable_names, safe, say

#: task → (output activation, loss, metrics)
HEADS = {"binary": ("sigmoid", "binary_crossentropy", ("accuracy",)),
         "multiclass": ("softmax", "sparse_categorical_crossentropy", ("accuracy",)),
         "regression": ("linear", "mean_squared_error", ("mae",))}


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def read_data(path: str, target: Any) -> Any:
    """The data file as a Table; ``target`` matters only for .npz (the y array) and .npy (y's file)."""
    from ..datasets import read_table

    if not Path(path).exists():
        raise UsageError(f"data file {path} does not exist")
    if not Path(path).is_file():
        raise UsageError(f"data file {path} is not a file")
    try:
        return read_table(path, target=target if Path(path).suffix.lower() in (".npz", ".npy") else None)
    except (ValueError, TypeError, OSError) as exc:
        raise UsageError(_one_line(exc)) from None


def target_column(path: str, target: Any) -> Any:
    """How the table names the target: an .npy pair's y column is ``'y'``; otherwise the name or index given."""
    return "y" if Path(path).suffix.lower() == ".npy" else target


def load(path: str) -> tuple[Any, Any]:
    """The model of a file — glassnet's, or a Keras 3 ``.keras`` archive — and its Preparation record (None if it
    has none, as a .keras file never has), names made printable."""
    from ..saving import load_model_and_preparation

    if not Path(path).is_file():
        raise UsageError(f"model file {path} does not exist")
    model, preparation = load_model_and_preparation(path)
    printable_names(model)
    return model, preparation


# --- train -------------------------------------------------------------------------------------------------
def prepared(options: dict[str, Any], val: float) -> Any:
    """The data file read and prepared (:func:`~glassnet.datasets.prepare`) for ``options``, holding out
    ``val`` of the rows, and the network it needs checked against MAX_PARAMETERS."""
    from ..datasets import prepare

    table = read_data(options["data"], options["target"])
    try:
        data = prepare(table, target_column(options["data"], options["target"]), task=options["task"],
                       missing=options["missing"], val=val, seed=options["seed"], scale_target=options["standardize"])
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    preparation = data.preparation
    count = parameter_count(preparation.n_inputs, options["layers"], preparation.n_outputs)
    if count > MAX_PARAMETERS:
        raise UsageError(f"--layers {','.join(map(str, options['layers']))} on {preparation.n_inputs} inputs makes "
                         f"{count:,} weights, more than {MAX_PARAMETERS:,}")
    return data


def build_model(options: dict[str, Any], preparation: Any, x_train: np.ndarray) -> Any:
    """The network for ``options``: Normalization (adapted on ``x_train``) unless ``standardize`` is off, then
    the hidden Dense layers and the output layer the task needs, compiled with one L2 strength on every kernel."""
    from ..experiments import ModelSpec

    output, loss, metrics = HEADS[preparation.task]
    spec = ModelSpec(hidden=options["layers"], activation=options["activation"], output_activation=output,
                     loss=loss, optimizer=options["optimizer"], learning_rate=options["learning_rate"],
                     convention=options["convention"], metrics=metrics, n_outputs=preparation.n_outputs,
                     standardize=options["standardize"])
    model = spec(options["l2"], n_samples=len(x_train), batch_size=options["batch_size"], seed=options["seed"],
                 x=x_train)
    model.name = "glassnet_train"
    return model


def _describe(data: Any, options: dict[str, Any]) -> None:
    preparation = data.preparation
    texts = [f.name for f in preparation.features if f.categories is not None]
    left_out = f", {data.dropped} left out for missing values" if data.dropped else ""
    filled = ", missing cells filled with the training mean (text: most frequent)" \
        if preparation.missing == "mean" else ""
    say(f"data: {len(data.train_rows) + len(data.val_rows)} rows of {options['data']}{left_out}; "
        f"{len(preparation.features)} feature columns → {preparation.n_inputs} inputs"
        + (f" ({len(texts)} text column{'s' if len(texts) > 1 else ''} one-hot: "
           f"{', '.join(map(repr, texts[:5]))})" if texts else "") + filled)
    classes = f", classes {', '.join(f'{k}={c}' for k, c in enumerate(preparation.classes[:10]))}" \
        if preparation.classes else ""
    say(f"target {preparation.target!r}: {preparation.task} ({data.reason}{classes})")
    scaled = "inputs standardized by the model's first layer (Normalization, adapted on the training rows)" \
        if options["standardize"] else "inputs as the file has them (--no-standardize)"
    say(f"{scaled}; the loss sees {preparation.units()}")
    how = "stratified by class, " if preparation.classes else ""
    say(f"hold-out: {len(data.val_rows)} rows drawn at random ({how}seed {options['seed']}); training: "
        f"{len(data.train_rows)} rows" + ("" if len(data.val_rows) else " (--validation-split 0: no hold-out)"))


def _holdout(model: Any, data: Any) -> str:
    """The hold-out's score in the target's own terms: accuracy, or R², RMSE and MAE in its units."""
    preparation = data.preparation
    outputs = model.predict(data.x_val, verbose=0)
    if preparation.classes is not None:
        predicted = (outputs[:, 0] >= 0.5) if preparation.task == "binary" else np.argmax(outputs, axis=1)
        right = int(np.sum(predicted == data.y_val))
        return f"hold-out: accuracy {right / len(data.y_val):.4f} ({right} of {len(data.y_val)} rows)"
    truth = preparation.unscale(data.y_val)
    guess = preparation.unscale(outputs[:, 0])
    spread = float(np.sum((truth - truth.mean()) ** 2))
    r2 = 1 - float(np.sum((truth - guess) ** 2)) / spread if spread > 0 else float("nan")
    return (f"hold-out: R² {r2:.4f}, RMSE {float(np.sqrt(np.mean((truth - guess) ** 2))):.6g}, MAE "
            f"{float(np.mean(np.abs(truth - guess))):.6g} (in the units of {preparation.target!r}; "
            f"{len(truth)} rows)")


def train(options: dict[str, Any]) -> int:
    from ..saving import save_model

    out = out_file(options["out"]) if options.get("out") else None
    data = prepared(options, options["validation_split"])
    preparation = data.preparation
    _describe(data, options)
    model = build_model(options, preparation, data.x_train)
    validation = (data.x_val, data.y_val) if len(data.val_rows) else None
    history = model.fit(data.x_train, data.y_train, epochs=options["epochs"], batch_size=options["batch_size"],
                        validation_data=validation, seed=options["seed"], verbose=1 if sys.stdout.isatty() else 2)
    final = {key: values[-1] for key, values in history.history.items() if "/" not in key}
    say("final epoch: " + ", ".join(f"{key} {value:.4f}" for key, value in final.items()))
    if validation is not None:
        say(_holdout(model, data))
    if out is not None:
        save_model(model, out, preparation=preparation)
        say(f"model saved to {out.resolve()} (with its data preparation: glassnet predict and explain take rows "
            "as the data file has them)")
    return 0


# --- sweep -------------------------------------------------------------------------------------------------
def sweep(options: dict[str, Any]) -> int:
    from ..experiments import ModelSpec, validation_curve, write_report

    out = out_folder(options.get("out") or "glassnet-sweep")
    data = prepared(options, 0.0)   # every row: the folds split them
    preparation = data.preparation
    x = data.x_train
    output, loss, metrics = HEADS[preparation.task]
    # With standardize, each fit's Normalization is adapted on its own training rows: no fold's validation rows
    # leak into the statistics.
    spec = ModelSpec(hidden=options["layers"], activation=options["activation"], output_activation=output,
                     loss=loss, optimizer=options["optimizer"], learning_rate=options["learning_rate"],
                     convention=options["convention"], metrics=metrics, n_outputs=preparation.n_outputs,
                     standardize=options["standardize"])
    say(f"target {preparation.target!r}: {preparation.task} ({data.reason}); {len(x)} rows, "
        f"{preparation.n_inputs} inputs" + (", standardized on each fit's training rows" if options["standardize"]
                                            else ""))
    results = validation_curve(spec, x, data.y_train, list(options["lambdas"]), cv=options["cv"],
                               epochs=options["epochs"], batch_size=options["batch_size"],
                               seeds=(options["seed"],), n_jobs=options["jobs"], scheduler=options["scheduler"],
                               progress=True)
    say(results.table())
    say(f"best λ: {results.strength_text(results.best_lambda)}   one-standard-error λ: "
        f"{results.strength_text(results.best_lambda_1se)}")
    return _save(results, out, write_report(results, out, title=f"glassnet sweep of {Path(options['data']).name}"))


def _save(results: Any, out: Path, report: Any) -> int:
    """results.json and results.csv beside the report already written; say where all three are."""
    results.to_json(out / "results.json")
    results.to_csv(out / "results.csv")
    say(f"results: {(out / 'results.json').resolve()}, {(out / 'results.csv').resolve()}; report: "
        f"{Path(report).resolve()}")
    return 0


# --- study -------------------------------------------------------------------------------------------------
def study(options: dict[str, Any]) -> int:
    """``glassnet study``: the layer study (:func:`~glassnet.experiments.layer_study`) of ``--l2`` on a data file."""
    from ..experiments import ModelSpec, layer_study, write_study_report

    if options["l2"] <= 0:
        raise UsageError(f"--l2 must be > 0 for a study (the strength it places on each layer); got {options['l2']:g}")
    out = out_folder(options.get("out") or "glassnet-study")
    data = prepared(options, 0.0)   # every row: the folds split them
    preparation = data.preparation
    output, loss, metrics = HEADS[preparation.task]
    spec = ModelSpec(hidden=options["layers"], activation=options["activation"], output_activation=output, loss=loss,
                     optimizer=options["optimizer"], learning_rate=options["learning_rate"], metrics=metrics,
                     convention=options["convention"], n_outputs=preparation.n_outputs,
                     standardize=options["standardize"])
    from ..regularizers.conventions import LABELS

    say(f"target {preparation.target!r}: {preparation.task} ({data.reason}); {len(data.x_train)} rows, "
        f"{preparation.n_inputs} inputs; {LABELS[options['convention']]} = {options['l2']:g} on no layer, every "
        "layer and each layer alone")
    result = layer_study(spec, data.x_train, data.y_train, options["l2"], cv=options["cv"], epochs=options["epochs"],
                         batch_size=options["batch_size"], seeds=(options["seed"],), n_jobs=options["jobs"],
                         scheduler=options["scheduler"], progress=True)
    say(result.table())
    say("\n".join(result.summary_text()))
    title = f"glassnet layer study of {Path(options['data']).name}"
    return _save(result, out, write_study_report(result, out, title=title))


# --- explain and predict --------------------------------------------------------------------------------------
def _raw_rows(table: Any, target: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """x (every column but the target) and y as the file has them, for a model file without a record."""
    index = table.index(target) if target is not None else None
    for column in table.columns:
        if not column.numeric or column.first_missing is not None:
            problem = f"text ({column.first_text[1]!r})" if not column.numeric else "missing values"
            raise UsageError(f"{table.source}: column {column.name!r} holds {problem}; this model file has no data "
                             "preparation (it was not written by glassnet train), so every column must be numbers")
    x = np.column_stack([c.values for j, c in enumerate(table.columns) if j != index]).astype(np.float32)
    return x, None if index is None else table.columns[index].values.astype(np.float32)


def explain(args: Any) -> int:
    from .. import Normalization

    model, preparation = load(args.model)
    if not model.compiled:  # e.g. a Keras .keras file saved before compile(): no loss to split
        raise UsageError(f"model file {args.model} has no loss and optimizer (saved before compile()): explain needs "
                         "them; compile the model and save it again")
    table = read_data(args.data, args.target)
    target = target_column(args.data, args.target)
    try:
        if preparation is None:
            if target is None:
                raise UsageError("--target is required: this model file has no data preparation naming it")
            x, y = _raw_rows(table, target)
            units = ("losses are in the units of the data file: this model file has no data preparation (it was "
                     "not written by glassnet train), so its rows are used as they are")
        else:
            if target is not None and table.column(target).name != preparation.target:
                raise UsageError(f"--target {target!r} is not the column the model was trained on "
                                 f"({preparation.target!r}); leave --target out")
            rows, dropped = preparation.rows(table, with_target=True)
            x, y = preparation.x(table, rows), preparation.y(table, rows)
            inputs = "the inputs standardized by its first layer" if isinstance(model.layers[0], Normalization) \
                else "the inputs as the file has them"
            left_out = f" ({dropped} left out for missing values)" if dropped else ""
            units = (f"explaining {len(rows)} rows of {args.data}{left_out}: losses are in the units the model "
                     f"trained in: {inputs}, {preparation.units()}")
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    explanation = model.explain(x, y)
    if args.json:
        payload = explanation.to_dict()
        payload["units"] = units
        payload["preparation"] = None if preparation is None else preparation.to_config()
        say(json.dumps(payload, indent=1))
    else:
        say(units)
        say(explanation)
    return 0


def predict(args: Any) -> int:
    out = out_file(args.out) if args.out else None
    model, preparation = load(args.model)
    table = read_data(args.data, None)
    try:
        if preparation is None:
            x, _ = _raw_rows(table, args.target)
            rows = np.arange(len(table))
        else:
            rows, _ = preparation.rows(table, with_target=False)
            x = preparation.x(table, rows)
        outputs = model.predict(x, verbose=0)
    except ValueError as exc:
        raise UsageError(_one_line(exc)) from None
    header, cells = _prediction_cells(preparation, outputs)
    filled = dict(zip(rows.tolist(), cells))
    blank = [""] * len(header)
    buffer = io.StringIO() if out is None else out.open("w", newline="", encoding="utf-8")
    with buffer:
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([table.unit, *header])
        for row in range(len(table)):
            writer.writerow([int(table.lines[row]), *filled.get(row, blank)])
        if isinstance(buffer, io.StringIO):  # no --out: the table goes to the terminal
            sys.stdout.write(safe(buffer.getvalue()))
    if out is not None:
        say(f"{len(rows)} predictions written to {out.resolve()}" + (
            f" ({len(table) - len(rows)} rows with missing values left blank)" if len(rows) < len(table) else ""))
    return 0


def _prediction_cells(preparation: Any, outputs: np.ndarray) -> tuple[list[str], list[list[str]]]:
    """The CSV columns of the predictions: the label or value, then each class's probability."""
    if preparation is None:
        return [f"output_{k}" for k in range(outputs.shape[1])], [[f"{v:.6g}" for v in row] for row in outputs]
    labels = preparation.decode(outputs)
    if preparation.classes is None:
        return ["prediction"], [[label] for label in labels]
    probabilities = np.column_stack([1 - outputs[:, 0], outputs[:, 0]]) if preparation.task == "binary" \
        else outputs
    header = ["prediction", *(f"p({name})" for name in preparation.classes)]
    return header, [[label, *(f"{p:.6g}" for p in row)] for label, row in zip(labels, probabilities)]
