"""``LayerStudy``: the records of a layer study and what they say, per placement of the penalty and per layer.

Every per-layer list is in layer order (``layers``: ``layer_1`` … ``layer_k``, the Dense layers by position). A
record (one fit; :mod:`glassnet.experiments.study_tasks`) holds ``placement``, ``fold``, ``seed``, ``n_train``,
``n_val``, ``factors`` (the Keras factor on each kernel), ``initial`` (a checksum of the initial weights), the
scores ``train_…`` / ``val_…`` of :mod:`glassnet.experiments.tasks` (``data_loss``, ``loss``, ``penalty_loss``,
``accuracy``, ``error``, …), per layer ``norms``, ``spectral``, ``cosine``, ``ratio``, the per-epoch ``history``,
and for the attributed fits (the first fold and seed) ``kernels`` and ``direct``.

Means are over all fits of a placement (folds × seeds); sd is the sample standard deviation (n − 1; 0 for one
fit). Everything is plain Python, so :meth:`LayerStudy.to_dict` is JSON-ready (NaN, where a layer has no penalty,
is written as ``NaN``, which Python's json reads back).
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..regularizers.conventions import LABELS
from .results import mean_curve, stats
from .verdict import Verdict, diagnose

#: Per-layer fields of a record, and the name of their summary columns (``norm/layer_1`` …).
PER_LAYER = {"norms": "norm", "spectral": "spectral", "cosine": "cosine", "ratio": "ratio"}
_TASK = ("fold", "seed", "n_train", "n_val")


def _norm(array: np.ndarray) -> float:
    return float(np.linalg.norm(array))


@dataclass(frozen=True)
class LayerAttribution:
    """How one layer's kernel changed because of the penalty, for the first fold and seed:
    W_placement − W_none = ``direct`` + ``indirect``.

    ``direct`` = Σ over all steps of the penalty part of the layer's updates (exactly 0 without a penalty on
    it); ``indirect`` = the rest: the data gradient steering differently because the weights (this layer's and
    the others') are not where they would be without the penalty.
    """

    layer: str
    direct: np.ndarray
    indirect: np.ndarray

    @property
    def change(self) -> np.ndarray:
        """W_placement − W_none."""
        return self.direct + self.indirect

    @property
    def direct_norm(self) -> float:
        return _norm(self.direct)

    @property
    def indirect_norm(self) -> float:
        return _norm(self.indirect)


@dataclass
class LayerStudy:
    """A layer study's records and their summary (module docstring).

    ``placements``: {name: strengths per layer, in ``config['convention']``}; ``layers``: the positional layer
    names; ``metric``: the headline metric; ``config``: the study's settings (``lam``, ``regularizer``, ``cv``, …).
    """

    placements: dict[str, list[float]]
    layers: list[str]
    records: list[dict[str, Any]]
    metric: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    # --- per placement ----------------------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return list(self.placements)

    def runs(self, placement: str) -> list[dict[str, Any]]:
        """The records of one placement (every fold × seed)."""
        if placement not in self.placements:
            raise ValueError(f"Argument `placement` must be one of {self.names}. Received: placement={placement!r}")
        return [record for record in self.records if record["placement"] == placement]

    def _per_layer(self, key: str, stat: int = 0) -> dict[str, list[float]]:
        """{placement: [mean (stat 0) or sd (stat 1) of record[key][layer] over the fits, per layer]}."""
        return {name: [stats(np.array([run[key][layer] for run in self.runs(name)], dtype=np.float64))[stat]
                       for layer in self.layers] for name in self.placements}

    @property
    def kernel_norms(self) -> dict[str, list[float]]:
        """{placement: mean ‖W‖_F per layer}."""
        return self._per_layer("norms")

    @property
    def kernel_norm_sd(self) -> dict[str, list[float]]:
        """{placement: sd of ‖W‖_F per layer over the fits} (the spread)."""
        return self._per_layer("norms", 1)

    @property
    def spectral_norms(self) -> dict[str, list[float]]:
        """{placement: mean ‖W‖₂ (largest singular value) per layer}."""
        return self._per_layer("spectral")

    @property
    def gradient_cosine(self) -> dict[str, list[float]]:
        """{placement: mean cos∠(data gradient, penalty gradient) per layer at the end; NaN without a penalty}."""
        return self._per_layer("cosine")

    @property
    def gradient_ratio(self) -> dict[str, list[float]]:
        """{placement: mean ‖penalty gradient‖ / ‖data gradient‖ per layer at the end; NaN without a penalty}."""
        return self._per_layer("ratio")

    def norm_history(self, placement: str) -> dict[str, list[float]]:
        """{layer: mean ‖W‖_F at the end of each epoch} over the fits of ``placement``."""
        return {layer: self.history_mean(placement, f"norm/{layer}/kernel") for layer in self.layers}

    def history_mean(self, placement: str, key: str) -> list[float]:
        """Per-epoch mean of History ``key`` ('val_data_loss', 'norm/layer_1/kernel', …) over the fits."""
        return mean_curve(self.runs(placement), key, f"placement {placement!r}")

    def score(self, placement: str, key: str) -> tuple[float, float]:
        """(mean, sd) of a record's number ``key`` ('val_data_loss', 'train_error', …) over the fits."""
        runs = self.runs(placement)
        if not all(key in run for run in runs):
            raise ValueError(f"Argument `key` must be a score of every record ({self.score_keys()}). "
                             f"Received: key={key!r}")
        mean, sd, _ = stats(np.array([run[key] for run in runs], dtype=np.float64))
        return mean, sd

    def score_keys(self) -> list[str]:
        """The numeric scores of the records ('train_data_loss', 'val_error', …)."""
        first = self.records[0] if self.records else {}
        return [key for key, value in first.items() if key.startswith(("train_", "val_"))
                and isinstance(value, (int, float)) and not isinstance(value, bool)]

    # --- attribution (the first fold and seed) ----------------------------------------------------------------
    def _attributed(self, placement: str) -> dict[str, Any]:
        found = [run for run in self.runs(placement) if "direct" in run]
        if not found:
            raise ValueError(f"The study holds no attributed fit of placement {placement!r}. Received: "
                             f"{len(self.runs(placement))} records without `direct`")
        return found[0]

    def attribution(self, placement: str) -> list[LayerAttribution]:
        """Per layer, W_placement − W_none = direct + indirect for the twins of the first fold and seed (see
        :class:`LayerAttribution`)."""
        run, none = self._attributed(placement), self._attributed("none")
        parts = []
        for layer in self.layers:
            direct = np.array(run["direct"][layer], dtype=np.float64)
            change = np.array(run["kernels"][layer], dtype=np.float64) - np.array(none["kernels"][layer],
                                                                                   dtype=np.float64)
            parts.append(LayerAttribution(layer, direct, change - direct))
        return parts

    def attribution_norms(self) -> dict[str, dict[str, list[float]]]:
        """{placement: {'direct': [‖direct‖ per layer], 'indirect': [‖indirect‖ per layer]}}: what the text and
        the plots show."""
        result = {}
        for name in self.placements:
            parts = self.attribution(name)
            result[name] = {"direct": [p.direct_norm for p in parts], "indirect": [p.indirect_norm for p in parts]}
        return result

    # --- what it says -----------------------------------------------------------------------------------------
    def verdict(self, *, baseline: float = 0.0, tolerance: float | None = None) -> Verdict:
        """The bias/variance verdict per placement (:mod:`glassnet.experiments.verdict`)."""
        return diagnose([(name, self.runs(name)) for name in self.placements], baseline=baseline,
                        tolerance=tolerance)

    def summary_text(self) -> list[str]:
        """The plain-language summary, one paragraph per item (:mod:`glassnet.experiments.study_text`)."""
        from .study_text import paragraphs

        return paragraphs(self)

    @property
    def strength_text(self) -> str:
        """'Keras l2 = 0.05', 'lecture λ = 9.1', …: the study's strength as written."""
        label = LABELS.get(self.config.get("convention") or "keras", self.config.get("convention"))
        kind = self.config.get("regularizer", "l2")
        return f"{label} = {self.config.get('lam'):g}" if kind == "l2" else f"Keras l1 = {self.config.get('lam'):g}"

    def summary(self) -> list[dict[str, Any]]:
        """One row per placement: ``placement``, ``n`` fits, and ``<key>_mean`` / ``<key>_sd`` of every score and
        per-layer number (``norm/layer_1``, ``spectral/…``, ``cosine/…``, ``ratio/…``), then ``direct/…`` and
        ``indirect/…``, the norms of the attribution parts (first fold and seed)."""
        rows = []
        attribution = self.attribution_norms()
        means = {key: self._per_layer(key) for key in PER_LAYER}
        sds = {key: self._per_layer(key, 1) for key in PER_LAYER}
        for name in self.placements:
            runs = self.runs(name)
            row: dict[str, Any] = {"placement": name, "n": len(runs)}
            for key in self.score_keys():
                row[f"{key}_mean"], row[f"{key}_sd"] = self.score(name, key)
            for key, column in PER_LAYER.items():
                for i, layer in enumerate(self.layers):
                    row[f"{column}/{layer}_mean"] = means[key][name][i]
                    row[f"{column}/{layer}_sd"] = sds[key][name][i]
            for part in ("direct", "indirect"):
                row.update({f"{part}/{layer}": value for layer, value in zip(self.layers, attribution[name][part])})
            rows.append(row)
        return rows

    def table(self) -> str:
        """The kernel norms, validation data loss and end-of-training cosines per placement, as plain text."""
        norms, sds, cosines = self.kernel_norms, self.kernel_norm_sd, self.gradient_cosine
        header = f"{'placement':>10} " + " ".join(f"{'‖W' + layer[6:] + '‖':>14}" for layer in self.layers)
        header += f" {'val data loss':>17} " + " ".join(f"{'cos' + layer[6:]:>6}" for layer in self.layers)
        lines = [header]
        for name in self.placements:
            mean, sd = self.score(name, "val_data_loss")
            line = f"{name:>10} " + " ".join(f"{n:>7.3f} ± {s:<4.2f}" for n, s in zip(norms[name], sds[name]))
            line += f" {mean:>8.4f} ± {sd:.4f} " + " ".join(
                f"{'-' if math.isnan(c) else format(c, '.2f'):>6}" for c in cosines[name])
            lines.append(line)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from ..display.study import study_html

        return study_html(self)

    # --- export -----------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: ``placements``, ``layers``, ``metric``, ``config`` and the ``records``."""
        return json.loads(json.dumps({"placements": self.placements, "layers": self.layers, "metric": self.metric,
                                      "config": self.config, "records": self.records}))

    def to_json(self, path: str | Path) -> None:
        """Write :meth:`to_dict` as JSON (floats as Python's shortest exact repr: they read back bitwise)."""
        Path(path).write_text(json.dumps(self.to_dict(), indent=1), encoding="utf-8")

    def to_csv(self, path: str | Path) -> None:
        """Write :meth:`summary`, one row per placement."""
        rows = self.summary()
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)

    def to_frame(self) -> Any:
        """:meth:`summary` as a pandas DataFrame (pandas is imported only here)."""
        try:
            import pandas
        except ImportError as exc:
            raise ImportError("LayerStudy.to_frame() needs pandas: pip install pandas. "
                              f"Received: ImportError({exc})") from exc
        return pandas.DataFrame(self.summary())

    def __repr__(self) -> str:
        from ..display.study import study_repr

        return study_repr(self)
