// The controls: filled from the server's limits, shown from the server's settings, each change sent to the server
// (which checks it; a refused change comes back as one message and the controls return to the last good state).
import { writeHash } from "./state.js";

const $ = id => document.querySelector(`[data-testid="${id}"]`);

const RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const LAMBDAS = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const LABELS = {
  tanh: "Tanh", relu: "ReLU", sigmoid: "Sigmoid", linear: "Linear", none: "None", l1: "L1", l2: "L2",
  cross_entropy: "Cross-entropy", squared_error: "Squared error (Playground)", sgd: "SGD",
  momentum: "SGD + momentum 0.9", adam: "Adam", off: "off", "no-penalty": "without the penalty",
  "hidden-only": "penalty on hidden layers only", "output-only": "penalty on the output only",
  "first-only": "penalty on the first layer only", circle: "Circle", xor: "Exclusive or", gauss: "Gaussian",
  spiral: "Spiral", spiral3: "3 spirals (softmax)", "reg-plane": "Plane", "reg-gauss": "Multi Gaussian",
  data: "Your data", classification: "Classification", regression: "Regression",
};
export const label = value => LABELS[value] || String(value);

function options(select, values, text = label) {
  select.replaceChildren(...values.map(v => Object.assign(document.createElement("option"),
    { value: String(v), textContent: text(v) })));
}

export function fillChoices(app, hello) {
  const l = hello.limits;
  options($("learning-rate"), RATES);
  options($("activation"), l.activations);
  options($("regularization"), l.regularizations);
  document.getElementById("lambda-values").replaceChildren(...LAMBDAS.map(v => Object.assign(document.createElement("option"), { value: v })));
  options($("problem"), ["classification", "regression", ...(hello.user_data ? ["data"] : [])]);
  options($("loss"), l.losses);
  options($("optimizer"), l.optimizers);
  options($("twin"), l.twins);
  options($("speed"), [1, 5, 20, 60, 0], v => (v ? `${v} epochs/s` : "as fast as it goes"));
  app.userData = hello.user_data;
  datasetButtons(app);
}

function datasetButtons(app) {
  const box = $("datasets"), groups = { classification: app.limits.datasets.classification,
    regression: app.limits.datasets.regression };
  if (app.userData) groups["your data"] = ["data"];
  box.replaceChildren();
  for (const [group, names] of Object.entries(groups)) {
    box.append(Object.assign(document.createElement("div"), { className: "group", textContent: group }));
    for (const name of names) {
      const button = Object.assign(document.createElement("button"), { textContent: label(name) });
      button.setAttribute("data-testid", `dataset-${name}`);
      button.dataset.dataset = name;
      box.append(button);
    }
  }
}

const ensureOption = (select, value, text) => {
  if (![...select.options].some(o => o.value === String(value))) {
    select.append(Object.assign(document.createElement("option"), { value: String(value), textContent: text }));
  }
  select.value = String(value);
};

export function renderSettings(app) {
  const s = app.settings;
  ensureOption($("learning-rate"), s.learning_rate, String(s.learning_rate));
  for (const id of ["activation", "regularization", "loss", "optimizer", "twin"]) $(id).value = s[id];
  ensureOption($("speed"), s.speed, `${s.speed} epochs/s`);
  if (s.dataset === "data" && ![...$("problem").options].some(o => o.value === "data")) {
    $("problem").append(Object.assign(document.createElement("option"), { value: "data", textContent: "Your data" }));
    if (!app.userData) { app.userData = "upload"; datasetButtons(app); }
  }
  $("problem").value = s.dataset === "data" ? "data" : app.limits.datasets.regression.includes(s.dataset)
    ? "regression" : "classification";
  $("lambda").value = String(s.lambda);
  $("seed").value = String(s.seed);
  for (const key of ["train_ratio", "noise", "batch_size"]) {
    document.querySelector(`[data-setting="${key}"]`).value = String(s[key]);
    document.querySelector(`[data-show="${key}"]`).textContent = String(s[key]);
  }
  $("layer-count").textContent = String(s.hidden.length);
  for (const button of document.querySelectorAll("[data-dataset]")) {
    button.classList.toggle("active", button.dataset.dataset === s.dataset);
  }
  $("show-test").checked = app.view.show_test;
  $("discretize").checked = app.view.discretize;
  document.querySelectorAll(".twin-only").forEach(node => { node.hidden = s.twin === "off"; });
  $("twin-name").textContent = label(s.twin);
  $("heatmap-twin-caption").textContent = `twin: ${label(s.twin)}`;
  $("heatmap-caption").textContent = s.twin === "off" ? "this network" : "this network (with its penalty)";
  $("data-note").textContent = app.data ? `${app.data.points.length} points: ${app.data.n_train} train, ` +
    `${app.data.points.length - app.data.n_train} test` : "";
}

function layers(s, delta, max) {
  const hidden = [...s.hidden], regs = [...s.layer_regularization], dropout = [...s.dropout];
  if (delta > 0 && hidden.length < max) {
    hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
    if (regs.length) regs.splice(regs.length - 1, 0, "global");
    if (dropout.length) dropout.push(0);
  } else if (delta < 0 && hidden.length) {
    hidden.pop();
    if (regs.length) regs.splice(regs.length - 2, 1);
    if (dropout.length) dropout.pop();
  }
  return { hidden, layer_regularization: regs, dropout };
}

export function wireControls(app, { send, change, redraw, exportPng, showError }) {
  $("play").addEventListener("click", () => {
    app.running = !app.running;
    $("play").textContent = app.running ? "❚❚" : "▶";
    send({ type: "control", action: app.running ? "play" : "pause" });
  });
  $("step").addEventListener("click", () => { app.running = false; send({ type: "control", action: "step" }); });
  $("reset").addEventListener("click", () => send({ type: "control", action: "reset" }));
  $("regenerate").addEventListener("click", () => send({ type: "control", action: "regenerate" }));
  for (const node of document.querySelectorAll("[data-setting]")) {
    node.addEventListener("change", () => {
      const raw = node.value.trim();
      const numeric = ["learning_rate", "speed", "train_ratio", "noise", "batch_size"].includes(node.dataset.setting);
      change({ [node.dataset.setting]: numeric && raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw });
    });
  }
  for (const key of ["train_ratio", "noise", "batch_size"]) {
    const slider = document.querySelector(`[data-setting="${key}"]`);
    slider.addEventListener("input", () => {
      document.querySelector(`[data-show="${key}"]`).textContent = slider.value;
    });
  }
  $("datasets").addEventListener("click", event => {
    const name = event.target.dataset && event.target.dataset.dataset;
    if (name) change({ dataset: name });
  });
  $("problem").addEventListener("change", () => {
    const problem = $("problem").value;
    change({ dataset: problem === "data" ? "data" : app.limits.datasets[problem][0] });
  });
  $("add-layer").addEventListener("click", () => change(layers(app.settings, 1, app.limits.max_hidden_layers)));
  $("remove-layer").addEventListener("click", () => change(layers(app.settings, -1, app.limits.max_hidden_layers)));
  for (const key of ["show_test", "discretize"]) {
    $(key.replace("_", "-")).addEventListener("change", event => {
      app.view[key] = event.target.checked;
      writeHash(app.settings, app.view);
      redraw();
    });
  }
  $("upload").addEventListener("change", async () => {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > app.limits.max_upload_bytes) {  // the server's own limit, said before sending megabytes
      showError(`An uploaded file must be at most ${app.limits.max_upload_bytes / 1024} KiB. ` +
        `Received: ${Math.ceil(file.size / 1024)} KiB`);
      return;
    }
    send({ type: "upload", name: file.name, csv: await file.text(), target: $("upload-target").value.trim() || null });
  });
  $("export-model").addEventListener("click", () => send({ type: "export", what: "model" }));
  $("export-code").addEventListener("click", () => send({ type: "export", what: "code" }));
  $("export-png").addEventListener("click", () => exportPng());
}
