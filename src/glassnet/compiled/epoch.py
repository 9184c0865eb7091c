"""The compiled training epoch: glassnet's ``train_step`` for every batch of a shuffled order, in one call.

For each batch of rows ``order[start:start + B]`` (the last one may be partial), exactly as the NumPy path:

1. gather x, y (and the sample weights) of those rows;
2. forward through the Dense layers (:mod:`.dense`);
3. the loss parts, on the weights before the update: the data loss L = (Σᵢ sᵢ·ℓᵢ)/B (float64) and each
   regularized weight's penalty value (:mod:`.losses`, :mod:`.regression`, :mod:`.regularizers`);
4. backward: ∂ℓᵢ/∂output·sᵢ/B (from the logits when the output activation is fused into its cross-entropy)
   down through every layer into the flat ``data`` buffer; each regularized weight's penalty gradient into the
   flat ``penalty`` buffer; ``total = data + penalty``;
5. the optimizer step on the flat θ with the step's learning rate (:mod:`.optimizers`).

State is glassnet's flat layout (``glassnet.parameters``): θ, ``data``, ``penalty``, ``total`` of P entries, each
trainable weight a contiguous slice in ``model.trainable_weights`` order, a kernel (in, units) in C order. The
arrays are changed in place; the per-batch loss parts are written to ``losses`` and ``penalties``.

The configuration comes as small arrays made by :mod:`.plan` (column indices below).
"""

from __future__ import annotations

import numpy as np

from . import dense, losses, optimizers, regression, regularizers
from .calls import jit, jit_allocating, like, matrix

# Columns of the per-layer int64 table.
N_IN, UNITS, KERNEL, BIAS, ACTIVATION = range(5)
LAYER_COLUMNS = 5
# Columns of the per-weight int64 table (weights in θ order) and of its constants table (in the dtype).
OFFSET, SIZE, REGULARIZER, HAS_L1, HAS_L2, DECAYS = range(6)
WEIGHT_COLUMNS = 6
L1, L2, TWO_L2 = range(3)
# The loss's int64 settings.
LOSS_KIND, FUSED, FROM_LOGITS, OUTPUTS = range(4)
# Status codes returned with the step count.
DONE, NONFINITE_BEFORE_UPDATE, NONFINITE_AFTER_UPDATE = 0, 1, 2
# What a run does with each batch: whole training steps; steps 1–4 (to the gradient buffers, for step observers);
# step 5 alone (from the buffers); steps 1–3 (evaluation).
STEPS, GRADIENTS, UPDATE, EVALUATE = 0, 1, 2, 3
# How a run guards: not at all; a loss or gradient not finite stops it before the update; and an update that
# makes θ or a slot non-finite is undone.
UNGUARDED, BEFORE_UPDATE, UNDO = 0, 1, 2


@jit
def _finite(array, n):
    """Whether ``array[:n]`` (1-D, contiguous) holds no NaN or ±inf: no item has an exponent of all ones. The
    items' bits are tested as integers, which compiles to vector instructions (a float test per item would stop
    at the first non-finite one, and cannot)."""
    bad = 0
    if array.itemsize == 4:
        bits32 = array[:n].view(np.uint32)
        for i in range(n):
            bad |= (bits32[i] & np.uint32(0x7F800000)) == np.uint32(0x7F800000)
    else:
        bits64 = array[:n].view(np.uint64)
        for i in range(n):
            bad |= (bits64[i] & np.uint64(0x7FF0000000000000)) == np.uint64(0x7FF0000000000000)
    return bad == 0


@jit_allocating
def run(native, x, y, labels, sample_weight, order, batch_size, first_batch, stop_batch,
        theta, data, penalty, total, slots, slot_index, layer_table, weight_table, weight_constants,
        loss_settings, loss_constants, optimizer_settings, optimizer_constants, clip_setting, learning_rates,
        iterations, guard, stage, losses_out, penalties_out, outputs_out):
    """Run batches ``first_batch`` … ``stop_batch − 1`` of the epoch whose row order is ``order``.

    ``learning_rates[s]`` (the dtype) is the rate of batch ``first_batch + s``; ``losses_out[s]`` receives its
    data loss, ``penalties_out[s, w]`` the penalty value of weight w (θ order; 0 for unregularized weights) and,
    when ``outputs_out`` has rows, ``outputs_out[start + i]`` the output for row ``order[start + i]``.
    ``slots`` is the optimizer's slot block and ``slot_index`` the row of each slot the algorithm reads.
    ``stage`` says which steps run (STEPS, GRADIENTS, UPDATE, EVALUATE) and ``guard`` how the run stops:
    BEFORE_UPDATE, when a step's loss or gradient is not finite (before anything changes); UNDO, also when the
    update makes θ or a slot non-finite (the update undone). Returns (batches done, the optimizer's step count,
    status).
    """
    n_layers = layer_table.shape[0]
    n_weights = weight_table.shape[0]
    k_out = loss_settings[OUTPUTS]
    widest, largest = x.shape[1], 1
    for layer in range(n_layers):
        widest = max(widest, layer_table[layer, UNITS])
    for w in range(n_weights):
        largest = max(largest, weight_table[w, SIZE])
    cap = batch_size
    span = max(cap * widest, largest)
    # Per layer: z, a (the same buffer for linear), the incoming gradient ∂L/∂a and dz; then scratch.
    zs = np.empty((n_layers, cap * widest), theta.dtype)
    acts = np.empty((n_layers, cap * widest), theta.dtype)
    grads = np.empty((n_layers, cap * widest), theta.dtype)
    dzs = np.empty((n_layers, cap * widest), theta.dtype)
    xb = np.empty(cap * x.shape[1], theta.dtype)
    yb = np.empty(cap * max(k_out, 1), theta.dtype)
    lb = np.zeros(cap, np.int64)
    wb = np.empty(cap, theta.dtype)
    sample = np.empty(cap, theta.dtype)
    t1, t2, t3, t4 = (np.empty(span, theta.dtype), np.empty(span, theta.dtype), np.empty(span, theta.dtype),
                      np.empty(span, theta.dtype))
    r1, r2, r3, r4 = (np.empty(cap, theta.dtype), np.empty(cap, theta.dtype), np.empty(cap, theta.dtype),
                      np.empty(cap, theta.dtype))
    zero = np.zeros(1, theta.dtype)
    offsets, sizes = weight_table[:, OFFSET].copy(), weight_table[:, SIZE].copy()
    decays = weight_table[:, DECAYS].copy()
    buffers = ((zs, acts, grads, dzs), (xb, yb, lb, wb, sample), (t1, t2, t3, t4), (r1, r2, r3, r4), zero,
               (offsets, sizes, decays))
    if guard != UNDO:
        return _batches(native, x, y, labels, sample_weight, order, batch_size, first_batch, stop_batch,
                        theta, data, penalty, total, slots, slot_index, layer_table, weight_table, weight_constants,
                        loss_settings, loss_constants, optimizer_settings, optimizer_constants, clip_setting,
                        learning_rates, iterations, guard, stage, losses_out, penalties_out, outputs_out, buffers)
    # UNDO: one backup for the run, not one a step (a copy of θ and the slots: ~6% of a step of S). When an update
    # makes θ or a slot non-finite, the run's start is put back and its good steps are run again — the same
    # arithmetic on the same rows, so the same bits — which leaves the state as it was before the refused step.
    backup_theta, backup_slots = theta.copy(), slots.copy()
    done, after, status = _batches(
        native, x, y, labels, sample_weight, order, batch_size, first_batch, stop_batch, theta, data, penalty,
        total, slots, slot_index, layer_table, weight_table, weight_constants, loss_settings, loss_constants,
        optimizer_settings, optimizer_constants, clip_setting, learning_rates, iterations, guard, stage,
        losses_out, penalties_out, outputs_out, buffers)
    if status != NONFINITE_AFTER_UPDATE:
        return done, after, status
    theta[:] = backup_theta
    slots[:] = backup_slots
    return _batches(native, x, y, labels, sample_weight, order, batch_size, first_batch, first_batch + done,
                    theta, data, penalty, total, slots, slot_index, layer_table, weight_table, weight_constants,
                    loss_settings, loss_constants, optimizer_settings, optimizer_constants, clip_setting,
                    learning_rates, iterations, UNGUARDED, stage, losses_out, penalties_out, outputs_out,
                    buffers)[0], iterations + done, status


@jit
def _batches(native, x, y, labels, sample_weight, order, batch_size, first_batch, stop_batch,
             theta, data, penalty, total, slots, slot_index, layer_table, weight_table, weight_constants,
             loss_settings, loss_constants, optimizer_settings, optimizer_constants, clip_setting,
             learning_rates, iterations, guard, stage, losses_out, penalties_out, outputs_out,
             buffers):
    """:func:`run`'s batches in the buffers it allocated (compiled, as every function it calls, without
    reference counting: see :func:`glassnet.compiled.calls.jit`). With UNDO, a step whose update
    makes θ or a slot non-finite ends the run *after* that update; :func:`run` puts the state back."""
    layers, batch_buffers, scratch, rows, zero, weights = buffers
    zs, acts, grads, dzs = layers
    xb, yb, lb, wb, sample = batch_buffers
    t1, t2, t3, t4 = scratch
    r1, r2, r3, r4 = rows
    offsets, sizes, decays = weights
    n_rows = order.shape[0]
    n_layers = layer_table.shape[0]
    n_weights = weight_table.shape[0]
    k_out = loss_settings[OUTPUTS]
    kind, fused, from_logits = loss_settings[LOSS_KIND], loss_settings[FUSED], loss_settings[FROM_LOGITS]
    use_weights = sample_weight.shape[0] > 0
    undo = guard == UNDO
    n_features = x.shape[1]
    done = 0
    for batch in range(first_batch, stop_batch):
        if stage == UPDATE:  # the gradient buffers hold this step's parts already
            for i in range(theta.shape[0]):
                total[i] = data[i] + penalty[i]
            iterations = optimizers.step(native, optimizer_settings, optimizer_constants, clip_setting, theta,
                                         total, slots, slot_index, offsets, sizes, decays,
                                         learning_rates[batch - first_batch], iterations, t1)
            done += 1
            continue
        start = batch * batch_size
        b = min(batch_size, n_rows - start)
        # 1. the batch's rows
        h = matrix(xb[:b * n_features], b, n_features)
        for i in range(b):
            row = order[start + i]
            for j in range(n_features):
                h[i, j] = x[row, j]
            if kind == losses.SPARSE:
                lb[i] = labels[row]
            else:
                for j in range(k_out):
                    yb[i * k_out + j] = y[row, j]
            if use_weights:
                wb[i] = sample_weight[row]
        # 2. forward
        for layer in range(n_layers):
            units, activation = layer_table[layer, UNITS], layer_table[layer, ACTIVATION]
            n_in = layer_table[layer, N_IN]
            kw, bw = layer_table[layer, KERNEL], layer_table[layer, BIAS]
            ko = weight_table[kw, OFFSET]
            kernel = matrix(theta[ko:ko + n_in * units], n_in, units)
            bo = weight_table[bw, OFFSET] if bw >= 0 else 0
            bias = theta[bo:bo + units]
            z = matrix(zs[layer, :b * units], b, units)
            a = matrix((zs if activation == dense.LINEAR else acts)[layer, :b * units], b, units)
            dense.forward(native, h, kernel, bias, bw >= 0, activation, z, a, t1, t2, r1)
            h = a
        output = h
        last_z = matrix(zs[n_layers - 1, :b * k_out], b, k_out)
        # 3. the loss parts
        logits = fused or from_logits
        scores = last_z if fused else output
        yv = matrix(yb[:b * k_out], b, k_out)
        if kind >= regression.MSE:
            regression.sample_losses(kind, output, yv, loss_constants, sample, t1)
        else:
            losses.sample_losses(native, kind, logits, scores, yv, lb, sample, t1, t2, t3, t4, r1, r2, r3, r4,
                                 zero)
        loss = losses.data_loss(sample, wb, use_weights, b)
        losses_out[batch - first_batch] = loss
        penalty_sum = 0.0
        for w in range(n_weights):
            value = like(theta, 0)
            if weight_table[w, REGULARIZER] != regularizers.NONE:
                o, s = weight_table[w, OFFSET], weight_table[w, SIZE]
                value = regularizers.penalty(native, weight_table[w, REGULARIZER], weight_table[w, HAS_L1],
                                             weight_table[w, HAS_L2], weight_constants[w, L1],
                                             weight_constants[w, L2], theta[o:o + s], t1)
            penalties_out[batch - first_batch, w] = value
            penalty_sum += float(value)
        if outputs_out.shape[0] > 0:
            for i in range(b):
                for j in range(k_out):
                    outputs_out[start + i, j] = output[i, j]
        if stage == EVALUATE:
            done += 1
            continue
        # 4. backward: the data pass, then the weight penalties, then the total
        last = n_layers - 1
        g = matrix(grads[last, :b * k_out], b, k_out)
        if kind >= regression.MSE:
            regression.sample_gradients(kind, output, yv, loss_constants, g)
        else:
            losses.sample_gradients(native, kind, fused, logits, output, yv, lb, g, t1, t2, r1)
        losses.scale_gradient(g, wb, use_weights)
        for layer in range(last, -1, -1):
            units, activation = layer_table[layer, UNITS], layer_table[layer, ACTIVATION]
            n_in = layer_table[layer, N_IN]
            kw, bw = layer_table[layer, KERNEL], layer_table[layer, BIAS]
            ko = weight_table[kw, OFFSET]
            kernel = matrix(theta[ko:ko + n_in * units], n_in, units)
            d_kernel = matrix(data[ko:ko + n_in * units], n_in, units)
            bo = weight_table[bw, OFFSET] if bw >= 0 else 0
            d_bias = data[bo:bo + units]
            z = matrix(zs[layer, :b * units], b, units)
            a = matrix((zs if activation == dense.LINEAR else acts)[layer, :b * units], b, units)
            g = matrix(grads[layer, :b * units], b, units)
            if activation == dense.LINEAR or (fused and layer == last):
                dz = g
            else:
                dz = matrix(dzs[layer, :b * units], b, units)
                dense.activation_backward(activation, z, a, g, dz, t1, r1)
            if layer > 0:
                below = layer_table[layer - 1, UNITS]
                h = (zs if layer_table[layer - 1, ACTIVATION] == dense.LINEAR else acts)[layer - 1, :b * n_in]
                dh = matrix(grads[layer - 1, :b * below], b, below)
            else:
                h = xb[:b * n_in]
                dh = matrix(grads[0, :0], 0, 0)
            dense.backward(native, matrix(h, b, n_in), kernel, dz, d_kernel, d_bias, bw >= 0, dh, layer > 0)
        for w in range(n_weights):
            if weight_table[w, REGULARIZER] != regularizers.NONE:
                o, s = weight_table[w, OFFSET], weight_table[w, SIZE]
                regularizers.gradient(weight_table[w, REGULARIZER], weight_table[w, HAS_L1],
                                      weight_table[w, HAS_L2], weight_constants[w, L1],
                                      weight_constants[w, TWO_L2], theta[o:o + s], penalty[o:o + s])
        if stage == GRADIENTS:  # the caller looks at the buffers, then asks for the UPDATE
            if guard and not (np.isfinite(loss + penalty_sum) and _finite(data, data.shape[0])
                              and _finite(penalty, penalty.shape[0])):
                return done, iterations, NONFINITE_BEFORE_UPDATE
            done += 1
            continue
        for i in range(theta.shape[0]):
            total[i] = data[i] + penalty[i]
        if guard:
            if not (np.isfinite(loss + penalty_sum) and _finite(total, total.shape[0])):
                return done, iterations, NONFINITE_BEFORE_UPDATE
        # 5. the optimizer step
        iterations = optimizers.step(native, optimizer_settings, optimizer_constants, clip_setting, theta, total,
                                     slots, slot_index, offsets, sizes, decays,
                                     learning_rates[batch - first_batch], iterations, t1)
        if undo:
            healthy = _finite(theta, theta.shape[0])
            for row in range(slots.shape[0]):
                healthy = healthy and _finite(slots[row], slots.shape[1])
            if not healthy:
                return done, iterations, NONFINITE_AFTER_UPDATE
        done += 1
    return done, iterations, DONE
