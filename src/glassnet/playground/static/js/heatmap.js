// The decision heatmap of one network's output over the plane, with the data points on top.
import { CLASS_COLORS, MID, bytes, css, paintGrid, signed, unbyte } from "./colors.js";

const mix = (a, b, t) => [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * t));

// The colour of a point's label: its class, or its regression value on the signed scale.
export function labelColor(data, label) {
  if (!data.n_classes) return signed(label / (data.output.scale || 1));
  return CLASS_COLORS[label] || CLASS_COLORS[0];
}

export function drawHeatmap(canvas, heatmap, data, view) {
  const n = data.grid, classify = data.n_classes > 0;
  if (heatmap.values) {
    const values = bytes(heatmap.values);
    paintGrid(canvas, n, i => {
      let v = unbyte(values[i]);
      if (view.discretize && classify) v = v >= 0 ? 1 : -1;
      return signed(v * 0.8);  // a lighter shade than the points, as on the Playground
    });
  } else {
    const classes = bytes(heatmap.classes), confidence = bytes(heatmap.confidence), k = data.n_classes;
    paintGrid(canvas, n, i => {
      const t = view.discretize ? 1 : Math.max(0, (confidence[i] / 255 - 1 / k) / (1 - 1 / k));
      return mix(MID, CLASS_COLORS[classes[i]] || MID, 0.8 * t);
    });
  }
  drawPoints(canvas, data, view);
}

export function drawPoints(canvas, data, view) {
  const ctx = canvas.getContext("2d"), [x0, x1, y0, y1] = data.extent;
  const w = canvas.width, h = canvas.height, r = Math.max(2, w / 100);
  const last = view.show_test ? data.points.length : data.n_train;
  for (let i = 0; i < last; i++) {
    const [x, y] = data.points[i];
    ctx.beginPath();
    ctx.arc((x - x0) / (x1 - x0) * w, (y1 - y) / (y1 - y0) * h, r, 0, 2 * Math.PI);
    ctx.fillStyle = css(labelColor(data, data.labels[i]));
    ctx.fill();
    ctx.lineWidth = 1;
    ctx.strokeStyle = i < data.n_train ? "#fff" : "#000";
    ctx.stroke();
  }
}
