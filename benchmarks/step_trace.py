"""The files one training step of ``fit`` passes through, and how often it switches between them.

Traced with ``sys.setprofile`` from a callback's ``on_train_batch_begin`` to its ``on_train_batch_end`` (the step
and the loop's bookkeeping around it) on the lecture's network: a switch is a call from code of one glassnet file
into code of another. A measure of how far a reader must follow one step, not of speed.

Run:  .venv/bin/python benchmarks/step_trace.py
"""
import sys
from pathlib import Path

import numpy as np

import glassnet
from glassnet import L2, Dense, Sequential
from glassnet.callbacks import Callback

ROOT = str(Path(glassnet.__file__).parent)

class Tracer(Callback):
    def __init__(self):
        super().__init__()
        self.files, self.switches, self.last, self.steps = [], 0, None, 0
    def _profile(self, frame, event, arg):
        # A switch: a call from code of one glassnet file into code of another.
        if event != "call":
            return
        current = frame.f_code.co_filename
        caller = frame.f_back.f_code.co_filename if frame.f_back is not None else ""
        if not current.startswith(ROOT) or current.endswith("callbacks.py"):
            return
        if current not in self.files:
            self.files.append(current)
        if caller.startswith(ROOT) and caller != current and not caller.endswith("callbacks.py"):
            self.switches += 1
    def on_train_batch_begin(self, batch, logs=None):
        self.last = None
        sys.setprofile(self._profile)
    def on_train_batch_end(self, batch, logs=None):
        sys.setprofile(None)
        self.steps += 1

rng = np.random.default_rng(0)
x = rng.normal(size=(96, 30)).astype("float32")
y = (x[:, 0] > 0).astype("float32")
model = Sequential([Dense(25, "relu", kernel_regularizer=L2(0.01)), Dense(15, "relu", kernel_regularizer=L2(0.01)),
                    Dense(1, "sigmoid", kernel_regularizer=L2(0.01))], seed=0)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
tracer = Tracer()
model.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[tracer])
print(f"{len(tracer.files)} files, {tracer.switches / tracer.steps:.0f} switches per step")
for f in tracer.files:
    print("  ", f[len(ROOT) + 1:])
