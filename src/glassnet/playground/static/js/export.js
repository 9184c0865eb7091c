// Downloads: the server's exports (model file, Python code) and a PNG of the current view, drawn on one canvas.
export function download(blob, filename) {
  const url = URL.createObjectURL(blob), a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function downloadBase64(text, filename, mime) {
  const raw = atob(text), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  download(new Blob([out], { type: mime }), filename);
}

// The view as one picture: a header line, the network, the heatmap(s) and the loss chart.
export function viewPng({ title, lines, network, heatmaps, chart }) {
  const pad = 16, netW = network ? network.links.width : 0, netH = network ? network.links.height : 0;
  const mapW = heatmaps.reduce((w, c) => w + c.width + pad, 0);
  const chartW = chart ? chart.width / devicePixelRatio : 0, chartH = chart ? chart.height / devicePixelRatio : 0;
  const width = Math.max(netW + mapW + 3 * pad, chartW + 2 * pad, 600);
  const top = 30 + 16 * lines.length;
  const height = top + Math.max(netH, heatmaps.length ? heatmaps[0].height : 0) + chartH + 3 * pad;
  const canvas = Object.assign(document.createElement("canvas"), { width, height });
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#222";
  ctx.font = "bold 16px sans-serif";
  ctx.fillText(title, pad, 22);
  ctx.font = "12px sans-serif";
  lines.forEach((line, i) => ctx.fillText(line, pad, 40 + 16 * i));
  if (network) network.drawInto(ctx, pad, top);
  let x = netW + 2 * pad;
  for (const map of heatmaps) {
    ctx.drawImage(map, x, top);
    x += map.width + pad;
  }
  if (chart) ctx.drawImage(chart, pad, top + Math.max(netH, heatmaps.length ? heatmaps[0].height : 0) + pad,
    chartW, chartH);
  return new Promise(resolve => canvas.toBlob(resolve, "image/png"));
}
