"""The engine: the model and everything one training step runs through.

One step of ``fit`` on a batch (see docs/architecture.md for the whole trace)::

    loops.fit ─▶ step.train_step(model, state, batch)
                   1. model.forward            layers' forward passes; activity penalties into the state
                   2. model.loss_parts         data loss + one term per penalty (logs.LossParts)
                   3. guard.check_loss         NaN/inf in the loss?
                   4. backward.backward        data and penalty gradients into the state's flat buffers
                   5. guard.check_gradients    NaN/inf in a gradient?
                   6. optimizer.apply(state)   total = data + penalty, clip, decay, update, constraints
               ─▶ guard.StepBackup             weights and optimizer state restored if the step is refused

- :mod:`~glassnet.engine.model` — ``Sequential``: the layers, compile, build (which makes the state), forward;
- :mod:`~glassnet.engine.state` — ``TrainState``: θ, the data/penalty/total gradient buffers, the per-layer layout,
  the activity caches and the step's loss parts — the one owner of a step's numbers;
- :mod:`~glassnet.engine.step`, :mod:`~glassnet.engine.backward`, :mod:`~glassnet.engine.guard` — the step;
- :mod:`~glassnet.engine.loops` — ``fit`` / ``evaluate`` / ``predict``; :mod:`~glassnet.engine.data` — the checks
  of x, y and sample weights and the evaluation of arrays, public for explain, experiments and the CLI;
- :mod:`~glassnet.engine.logs` — the loss parts and History's per-epoch numbers;
- :mod:`~glassnet.engine.mapped_io` — reading memory-mapped data in batches without holding it all.
"""
