// The TF Playground's palette: orange for negative (class 0), a light grey for 0, blue for positive (class 1);
// more classes get the further colours in CLASS_COLORS.
export const NEG = [245, 147, 34], MID = [232, 234, 235], POS = [8, 119, 189];
export const CLASS_COLORS = [NEG, POS, [44, 160, 44], [148, 103, 189], [214, 39, 40], [140, 86, 75],
  [227, 119, 194], [23, 190, 207]];

const mix = (a, b, t) => [0, 1, 2].map(i => Math.round(a[i] + (b[i] - a[i]) * t));

// A value in [-1, 1] as [r, g, b].
export function signed(v) {
  v = Math.max(-1, Math.min(1, v));
  return v < 0 ? mix(MID, NEG, -v) : mix(MID, POS, v);
}

// A byte of the server's encoding, round((v + 1) * 127.5), back to v.
export const unbyte = b => b / 127.5 - 1;

export const css = rgb => `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;

// Base64 (the server's pictures) to bytes.
export function bytes(text) {
  const raw = atob(text), out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

// Paint an n x n grid of colours ([r, g, b] per cell, from colorAt(i)) into a canvas of any size.
export function paintGrid(canvas, n, colorAt) {
  const scratch = paintGrid.scratch || (paintGrid.scratch = document.createElement("canvas"));
  scratch.width = scratch.height = n;
  const sctx = scratch.getContext("2d"), image = sctx.createImageData(n, n);
  for (let i = 0; i < n * n; i++) {
    const c = colorAt(i);
    image.data.set([c[0], c[1], c[2], 255], 4 * i);
  }
  sctx.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}
