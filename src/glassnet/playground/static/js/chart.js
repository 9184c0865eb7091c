// The loss curves, split: the data loss and each layer's penalty stacked up to the total (History's numbers),
// the test data loss, and in twin mode the twin's total and data loss.
const MAX_POINTS = 2000;
const TERM_COLORS = ["#f59322", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"];

// One network's logs as the page keeps them: the newest epoch's exact values, and curves thinned to every
// stride-th epoch (the same epochs for both twins, so their curves line up).
export class Series {
  constructor() {
    this.stride = 1;
    this.epochs = [];
    this.columns = new Map();  // key -> values (penalty terms appear and disappear as λ and placement change)
    this.last = null;
    this.lastEpoch = 0;
  }

  add(blocks) {
    for (const block of blocks) {
      block.epochs.forEach((epoch, r) => {
        const logs = {};
        block.keys.forEach((key, i) => { logs[key] = block.values[r][i]; });
        this.last = logs;
        this.lastEpoch = epoch;
        if (epoch % this.stride === 0) this.push(epoch, logs);
      });
    }
    if (this.epochs.length > MAX_POINTS) this.thin();
  }

  push(epoch, logs) {
    const n = this.epochs.length;
    this.epochs.push(epoch);
    for (const key of Object.keys(logs)) {
      if (!this.columns.has(key)) this.columns.set(key, Array(n).fill(key.startsWith("penalty/") ? 0 : null));
    }
    for (const [key, values] of this.columns) values.push(key in logs ? logs[key] : (key.startsWith("penalty/") ? 0 : null));
  }

  thin() {
    this.stride *= 2;
    const keep = this.epochs.map(e => e % this.stride === 0);
    this.epochs = this.epochs.filter((_, i) => keep[i]);
    for (const [key, values] of this.columns) this.columns.set(key, values.filter((_, i) => keep[i]));
  }

  terms() {
    return [...this.columns.keys()].filter(k => k.startsWith("penalty/"));
  }

  column(key) { return this.columns.get(key) || this.epochs.map(() => null); }

  // Values at the given epochs (another series' x axis); null where this one has none.
  at(key, epochs) {
    const index = new Map(this.epochs.map((e, i) => [e, i])), values = this.column(key);
    return epochs.map(e => (index.has(e) ? values[index.get(e)] : null));
  }
}

export class LossChart {
  constructor(root) {
    this.root = root;
    this.plot = null;
    this.signature = "";
    new ResizeObserver(() => this.plot && this.plot.setSize({ width: this.width(), height: 180 })).observe(root);
  }

  width() { return Math.max(240, this.root.clientWidth); }

  reset() {
    if (this.plot) this.plot.destroy();
    this.plot = null;
    this.signature = "";
  }

  build(terms, twin) {
    this.reset();
    // The legend shows the hovered epoch, else the newest; a stacked series its own term, not the running sum.
    const pick = (u, i) => (i == null ? u.data[0].length - 1 : i);
    const own = (u, v, s, i) => {
      const value = this.raw && this.raw[s - 1] ? this.raw[s - 1][pick(u, i)] : null;
      return value == null ? "–" : value.toPrecision(4);
    };
    const plain = (u, v, s, i) => {
      const value = u.data[s][pick(u, i)];
      return value == null ? "–" : value.toPrecision(4);
    };
    const series = [{ label: "epoch", value: (u, v, s, i) => String(u.data[0][pick(u, i)] ?? "–") }];
    [...terms].reverse().forEach((key, j) => {
      const color = TERM_COLORS[(terms.length - 1 - j) % TERM_COLORS.length];
      series.push({ label: key.replace("penalty/", "").replace("/kernel", " penalty"), stroke: color,
        fill: `${color}88`, width: 1, value: own });
    });
    series.push({ label: "data loss", stroke: "#6f93a8", fill: "#cfe0ea", width: 1, value: own });
    series.push({ label: "total", stroke: "#222", width: 2, value: plain });
    series.push({ label: "test (data)", stroke: "#2ca02c", width: 1.5, dash: [5, 4], value: plain });
    if (twin) {
      series.push({ label: "twin total", stroke: "#777", width: 1.5, dash: [8, 4], value: plain });
      series.push({ label: "twin data", stroke: "#aaa", width: 1.5, dash: [2, 3], value: plain });
    }
    this.plot = new uPlot({
      width: this.width(), height: 180, series,
      scales: { x: { time: false }, y: { range: (u, min, max) => [0, (max || 1) * 1.05] } },
      axes: [{ size: 30 }, { size: 48 }], legend: { live: true }, cursor: { drag: { x: false, y: false } },
    }, [[]], this.root);
  }

  render(a, b) {
    const terms = a.terms(), signature = `${terms.join("|")}|${b ? "twin" : ""}`;
    if (signature !== this.signature) {
      this.build(terms, Boolean(b));
      this.signature = signature;
    }
    const x = a.epochs, stack = [], raw = [];
    let running = a.column("data_loss").map(v => v ?? 0);
    const layers = [running];
    for (const key of terms) {
      const term = a.column(key);
      running = running.map((v, i) => v + (term[i] ?? 0));
      layers.push(running);
    }
    layers.reverse().forEach(values => stack.push(values));
    [...terms].reverse().forEach(key => raw.push(a.column(key)));
    raw.push(a.column("data_loss"));
    this.raw = raw;
    const data = [x, ...stack, a.column("loss"), a.column("val_data_loss")];
    if (b) data.push(b.at("loss", x), b.at("data_loss", x));
    this.plot.setData(data);
  }

  canvas() { return this.plot ? this.plot.ctx.canvas : null; }
}
