"""The ``glassnet`` command (also ``python -m glassnet``): demo, train, sweep, explain, playground.

Every subcommand has ``--help``. Options can also come from a config file (``--config run.toml`` or ``.yaml``) whose
keys are the long option names with underscores (``learning_rate = 0.001``); options on the command line win.
A bad argument or data file prints one line, ``glassnet <command>: error: ...``, and exits with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import check_positive_int
from .errors import ModelFileError

EXIT_USAGE = 2

#: Defaults of the options a config file may also set.
MODEL_DEFAULTS: dict[str, Any] = {
    "layers": "25,15", "activation": "relu", "l2": 0.0, "convention": "keras", "epochs": 100, "batch_size": 32,
    "optimizer": "adam", "learning_rate": 1e-3, "task": "auto", "seed": 0, "validation_split": 0.2,
    "lambdas": "0,1e-4,1e-3,1e-2,1e-1", "cv": 5, "jobs": -1, "scheduler": None,
}


class UsageError(Exception):
    """A problem with the command line or a data file: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of argparse's usage block
        raise UsageError(f"{message} (see {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glassnet", description="Neural networks with see-through regularization.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="the lecture's network on breast cancer, a λ sweep, an HTML report")
    demo.add_argument("--out", default="glassnet-demo-report", help="folder for the report (default: %(default)s)")
    demo.add_argument("--jobs", type=int, default=-1, help="parallel fits; -1 = all cores (default)")
    demo.add_argument("--epochs", type=int, default=60, help="epochs per fit in the sweep (default: %(default)s)")
    demo.add_argument("--cv", type=int, default=5, help="folds (default: %(default)s)")

    for name, text in (("train", "train a network on a data file and save it"),
                       ("sweep", "cross-validate a grid of L2 strengths and write results and a report")):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--config", help="TOML or YAML file with any of these options")
        sub.add_argument("--data", help="CSV, NPZ or Parquet file with features and the target column")
        sub.add_argument("--target", help="name (or index) of the target column")
        sub.add_argument("--layers", help="hidden layer widths, e.g. 25,15 (default: 25,15)")
        sub.add_argument("--activation", help="hidden activation (default: relu)")
        sub.add_argument("--convention", choices=["keras", "lecture", "torch", "sklearn", "playground", "kappa"],
                         help="the convention of --l2/--lambdas (default: keras, the factor of L2(l2))")
        sub.add_argument("--epochs", type=int, help="epochs (default: 100)")
        sub.add_argument("--batch-size", type=int, help="batch size (default: 32)")
        sub.add_argument("--optimizer", help="sgd, adam, adamw, rmsprop or adagrad (default: adam)")
        sub.add_argument("--learning-rate", type=float, help="learning rate (default: 0.001)")
        sub.add_argument("--task", choices=["auto", "binary", "multiclass", "regression"],
                         help="what the target is (default: auto: small integer labels are classes)")
        sub.add_argument("--seed", type=int, help="seed for weights, shuffling and folds (default: 0)")
        if name == "train":
            sub.add_argument("--l2", type=float, help="L2 strength on every kernel (default: 0)")
            sub.add_argument("--validation-split", type=float, help="last fraction of rows held out (default 0.2)")
            sub.add_argument("--out", required=False, help="where to save the model file")
        else:
            sub.add_argument("--lambdas", help="comma list (0,1e-3,...) or log:START:STOP:N for 10^START..10^STOP")
            sub.add_argument("--cv", type=int, help="folds (default: 5)")
            sub.add_argument("--jobs", type=int, help="parallel fits; -1 = all cores (default)")
            sub.add_argument("--scheduler", help="Dask scheduler address tcp://host:port (default: local)")
            sub.add_argument("--out", required=False, help="folder for results.json, results.csv, report.html")

    explain = commands.add_parser("explain", help="split loss, gradients and next update of a saved model")
    explain.add_argument("--model", required=True, help="a model file written by `glassnet train` or model.save")
    explain.add_argument("--data", required=True, help="data file (as for train)")
    explain.add_argument("--target", required=True, help="target column")
    explain.add_argument("--json", action="store_true", help="print JSON instead of the text report")

    from .playground.command import add_arguments as playground_arguments

    playground_arguments(commands.add_parser("playground", help="train in the browser and watch the penalty act"))
    return parser


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """Command line over config file over defaults."""
    config: dict[str, Any] = {}
    if getattr(args, "config", None):
        config = _read_config(Path(args.config))
    merged = dict(MODEL_DEFAULTS)
    merged.update(config)
    merged.update({key: value for key, value in vars(args).items() if value is not None})
    for required in ("data", "target"):
        if merged.get(required) is None:
            raise UsageError(f"--{required} is required (on the command line or in --config)")
    return merged


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UsageError(f"config file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".toml":
            import tomllib

            config = tomllib.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            import yaml  # PyYAML; safe_load builds plain data only, never objects

            config = yaml.safe_load(text) or {}
        else:
            raise UsageError(f"config file {path} must end in .toml, .yaml or .yml")
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse error is a one-line usage error
        raise UsageError(f"config file {path} is not valid: {exc}".splitlines()[0]) from None
    if not isinstance(config, dict):
        raise UsageError(f"config file {path} must hold key = value settings")
    unknown = sorted(set(config) - set(MODEL_DEFAULTS) - {"data", "target", "out"})
    if unknown:
        raise UsageError(f"config file {path} has unknown keys {unknown}; known: {sorted(MODEL_DEFAULTS)}")
    return config


def _load_data(path: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    from . import datasets

    if not Path(path).is_file():
        raise UsageError(f"data file {path} does not exist")
    try:
        loaded = datasets.load(path, target=target)
    except (ValueError, TypeError, OSError, KeyError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    x, y = (loaded.x, loaded.y) if hasattr(loaded, "x") else loaded
    return np.asarray(x, dtype="float32"), np.asarray(y)


def _task(y: np.ndarray, requested: str) -> tuple[str, int]:
    """('binary'|'multiclass'|'regression', number of outputs)."""
    integral = np.all(np.isfinite(y)) and np.all(y == np.round(y))
    if requested == "auto":
        classes = np.unique(y)
        requested = ("binary" if len(classes) == 2 else "multiclass") if integral and len(classes) <= 20 \
            else "regression"
    if requested == "binary":
        if not set(np.unique(y)) <= {0, 1}:
            raise UsageError(f"--task binary needs targets 0/1; the target has values {np.unique(y)[:5]}...")
        return "binary", 1
    if requested == "multiclass":
        if not integral or y.min() < 0:
            raise UsageError("--task multiclass needs integer class labels 0..k-1")
        return "multiclass", int(y.max()) + 1
    return "regression", 1 if y.ndim == 1 else y.shape[1]


def _spec(options: dict[str, Any], task: str, n_outputs: int) -> Any:
    from .experiments import ModelSpec

    try:
        hidden = tuple(check_positive_int("--layers", int(w)) for w in str(options["layers"]).split(",") if w)
    except ValueError:
        raise UsageError(f"--layers must be positive integers like 25,15; got {options['layers']!r}") from None
    output, loss, metrics = {"binary": ("sigmoid", "binary_crossentropy", ("accuracy",)),
                             "multiclass": ("softmax", "sparse_categorical_crossentropy", ("accuracy",)),
                             "regression": ("linear", "mean_squared_error", ("mae",))}[task]
    return ModelSpec(hidden=hidden, activation=options["activation"], output_activation=output, loss=loss,
                     optimizer=options["optimizer"], learning_rate=float(options["learning_rate"]),
                     convention=options["convention"], metrics=metrics, n_outputs=n_outputs)


def _lambdas(text: Any) -> list[float]:
    if isinstance(text, (list, tuple)):
        return [float(v) for v in text]
    text = str(text)
    try:
        if text.startswith("log:"):
            start, stop, count = text[4:].split(":")
            return [0.0] + [float(v) for v in np.logspace(float(start), float(stop), int(count))]
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--lambdas must be a comma list like 0,1e-3,1e-2 or log:-5:0:6; got {text!r}") from None


def cmd_train(options: dict[str, Any]) -> int:
    x, y = _load_data(options["data"], options["target"])
    task, n_outputs = _task(y, options["task"])
    spec = _spec(options, task, n_outputs)
    model = spec(float(options["l2"]), n_samples=int(len(x) * (1 - float(options["validation_split"]))),
                 batch_size=int(options["batch_size"]))
    verbose = 1 if sys.stdout.isatty() else 2
    history = model.fit(x, y, epochs=int(options["epochs"]), batch_size=int(options["batch_size"]),
                        validation_split=float(options["validation_split"]), seed=int(options["seed"]),
                        verbose=verbose)
    final = {key: values[-1] for key, values in history.history.items() if "/" not in key}
    print("final epoch: " + ", ".join(f"{key} {value:.4f}" for key, value in final.items()))
    if options.get("out"):
        model.save(options["out"])
        print(f"model saved to {Path(options['out']).resolve()}")
    return 0


def cmd_sweep(options: dict[str, Any]) -> int:
    from .experiments import validation_curve, write_report

    x, y = _load_data(options["data"], options["target"])
    task, n_outputs = _task(y, options["task"])
    results = validation_curve(_spec(options, task, n_outputs), x, y, _lambdas(options["lambdas"]),
                               cv=int(options["cv"]), epochs=int(options["epochs"]),
                               batch_size=int(options["batch_size"]), seeds=(int(options["seed"]),),
                               n_jobs=int(options["jobs"]), scheduler=options.get("scheduler"), progress=True)
    print(results.table())
    print(f"best λ: {results.strength_text(results.best_lambda)}   one-standard-error λ: "
          f"{results.strength_text(results.best_lambda_1se)}")
    out = Path(options.get("out") or "glassnet-sweep")
    out.mkdir(parents=True, exist_ok=True)
    results.to_json(out / "results.json")
    results.to_csv(out / "results.csv")
    path = write_report(results, out, title=f"glassnet sweep of {options['data']}")
    print(f"results: {(out / 'results.json').resolve()}, {(out / 'results.csv').resolve()}; report: "
          f"{Path(path).resolve()}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from . import load_model

    if not Path(args.model).is_file():
        raise UsageError(f"model file {args.model} does not exist")
    model = load_model(args.model)
    x, y = _load_data(args.data, args.target)
    explanation = model.explain(x, y)
    print(json.dumps(explanation.to_dict(), indent=1) if args.json else explanation)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "demo":
            from .demo import run

            run(args.out, jobs=args.jobs, epochs=args.epochs, cv=args.cv, progress=sys.stderr.isatty())
            return 0
        if args.command == "explain":
            return cmd_explain(args)
        if args.command == "playground":
            from .playground import main as playground_main

            return playground_main(args)
        options = _options(args)
        return cmd_train(options) if args.command == "train" else cmd_sweep(options)
    except UsageError as exc:
        print(f"glassnet: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ModelFileError, ValueError, TypeError, FileNotFoundError, ImportError) as exc:
        print(f"glassnet: error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
