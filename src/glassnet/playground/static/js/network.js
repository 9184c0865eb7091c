// The network drawn as the TF Playground draws it: a column of input features, one column per hidden layer (each
// neuron a thumbnail of its output over the plane), the output; every weight a line whose width is |w| and whose
// colour is its sign. Each layer's head holds its own controls: neurons, its penalty, its dropout.
import { CLASS_COLORS, bytes, css, paintGrid, signed, unbyte } from "./colors.js";

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};
const tid = (node, id) => { node.setAttribute("data-testid", id); return node; };

export class NetworkView {
  constructor(root, onChange) {
    this.root = root;
    this.links = root.querySelector("canvas.links");
    this.layersEl = root.querySelector(".layers");
    this.onChange = onChange;
    this.columns = [];   // per column: list of {canvas, box}
    this.weights = null;
    new ResizeObserver(() => this.layout()).observe(root);
  }

  // Rebuild the columns for these settings and data (the page calls this when the network is new).
  build(settings, data, limits) {
    this.settings = settings;
    this.data = data;
    this.layersEl.replaceChildren();
    this.columns = [];
    this.layersEl.append(this.featureColumn(settings, data, limits));
    const specs = settings.layer_regularization.length ? settings.layer_regularization
      : Array(settings.hidden.length + 1).fill("global");
    settings.hidden.forEach((units, i) => this.layersEl.append(this.hiddenColumn(i, units, specs[i], limits)));
    this.layersEl.append(this.outputColumn(data, specs[specs.length - 1]));
    requestAnimationFrame(() => this.layout());
  }

  featureColumn(settings, data, limits) {
    const column = el("div", { className: "column" }, el("div", { className: "head" }, "Features",
      el("br"), el("span", { className: "note" }, "click to use")));
    const boxes = [];
    for (const name of limits.features) {
      const on = settings.features.includes(name);
      const canvas = el("canvas", { width: data.thumbnail, height: data.thumbnail });
      const box = tid(el("div", { className: `neuron feature${on ? " on" : ""}`, title: name }, canvas), `feature-${name}`);
      box.addEventListener("click", () => {
        const features = on ? settings.features.filter(f => f !== name) : [...settings.features, name];
        this.onChange({ features });
      });
      const input = data.inputs.find(f => f.name === name);
      if (input) {
        const values = bytes(input.thumbnail);
        paintGrid(canvas, data.thumbnail, i => signed(unbyte(values[i])));
      }
      boxes.push({ box, canvas, name, on });
      column.append(el("div", { className: "feature-row" }, el("span", { className: "feature-label" },
        LABELS[name] || name), box));
    }
    this.columns.push(boxes.filter(b => b.on).sort((a, b) => settings.features.indexOf(a.name) -
      settings.features.indexOf(b.name)));
    return column;
  }

  penaltyControls(key, spec) {
    const [kind, strength] = spec === "global" ? ["global", ""] : spec.split(":");
    const select = tid(el("select", { title: "this layer's kernel penalty" },
      ...["global", "l1", "l2"].map(v => el("option", { value: v, textContent: v === "global" ? "global" : v.toUpperCase() }))),
    `layer-reg-${key}`);
    select.value = kind;
    const input = tid(el("input", { value: strength, placeholder: "rate", title: "this layer's own rate (Keras factor)",
      inputMode: "decimal", disabled: kind === "global" }), `layer-lambda-${key}`);
    const send = () => {
      const specs = this.settings.layer_regularization.length ? [...this.settings.layer_regularization]
        : Array(this.settings.hidden.length + 1).fill("global");
      const index = key === "output" ? specs.length - 1 : Number(key) - 1;
      specs[index] = select.value === "global" ? "global" : `${select.value}:${input.value.trim() || "0.01"}`;
      this.onChange({ layer_regularization: specs });
    };
    select.addEventListener("change", send);
    input.addEventListener("change", send);
    return [select, input];
  }

  hiddenColumn(i, units, spec, limits) {
    const key = String(i + 1), s = this.settings;
    const change = delta => {
      const hidden = [...s.hidden];
      hidden[i] = Math.max(1, Math.min(limits.max_neurons, hidden[i] + delta));
      this.onChange({ hidden });
    };
    const plus = tid(el("button", { textContent: "+", title: "add a neuron" }), `add-neuron-${key}`);
    const minus = tid(el("button", { textContent: "−", title: "remove a neuron" }), `remove-neuron-${key}`);
    plus.addEventListener("click", () => change(1));
    minus.addEventListener("click", () => change(-1));
    const rates = s.dropout.length ? s.dropout : Array(s.hidden.length).fill(0);
    const dropout = tid(el("input", { value: String(rates[i]), title: "dropout rate after this layer", inputMode: "decimal" }),
      `dropout-${key}`);
    dropout.addEventListener("change", () => {
      const next = [...rates];
      next[i] = dropout.value.trim() || "0";
      this.onChange({ dropout: next });
    });
    const head = el("div", { className: "head" }, el("div", { className: "units" }, plus, minus),
      tid(el("span", { textContent: `${units} neurons` }), `layer-units-${key}`), el("br"),
      ...this.penaltyControls(key, spec), el("br"), "dropout", dropout);
    const column = el("div", { className: "column" }, head);
    const boxes = [];
    for (let u = 0; u < units; u++) {
      const canvas = el("canvas", { width: this.data.thumbnail, height: this.data.thumbnail });
      const box = tid(el("div", { className: "neuron", title: `hidden_${key}, neuron ${u + 1}` }, canvas),
        `neuron-${key}-${u + 1}`);
      boxes.push({ box, canvas });
      column.append(box);
    }
    this.columns.push(boxes);
    return column;
  }

  outputColumn(data, spec) {
    const head = el("div", { className: "head" }, "Output", el("br"), ...this.penaltyControls("output", spec));
    const column = el("div", { className: "column" }, head);
    const units = data.n_classes > 2 ? data.n_classes : 1, boxes = [];
    for (let u = 0; u < units; u++) {
      const canvas = el("canvas", { width: 1, height: 1 });
      if (units > 1) paintGrid(canvas, 1, () => CLASS_COLORS[u]);
      const box = tid(el("div", { className: "neuron", title: units > 1 ? `class ${u}` : "output" }, canvas), `output-${u}`);
      boxes.push({ box, canvas, output: true });
      column.append(box);
    }
    this.columns.push(boxes);
    return column;
  }

  // Thumbnails and weights of the newest picture.
  update(picture, heatmapCanvas) {
    picture.neurons.forEach((layer, l) => layer.forEach((thumb, u) => {
      const target = this.columns[l + 1] && this.columns[l + 1][u];
      if (!target) return;
      const values = bytes(thumb);
      paintGrid(target.canvas, this.data.thumbnail, i => signed(unbyte(values[i])));
    }));
    const out = this.columns[this.columns.length - 1];
    if (out.length === 1 && heatmapCanvas) {
      const ctx = out[0].canvas;
      ctx.width = ctx.height = 36;
      ctx.getContext("2d").drawImage(heatmapCanvas, 0, 0, 36, 36);
    }
    this.weights = picture.weights;
    this.drawLinks();
  }

  // Where each neuron's centre is, relative to the network box; then the lines.
  layout() {
    const origin = this.layersEl.getBoundingClientRect();
    this.centres = this.columns.map(boxes => boxes.map(({ box }) => {
      const r = box.getBoundingClientRect();
      return [r.left - origin.left + r.width / 2, r.top - origin.top + r.height / 2, r.width / 2];
    }));
    this.links.width = this.layersEl.scrollWidth;
    this.links.height = this.layersEl.scrollHeight;
    this.drawLinks();
  }

  drawLinks(ctx = this.links.getContext("2d"), dx = 0, dy = 0) {
    if (ctx.canvas === this.links) ctx.clearRect(0, 0, this.links.width, this.links.height);
    if (!this.weights || !this.centres) return;
    this.weights.forEach((layer, l) => {
      const from = this.centres[l], to = this.centres[l + 1];
      if (!from || !to) return;
      layer.kernel.forEach((row, a) => row.forEach((w, b) => {
        if (!from[a] || !to[b]) return;
        const [x0, y0, r0] = from[a], [x1, y1, r1] = to[b], xm = (x0 + x1) / 2;
        ctx.beginPath();
        ctx.moveTo(dx + x0 + r0, dy + y0);
        ctx.bezierCurveTo(dx + xm, dy + y0, dx + xm, dy + y1, dx + x1 - r1, dy + y1);
        ctx.lineWidth = 0.5 + 6 * Math.min(Math.abs(w) / 3, 1);
        ctx.strokeStyle = css(signed(Math.max(-1, Math.min(1, w))));
        ctx.stroke();
      }));
    });
  }

  // The whole network into a 2-D context at (x, y), for the PNG export.
  drawInto(ctx, x, y) {
    this.drawLinks(ctx, x, y);
    this.columns.forEach((boxes, c) => boxes.forEach(({ canvas }, i) => {
      const [cx, cy, r] = this.centres[c][i];
      ctx.drawImage(canvas, x + cx - r, y + cy - r, 2 * r, 2 * r);
      ctx.strokeStyle = "#999";
      ctx.strokeRect(x + cx - r, y + cy - r, 2 * r, 2 * r);
    }));
  }
}

const LABELS = { x1: "X₁", x2: "X₂", x1sq: "X₁²", x2sq: "X₂²", x1x2: "X₁X₂", sinx1: "sin(X₁)", sinx2: "sin(X₂)" };
