"""Shared test settings: the peers run on the CPU with Keras on TensorFlow, quietly."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

from hypothesis import settings  # noqa: E402

# Deterministic example generation: a CI failure can be reproduced locally. No deadline: first calls into
# TensorFlow/PyTorch are slow.
settings.register_profile("glassnet", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("glassnet")


# --- the hostile-input and fault suite: every case says how it ended, and the counts are printed ---------------
import pytest  # noqa: E402

#: The outcomes a hostile input or a fault may have (issue 10): glassnet refused it with a clear error before
#: anything changed, it recovered (e.g. resumed or fell back) with the same result, or it failed without losing
#: or half-changing anything.
OUTCOMES = ("refused cleanly", "recovered", "nothing lost")
_outcome_counts: dict[tuple[str, str], int] = {}


class OutcomeRecorder:
    """``outcome('refused cleanly')`` in a test counts one case of that test's category (its file's name)."""

    def __init__(self, category: str):
        self.category = category

    def __call__(self, kind: str, count: int = 1) -> None:
        if kind not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}. Received: {kind!r}")
        key = (self.category, kind)
        _outcome_counts[key] = _outcome_counts.get(key, 0) + count


@pytest.fixture
def outcome(request: pytest.FixtureRequest) -> OutcomeRecorder:
    """Record how a hostile case ended; the suite prints the counts by category at the end of the run."""
    category = request.node.get_closest_marker("hostile")
    name = category.args[0] if category and category.args else request.node.path.stem.removeprefix("test_")
    return OutcomeRecorder(name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hostile(category): the category a hostile-input test counts under")


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ANN001 - pytest's hook
    if not _outcome_counts:
        return
    write = terminalreporter.write_line
    terminalreporter.section("hostile inputs and faults: cases by outcome")
    categories = sorted({category for category, _ in _outcome_counts})
    width = max(len(c) for c in categories + ["category"])
    write(f"{'category':{width}s}  " + "  ".join(f"{kind:>15s}" for kind in OUTCOMES) + "  " + f"{'total':>7s}")
    totals = dict.fromkeys(OUTCOMES, 0)
    for category in categories:
        counts = [_outcome_counts.get((category, kind), 0) for kind in OUTCOMES]
        for kind, count in zip(OUTCOMES, counts):
            totals[kind] += count
        write(f"{category:{width}s}  " + "  ".join(f"{c:15d}" for c in counts) + f"  {sum(counts):7d}")
    write(f"{'all':{width}s}  " + "  ".join(f"{totals[k]:15d}" for k in OUTCOMES) + f"  {sum(totals.values()):7d}")
