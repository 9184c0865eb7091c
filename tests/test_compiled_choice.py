"""``compile(jit_compile=...)``: which engine trains a fit, why, and where it says so (``model.engine``,
``summary()``, the first line of ``fit(verbose=...)``); the progress bar, callbacks changing the model between
epochs, BackupAndRestore, and the sweeps — all on the compiled engine with the NumPy path's bits."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings

import numpy as np
import pytest

import glassnet
from glassnet import L2, BackupAndRestore, Dense, Dropout, LambdaCallback, ModelCheckpoint, Sequential, TerminateOnNaN
from glassnet.callbacks import ProgbarLogger
from glassnet.engine import compiled_epochs, engines
from glassnet.regularizers import FunctionRegularizer


def data(rows=60, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features)).astype("float32")
    return x, (x[:, 0] + 0.5 * x[:, 1] > 0).astype("float32")


def model(jit="auto", *layers, **compile_args):
    made = Sequential(list(layers) or [Dense(6, "relu", kernel_regularizer=L2(0.01), name="h1"),
                                       Dense(1, "sigmoid", name="out")], seed=0, name="net")
    made.compile(glassnet.Adam(0.01), "binary_crossentropy", jit_compile=jit, **compile_args)
    return made


def state(m):
    return ([w.tobytes() for w in m.get_weights()], [a.tobytes() for a in m.optimizer.state_arrays()],
            m.optimizer.iterations)


def history(h):
    return {key: np.array(values, np.float64).tobytes() for key, values in h.history.items()}


def test_auto_is_the_default_and_fit_says_which_engine_trained(capsys):
    m = Sequential([Dense(4, "relu"), Dense(1, "sigmoid")], seed=0)
    m.compile("adam", "binary_crossentropy")
    assert m.jit_compile == "auto" and m.engine is None
    x, y = data()
    m.fit(x, y, epochs=1, verbose=2)
    assert m.engine == engines.EngineChoice("compiled", "jit_compile='auto'")
    assert capsys.readouterr().out.splitlines()[0] == \
        "Training engine: compiled engine (glassnet.compiled) — jit_compile='auto'"
    text = io.StringIO()
    m.summary(print_fn=text.write)
    assert text.getvalue().splitlines()[-1] == \
        "Training engine: compiled engine (glassnet.compiled) — jit_compile='auto' (last fit)"


@pytest.mark.parametrize("value", ["yes", 1, None, "AUTO"])
def test_jit_compile_is_checked_before_compile_changes_anything(value):
    m = Sequential([Dense(1)])
    with pytest.raises(ValueError, match=rf"^Argument `jit_compile` must be 'auto', True or False\. "
                                         rf"Received: jit_compile={value!r}$"):
        m.compile("adam", "mse", jit_compile=value)
    assert not m.compiled and m.jit_compile == "auto"


def test_summary_says_what_a_fit_would_choose():
    def last_line(m):
        text = io.StringIO()
        m.summary(print_fn=text.write)
        return text.getvalue().splitlines()[-1]
    assert last_line(model()) == "Training engine: compiled engine at fit (jit_compile='auto', after its self-check)"
    assert last_line(model(False)) == "Training engine: NumPy path — jit_compile=False"
    dropping = model("auto", Dense(4, name="h1"), Dropout(0.5, name="drop"), Dense(1, name="out"))
    assert last_line(dropping) == ("Training engine: NumPy path — the compiled engine does not compute layers of "
                                   "type Dropout (layer 'drop'); only Dense")


class PenaltySum:
    """A step observer like the layer study's: the checksum of θ before the first update, and the sum over the
    steps of the penalty part of each weight's update (the optimizer's step_parts, in float64)."""

    def __init__(self):
        self.first, self.sums = None, None

    def __call__(self, state, optimizer):
        if self.first is None:
            self.first = state.theta.tobytes()
        parts = [p.penalty for p in optimizer.step_parts(state)]
        self.sums = [np.zeros(p.shape) for p in parts] if self.sums is None else self.sums
        for total, part in zip(self.sums, parts):
            total += part

    def result(self):
        return self.first, [s.tobytes() for s in self.sums]


def mapped(tmp_path, x):
    np.save(tmp_path / "x.npy", x)
    return np.load(tmp_path / "x.npy", mmap_mode="r")


def test_auto_keeps_the_numpy_path_for_a_model_it_does_not_compute():
    x, y = data()
    m = model("auto", Dense(4, name="h1"), Dropout(0.5, name="drop"), Dense(1, name="out"))
    m.fit(x, y, epochs=1, verbose=0)
    assert m.engine == engines.EngineChoice("numpy", "jit_compile='auto', and the compiled engine does not compute "
                                                     "layers of type Dropout (layer 'drop'); only Dense")


class Recorder(glassnet.callbacks.Callback):
    """Records the weights after every batch (and the running logs the batch hooks get)."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def on_train_batch_end(self, batch, logs=None):
        self.seen.append(([w.tobytes() for w in self.model.get_weights()], sorted(logs.items())))


ONE_STEP_AT_A_TIME = {
    "step observers": (lambda: [], True, "step observers are attached (model.step_observers: 1)"),
    "a callback on every batch": (lambda: [Recorder()], False, "the callback Recorder acts on every batch"),
    "TerminateOnNaN": (lambda: [TerminateOnNaN()], False, "the callback TerminateOnNaN acts on every batch"),
    "LambdaCallback": (lambda: [LambdaCallback(on_train_batch_begin=lambda b, logs: None)], False,
                       "the callback LambdaCallback acts on every batch"),
    "memory-mapped x": (lambda: [], False, "x is memory-mapped (read in batches of bounded memory)"),
}
ONLY_WITH_TRUE = {"memory-mapped x"}  # 'auto' leaves a mapped x to the NumPy path


@pytest.mark.parametrize("case", list(ONE_STEP_AT_A_TIME))
@pytest.mark.parametrize("jit", ["auto", True])
def test_one_step_at_a_time_with_the_numpy_paths_bits(case, jit, tmp_path):
    callbacks, observe, reason = ONE_STEP_AT_A_TIME[case]
    if case in ONLY_WITH_TRUE and jit == "auto":
        jit = True
    x, y = data(70)
    if case == "memory-mapped x":
        x = mapped(tmp_path, x)
    runs = []
    for engine in (False, jit):
        m = model(engine, metrics=["accuracy"])
        observer = PenaltySum() if observe else None
        if observer:
            m.step_observers.append(observer)
        made = callbacks()
        fitted = m.fit(x, y, epochs=2, batch_size=8, verbose=0, seed=3, validation_split=0.2, callbacks=made)
        seen = [c.seen for c in made if isinstance(c, Recorder)]
        runs.append((m, fitted, observer.result() if observer else None, seen))
    (a, ha, oa, sa), (b, hb, ob, sb) = runs
    assert b.engine == engines.EngineChoice("compiled", f"jit_compile={jit!r}; one step at a time: {reason}")
    assert state(a) == state(b) and history(ha) == history(hb) and oa == ob and sa == sb


def test_auto_leaves_a_memory_mapped_x_to_the_numpy_path_without_loading_numba(tmp_path):
    code = f"""if True:
        import sys, numpy as np
        from glassnet import Dense, Sequential
        np.save({str(tmp_path / 'x.npy')!r}, np.ones((40, 3), "float32"))
        x = np.load({str(tmp_path / 'x.npy')!r}, mmap_mode="r")
        m = Sequential([Dense(2), Dense(1)]); m.compile("sgd", "mse"); m.fit(x, np.zeros(40), verbose=0)
        print('numba' in sys.modules); print(m.engine.reason)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["False", f"jit_compile='auto', and {engines.MAPPED}; jit_compile=True trains it on "
                                         "the compiled engine, one step at a time"]


def test_a_missing_numba_keeps_the_numpy_path_without_a_warning(monkeypatch):
    monkeypatch.setattr(engines.importlib.util, "find_spec", lambda name: None)
    x, y = data()
    m = model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m.fit(x, y, epochs=1, verbose=0)
    assert m.engine.reason == "jit_compile='auto', and numba is not installed (pip install 'glassnet[fast]')"


def test_a_failed_self_check_warns_once_and_keeps_the_numpy_path(monkeypatch):
    from glassnet.compiled import selfcheck

    monkeypatch.setattr(selfcheck, "self_check", lambda: selfcheck.EngineStatus(False, "weight h1/kernel differs"))
    engines._warn_once.cache_clear()
    x, y = data()
    with pytest.warns(engines.CompiledEngineWarning, match=r"^The compiled engine is not used \(jit_compile='auto'\)"
                                                           r": its self-check failed: weight h1/kernel differs\. "
                                                           r"Training takes the NumPy path\.$"):
        model().fit(x, y, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = model()
        again.fit(x, y, epochs=1, verbose=0)  # the same reason is not said twice
    assert again.engine.engine == "numpy"
    engines._warn_once.cache_clear()


def test_importing_glassnet_or_training_on_the_numpy_path_does_not_load_numba():
    code = """if True:
        import sys, numpy as np, glassnet
        from glassnet import Dense, Dropout, Sequential
        x = np.zeros((8, 2), "float32"); y = np.zeros(8, "float32")
        for layers, jit in (([Dense(2), Dense(1)], False), ([Dense(2), Dropout(0.1), Dense(1)], "auto")):
            m = Sequential(layers); m.compile("sgd", "mse", jit_compile=jit); m.fit(x, y, verbose=0)
            print('numba' in sys.modules, m.engine.engine)
        m = Sequential([Dense(1)]); m.compile("sgd", "mse"); m.fit(x, y, verbose=0)
        print('numba' in sys.modules, m.engine.engine)
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "numpy", "False", "numpy", "True", "compiled"]


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("seconds", [0.1, 0.0])
def test_an_interactive_progress_bar_is_drawn_between_runs_of_batches(monkeypatch, seconds):
    monkeypatch.setattr(compiled_epochs, "_PROGRESS_SECONDS", seconds)  # 0: a run of one batch at a time
    x, y = data(200)
    runs = []
    for jit in (False, True):
        screen = FakeTerminal()
        m = model(jit)
        runs.append((m, m.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[ProgbarLogger(1, screen)]),
                     screen.getvalue()))
    (a, ha, _), (b, hb, drawn) = runs
    assert b.engine.compiled and "\r" in drawn
    assert state(a) == state(b) and history(ha) == history(hb)


class Replacing(glassnet.callbacks.Callback):
    """What the playground does between epochs: new regularizers, a new learning rate — or, from epoch
    ``unsupported`` on, a penalty the compiled engine does not compute."""

    def __init__(self, unsupported=None):
        super().__init__()
        self.unsupported = unsupported

    def on_epoch_begin(self, epoch, logs=None):
        layer = self.model.layers[0]
        layer.kernel_regularizer = L2(0.01 * (epoch + 1))
        self.model.set_compile_regularization(self.model.compile_regularization)  # installs it, as apply_live
        self.model.compiled_optimizer.learning_rate = 0.01 / (epoch + 1)
        self.model.layers[1].weights[0].regularizer.l2 = 0.001 * epoch  # changed in place, too
        if self.unsupported is not None and epoch >= self.unsupported:
            layer.kernel.regularizer = FunctionRegularizer(lambda w: float(np.sum(w ** 4)),
                                                           gradient=lambda w: 4 * w ** 3)


@pytest.mark.parametrize("unsupported", [None, 2])
def test_callbacks_changing_the_model_between_epochs(unsupported):
    x, y = data()
    runs = []
    for jit in (False, "auto"):
        m = model(jit, Dense(6, "relu", name="h1"), Dense(1, "sigmoid", kernel_regularizer=L2(0.0), name="out"))
        runs.append((m, m.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[Replacing(unsupported)])))
    (a, ha), (b, hb) = runs
    assert state(a) == state(b) and history(ha) == history(hb)
    if unsupported is None:
        assert b.engine.compiled
    else:
        assert b.engine.engine == "numpy" and b.engine.reason.startswith(
            "from epoch 2 on: The compiled engine does not compute the regularizer FunctionRegularizer on h1/kernel")


def test_backup_and_restore_resumes_a_compiled_run_bit_for_bit(tmp_path):
    class Crash(glassnet.callbacks.Callback):
        crashed = False

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2 and not Crash.crashed:
                Crash.crashed = True
                raise KeyboardInterrupt

    x, y = data(90)
    outcomes = {}
    for jit in (False, True):
        folder, Crash.crashed = tmp_path / str(jit), False
        whole = model(jit).fit(x, y, epochs=5, batch_size=16, verbose=0, seed=4, validation_split=0.2)
        interrupted = model(jit)
        with pytest.raises(KeyboardInterrupt):
            interrupted.fit(x, y, epochs=5, batch_size=16, verbose=0, seed=4, validation_split=0.2,
                            callbacks=[BackupAndRestore(folder / "backup"), Crash(),
                                       ModelCheckpoint(folder / "best.glassnet", save_best_only=True)])
        resumed = model(jit)
        rest = resumed.fit(x, y, epochs=5, batch_size=16, verbose=0, seed=4, validation_split=0.2,
                           callbacks=[BackupAndRestore(folder / "backup"), Crash(),
                                      ModelCheckpoint(folder / "best.glassnet", save_best_only=True)])
        assert resumed.engine.engine == ("compiled" if jit else "numpy")
        resumed_epochs = len(rest.history["loss"])  # epoch 2's backup was not written: it resumes there
        assert resumed_epochs == 3
        assert {k: v[-3:] for k, v in whole.history.items()} == rest.history  # floats from the same bits
        outcomes[jit] = (state(resumed), history(rest), (folder / "best.glassnet").read_bytes())
    assert outcomes[False] == outcomes[True]


def test_sweeps_train_on_the_compiled_engine_with_the_numpy_paths_results(monkeypatch):
    from glassnet.experiments import ModelSpec, validation_curve

    spec = ModelSpec(hidden=(5,), activation="relu", output_activation="sigmoid", loss="binary_crossentropy",
                     optimizer="adam", learning_rate=0.01)
    x, y = data(80)
    trained = []
    original = compiled_epochs.CompiledEpochs.train
    monkeypatch.setattr(compiled_epochs.CompiledEpochs, "train",
                        lambda self, *a: trained.append(1) or original(self, *a))
    compiled = validation_curve(spec, x, y, [0.0, 0.01], cv=2, epochs=3, batch_size=16, n_jobs=1,
                                progress=False).to_dict()
    assert len(trained) == 2 * 2 * 3
    monkeypatch.setattr(engines, "unavailable", lambda: "the NumPy path, for the comparison")
    engines._warn_once.cache_clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", engines.CompiledEngineWarning)
        reference = validation_curve(spec, x, y, [0.0, 0.01], cv=2, epochs=3, batch_size=16, n_jobs=1,
                                     progress=False).to_dict()
    engines._warn_once.cache_clear()
    assert len(trained) == 12 and compiled == reference


def test_the_playgrounds_workers_train_on_the_compiled_engine_with_the_numpy_paths_numbers():
    """A Playground worker (its own thread, 1,000-epoch fits, the clock stepping epochs) trains on the compiled
    engine, and its History is that of a NumPy-path fit."""
    import threading
    import time

    from glassnet.playground.clock import Clock
    from glassnet.playground.network import build
    from glassnet.playground.problem import prepare
    from glassnet.playground.protocol import history as history_of
    from glassnet.playground.settings import Settings
    from glassnet.playground.trainer import Trainer

    settings = Settings(hidden=(4, 3), regularization="l1", lam=0.01, dataset="xor", noise=10)
    problem = prepare(settings, None)
    clock = Clock(1, 0)
    worker = Trainer(0, build(settings, problem.x_train.shape[1], problem.output), problem, settings, clock,
                     threading.Event().set)
    worker.start()
    rows = []
    try:
        while worker.epochs < 4:
            clock.step()
            deadline = time.monotonic() + 30
            target = worker.epochs + 1
            while worker.epochs < target and time.monotonic() < deadline:
                time.sleep(0.005)
            rows += worker.take()[0]
    finally:
        worker.stop()
    assert worker.model.engine.compiled
    reference = build(settings, problem.x_train.shape[1], problem.output)
    reference.jit_compile = False
    expected = reference.fit(problem.x_train, problem.y_train, epochs=4, batch_size=settings.batch_size,
                             validation_data=(problem.x_test, problem.y_test), verbose=0).history
    assert history_of(rows[:4]) == expected


def test_the_cli_and_the_scikit_learn_estimators_train_on_the_compiled_engine(tmp_path, capsys):
    from glassnet.cli import main
    from glassnet.sklearn import GlassNetClassifier

    x, y = data(80, 3)
    table = tmp_path / "rows.csv"
    rows = "\n".join(",".join(f"{v:.6f}" for v in row) + f",{int(label)}" for row, label in zip(x, y))
    table.write_text("a,b,c,label\n" + rows + "\n")
    code = main(["train", "--data", str(table), "--target", "label", "--epochs", "3", "--out",
                 str(tmp_path / "m.glassnet")])
    out = capsys.readouterr().out
    assert code == 0
    # its first layer is a Normalization adapted on the training rows: the engine applies it to the data first
    assert "Training engine: compiled engine (glassnet.compiled) — jit_compile='auto'" in out
    estimator = GlassNetClassifier(hidden_layer_sizes=(5,), epochs=3, random_state=0).fit(x, y)
    assert estimator.model_.engine.compiled
