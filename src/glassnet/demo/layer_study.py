"""The demo's layer-study part: what L2(0.05) does on one layer of the lecture's network, and on all of them.

Five twin fits on the demo's training rows (the same initial weights and batches): no penalty, L2(0.05) on every
kernel, and on each of the three kernels alone, validated on the demo's held-out rows
(:func:`glassnet.experiments.layer_study`). A few seconds; its page is written next to the demo's report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

#: The strength of the study (Keras factor): strong enough to show the pattern within the demo's epochs.
L2_FACTOR = 0.05


def main(data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], folder: Path, *, epochs: int, jobs: int,
         seed: int, progress: bool, learning_rate: float, batch_size: int) -> dict[str, Any]:
    """Run the study on ``data`` = (x_train, y_train, x_val, y_val), print it, write ``layer-study.html`` into
    ``folder``; return ``{'study': LayerStudy, 'report': path}``."""
    from ..experiments import ModelSpec, layer_study, write_study_report

    x_train, y_train, x_val, y_val = data
    spec = ModelSpec(hidden=(25, 15), activation="relu", output_activation="sigmoid", loss="binary_crossentropy",
                     optimizer="adam", learning_rate=learning_rate)
    study = layer_study(spec, x_train, y_train, L2_FACTOR, validation_data=(x_val, y_val), epochs=epochs,
                        batch_size=batch_size, seeds=(seed,), n_jobs=jobs, progress=progress)
    print(study.table())
    print()
    for paragraph in study.summary_text():
        print(paragraph)
    path = write_study_report(study, Path(folder) / "layer-study.html",
                              title="glassnet demo: what L2 on one layer of the lecture's network does")
    return {"study": study, "report": path}
