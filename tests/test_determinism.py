"""The same seeds give bitwise-identical weights in separate processes (docs/determinism.md says what else holds)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np

JOB = textwrap.dedent("""
    import sys
    import numpy as np
    from glassnet import Sequential, Dense, Dropout, L2
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 12)).astype("float32")
    y = (x[:, 0] - x[:, 1] > 0).astype("float32")
    model = Sequential([Dense(64, "relu", kernel_regularizer=L2(1e-3)), Dropout(0.25), Dense(32, "tanh"),
                        Dense(1, "sigmoid")], seed=int(sys.argv[2]))
    model.compile("adam", "binary_crossentropy")
    model.fit(x, y, batch_size=16, epochs=5, verbose=0, seed=int(sys.argv[3]), validation_split=0.2)
    np.savez(sys.argv[1], *model.get_weights())
""")


def _train(path, model_seed, fit_seed, threads="2"):
    env = {"OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", JOB, str(path), str(model_seed), str(fit_seed)], check=True, env=env,
                   timeout=120)
    with np.load(path, allow_pickle=False) as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def test_same_seed_same_bits_across_processes(tmp_path):
    first = _train(tmp_path / "a.npz", 1, 2)
    second = _train(tmp_path / "b.npz", 1, 2)
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()
    other_fit_seed = _train(tmp_path / "c.npz", 1, 3)  # different shuffles and dropout masks
    assert any(a.tobytes() != c.tobytes() for a, c in zip(first, other_fit_seed))
    single_thread = _train(tmp_path / "d.npz", 1, 2, threads="1")
    for a, d in zip(first, single_thread):  # these small products are not split across BLAS threads
        assert a.tobytes() == d.tobytes()
