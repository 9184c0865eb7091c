"""The ``glassnet`` command (also ``python -m glassnet``): demo, train, sweep, study, explain, predict, playground.

Every subcommand has ``--help``. Options can also come from a config file (``--config run.toml`` or ``.yaml``)
whose keys are the long option names with underscores (``learning_rate = 0.001``); options on the command line
win. Every value is checked, never coerced (:mod:`glassnet.cli.options`). A bad argument, config or data file
prints one line, ``glassnet: error: ...``, and exits with code 2; so does any other ValueError or OSError.
Everything printed goes through :func:`glassnet.cli.output.safe`: names from files cannot reach the terminal as
control sequences.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

from .options import UsageError, check, merged
from .output import out_folder, safe

EXIT_USAGE = 2

_TARGET_HELP = ("the target column: its name, or its index (0 = first, -1 = last); for an .npz the array "
                "holding y (default y), for an .npy of x the .npy file holding y")
_TASK_HELP = ("what the target is (default: auto). auto: a target holding text, or only integers with at most 20 "
              "distinct values, is classification (binary for 2 classes, else multiclass); any other number "
              "target is regression (so 0.5, 1.5, ... is regression: pass --task multiclass for labels). Labels "
              "become 0..k-1 in sorted order ({-1,1} → 0,1; {1,2,3} → 0,1,2; texts alphabetically) and the "
              "names are saved with the model. With a hold-out, every class needs two rows or more")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line instead of argparse's usage block
        raise UsageError(f"{message} (see {self.prog} --help)")


def _data_options(sub: argparse.ArgumentParser, name: str) -> None:
    sub.add_argument("--config", help="TOML or YAML file with any of these options (at most 64 KiB)")
    sub.add_argument("--data", help="CSV (with a header line), Parquet, .npz or .npy file")
    sub.add_argument("--target", help=_TARGET_HELP)
    sub.add_argument("--layers", help="hidden layer widths, e.g. 25,15 (default: 25,15; each at most 100,000)")
    sub.add_argument("--activation", help="hidden activation (default: relu)")
    sub.add_argument("--convention", help="the convention of --l2/--lambdas: keras, lecture, torch, sklearn, "
                                          "playground or kappa (default: keras, the factor of L2(l2))")
    sub.add_argument("--epochs", type=int, help="epochs (default: 100)")
    sub.add_argument("--batch-size", type=int, help="batch size (default: 32)")
    sub.add_argument("--optimizer", help="sgd, adam, adamw, rmsprop or adagrad (default: adam)")
    sub.add_argument("--learning-rate", type=float, help="learning rate (default: 0.001)")
    sub.add_argument("--task", help=_TASK_HELP)
    sub.add_argument("--missing", help="cells that are empty, NA, N/A, NaN, null, None or ?: error (default: "
                                       "refuse, naming the rows), drop (leave those rows out) or mean (fill a "
                                       "number column with its training mean, a text column with its most "
                                       "frequent text)")
    sub.add_argument("--no-standardize", dest="standardize", action="store_const", const=False,
                     help="feed the inputs as they are; by default the model's first layer is a Normalization "
                          "adapted on the training rows (saved in the model, so predict and explain take raw "
                          "rows) and a regression target is standardized too (predictions come back in its units)")
    sub.add_argument("--seed", type=int, help="seed for weights, shuffling, the hold-out and folds (default: 0)")
    if name == "train":
        sub.add_argument("--l2", type=float, help="L2 strength on every kernel (default: 0)")
        sub.add_argument("--validation-split", type=float,
                         help="fraction of rows held out (default 0.2), drawn at random with --seed and "
                              "stratified by class for classification: glassnet.datasets.train_val_test_split("
                              "rows, labels, val=FRACTION, seed=SEED, stratify=True) after rows with missing "
                              "values are handled; 0 = no hold-out")
        sub.add_argument("--out", help="where to save the model file (its folder must exist)")
    else:
        if name == "study":
            sub.add_argument("--l2", type=float, help="the strength (> 0, in --convention) the study places: on no "
                                                      "layer, on every Dense kernel, and on each one alone")
        else:
            sub.add_argument("--lambdas", help="comma list (0,1e-3,...) or log:START:STOP:N for 0 and N values "
                                               "10^START..10^STOP (at most 1,000 values)")
        sub.add_argument("--cv", type=int, help="folds (default: 5)")
        sub.add_argument("--jobs", type=int, help="parallel fits; -1 = all cores (default)")
        sub.add_argument("--scheduler", help="Dask scheduler address tcp://host:port (default: local)")
        sub.add_argument("--out", help="folder for results.json, results.csv, report.html (default: "
                                       f"glassnet-{name})")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="glassnet", description="Neural networks with see-through regularization.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser("demo", help="the lecture's network on breast cancer, a λ sweep, an HTML report")
    demo.add_argument("--out", default="glassnet-demo-report", help="folder for the report (default: %(default)s)")
    demo.add_argument("--jobs", type=int, default=-1, help="parallel fits; -1 = all cores (default)")
    demo.add_argument("--epochs", type=int, default=60, help="epochs per fit in the sweep (default: %(default)s)")
    demo.add_argument("--cv", type=int, default=5, help="folds (default: %(default)s)")

    for name, text in (("train", "train a network on a data file and save it"),
                       ("sweep", "cross-validate a grid of L2 strengths and write results and a report"),
                       ("study", "what a penalty on each layer does: twin fits with the penalty on no layer, every "
                                 "layer and each layer alone; results and a report")):
        _data_options(commands.add_parser(name, help=text, description=text), name)

    explain = commands.add_parser("explain", help="split loss, gradients and next update of a saved model")
    explain.add_argument("--model", required=True, help="a model file written by `glassnet train` or model.save")
    explain.add_argument("--data", required=True, help="data file with the columns the model was trained on")
    explain.add_argument("--target", help="target column (default: the one the model was trained on)")
    explain.add_argument("--json", action="store_true", help="print JSON instead of the text report")

    predict = commands.add_parser("predict", help="predict the target of every row of a data file")
    predict.add_argument("--model", required=True, help="a model file written by `glassnet train`")
    predict.add_argument("--data", required=True, help="data file with the columns the model was trained on "
                                                        "(the target column may be absent)")
    predict.add_argument("--target", help="for a model file without a data preparation: the column to leave out")
    predict.add_argument("--out", help="CSV file to write (default: print the CSV): the row's line, the "
                                       "prediction as a class name or a value in the target's units, and each "
                                       "class's probability")
    from ..playground.command import add_arguments as playground_arguments

    playground_arguments(commands.add_parser("playground", help="train in the browser and watch the penalty act"))
    return parser


def _demo(args: argparse.Namespace) -> int:
    from ..demo import run

    epochs = check("epochs", args.epochs, "")
    cv = check("cv", args.cv, "")
    jobs = check("jobs", args.jobs, "")
    out_folder(args.out)
    run(args.out, jobs=jobs, epochs=epochs, cv=cv, progress=sys.stderr.isatty())
    return 0


def _run(args: argparse.Namespace) -> int:
    from . import commands

    if args.command == "demo":
        return _demo(args)
    if args.command == "explain":
        return commands.explain(args)
    if args.command == "predict":
        return commands.predict(args)
    if args.command == "playground":
        from ..playground import main as playground_main

        return playground_main(args)
    options = merged({key: value for key, value in vars(args).items() if key != "command"}, args.command)
    if args.command == "study":
        return commands.study(options)
    return commands.train(options) if args.command == "train" else commands.sweep(options)


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit code (0, or 2 after one line on stderr)."""
    parser = _parser()
    try:
        return _run(parser.parse_args(argv))
    except UsageError as exc:
        return _fail(str(exc))
    except (ValueError, TypeError, OSError, ImportError, MemoryError, RecursionError, FloatingPointError) as exc:
        return _fail(_first_line(exc))


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _fail(message: Any) -> int:
    print(f"glassnet: error: {safe(message, one_line=True)}", file=sys.stderr)
    return EXIT_USAGE


__all__ = ["main", "UsageError", "EXIT_USAGE"]

if __name__ == "__main__":
    sys.exit(main())
