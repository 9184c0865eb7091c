// The penalty panel: model.explain per layer, live; and the global rate in every convention.
const fmt = v => (v == null ? "–" : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2)
  : v.toPrecision(4));

const CONVENTIONS = [["keras", "Keras l2"], ["lecture", "lecture λ (m)"], ["torch", "PyTorch weight_decay"],
  ["sklearn", "scikit-learn α (B)"], ["playground", "Playground L2 rate"]];

const cell = (row, text, id, title) => {
  const td = document.createElement("td");
  td.textContent = text;
  if (id) td.setAttribute("data-testid", id);
  if (title) td.title = title;
  row.append(td);
  return td;
};

export function renderPanel(table, rows, twinRows, context) {
  const head = ["layer", "penalty (from)", "‖W‖", "‖∇ data‖", "‖∇ penalty‖", "cos(data, penalty)",
    "shrink per step", "‖Δ data‖", "‖Δ penalty‖", ...CONVENTIONS.map(c => c[1])];
  if (twinRows) head.splice(3, 0, "twin ‖W‖");
  const header = document.createElement("tr");
  for (const name of head) header.append(Object.assign(document.createElement("th"), { textContent: name }));
  const body = [header];
  rows.forEach((r, i) => {
    const tr = document.createElement("tr");
    cell(tr, r.layer);
    cell(tr, r.regularizer ? `${r.regularizer} (${r.source})` : "none", `panel-${r.layer}-penalty`);
    cell(tr, fmt(r.norm), `panel-${r.layer}-norm`).dataset.value = String(r.norm);
    if (twinRows) cell(tr, fmt(twinRows[i] && twinRows[i].norm), `panel-${r.layer}-twin-norm`);
    cell(tr, fmt(r.grad_data), `panel-${r.layer}-grad-data`);
    cell(tr, fmt(r.grad_penalty), `panel-${r.layer}-grad-penalty`);
    cell(tr, fmt(r.cosine), `panel-${r.layer}-cosine`, "cosine of the angle between the data and penalty gradients");
    cell(tr, r.shrink == null ? "–" : r.shrink.toPrecision(6), `panel-${r.layer}-shrink`,
      "w ← factor·w from the penalty alone, each SGD step (plain SGD with L2 only)");
    cell(tr, fmt(r.step_data), `panel-${r.layer}-step-data`, "the next update's data part");
    cell(tr, fmt(r.step_penalty), `panel-${r.layer}-step-penalty`, "the next update's penalty part");
    for (const [key] of CONVENTIONS) {
      const value = r.strengths ? r.strengths[key] : null;
      const td = cell(tr, r.strengths ? (value == null ? "n/a" : fmt(value)) : "–", `panel-${r.layer}-${key}`);
      if (r.strengths && value == null) {
        td.className = "na";
        td.title = context.playground_reason || "no counterpart for this loss";
      }
    }
    body.push(tr);
  });
  table.replaceChildren(...body);
}

export function renderConventions(table, note, conventions, settings) {
  const header = document.createElement("tr"), values = document.createElement("tr");
  for (const [, label] of CONVENTIONS) header.append(Object.assign(document.createElement("th"), { textContent: label }));
  const t = conventions.table;
  for (const [key] of CONVENTIONS) {
    const value = t ? t.values[key] : null;
    const td = cell(values, !t ? "–" : value == null ? "n/a" : fmt(value), `convention-${key}`);
    if (t && value == null) td.className = "na";
  }
  table.replaceChildren(header, values);
  const loss = conventions.loss.replace(/_/g, " ");
  const parts = [`m = ${conventions.m} training rows, B = ${conventions.batch_size}, data loss: ${loss}.`];
  if (!t) parts.push(settings.regularization === "l1" ? "The conversions are for L2 strengths only."
    : "Choose L2 to see the rate in every convention.");
  else if (conventions.playground_reason) parts.push(`Playground n/a: ${conventions.playground_reason.replace(/\.$/, "")}.`);
  note.textContent = parts.join(" ");
  note.setAttribute("title", "glassnet.regularizers.strength_table(λ, 'keras', n_samples=m, batch_size=B, loss=...)");
}
