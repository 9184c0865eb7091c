// The page: sends the settings and commands, draws each frame the server sends and then asks for the next one
// (so frames never pile up), and keeps the whole state in the URL hash. All training happens on the server.
import { LossChart, Series } from "./chart.js";
import { download, downloadBase64, viewPng } from "./export.js";
import { drawHeatmap } from "./heatmap.js";
import { NetworkView } from "./network.js";
import { renderConventions, renderPanel } from "./panel.js";
import { presetKey, readHash, writeHash } from "./state.js";
import { fillChoices, renderSettings, wireControls } from "./controls.js";

const $ = id => document.querySelector(`[data-testid="${id}"]`);

const app = {
  ws: null, limits: null, settings: null, conventions: null, data: null, view: readHash().view,
  series: [new Series()], pictures: [null, null], running: false, frame: null, drawScheduled: false,
  stats: { framesReceived: 0, framesDrawn: 0, epoch: 0, errors: [] },
};
window.glassnetPlayground = app;  // tests and the benchmark read stats and series from here

const network = new NetworkView($("network"), partial => change(partial));
const chart = new LossChart($("loss-chart"));

function send(message) {
  if (app.ws && app.ws.readyState === WebSocket.OPEN) app.ws.send(JSON.stringify(message));
}

export function change(partial) {
  send({ type: "settings", settings: { ...app.settings, ...partial } });
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = false;
  app.stats.errors.push(message);
}

function connect() {
  app.ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  app.ws.onmessage = event => handle(JSON.parse(event.data));
  app.ws.onclose = () => showError("The connection to the playground server is closed: restart " +
    "`glassnet playground` (or run the notebook cell again) and reload this page.");
}

function handle(message) {
  if (message.type === "hello") {
    app.limits = message.limits;
    fillChoices(app, message);
    wireControls(app, { send, change, redraw: drawPictures, exportPng, showError });
    send({ type: "settings", settings: readHash().settings, preset: presetKey() });
  } else if (message.type === "settings") {
    onSettings(message);
  } else if (message.type === "error") {
    showError(message.message);
    if (message.settings) {
      app.settings = message.settings;
      renderSettings(app);
    }
  } else if (message.type === "frame") {
    onFrame(message);
  } else if (message.type === "export") {
    downloadBase64(message.base64, message.filename, message.mime);
  }
}

function onSettings(message) {
  app.settings = message.settings;
  app.conventions = message.conventions;
  $("error").hidden = true;
  writeHash(app.settings, app.view);
  if (message.reset) {
    app.data = message.data;
    app.series = app.settings.twin === "off" ? [new Series()] : [new Series(), new Series()];
    app.pictures = [null, null];
    app.running = false;
    document.body.classList.toggle("twin", app.settings.twin !== "off");
    network.build(app.settings, app.data, app.limits);
    chart.reset();
    showNumbers();
  }
  renderSettings(app);
  renderConventions($("conventions"), $("conventions-note"), app.conventions, app.settings);
}

function onFrame(message) {
  app.stats.framesReceived++;
  app.running = message.running;
  message.networks.forEach((net, i) => {
    if (!app.series[i]) return;
    app.series[i].add(net.rows);
    if (net.picture) app.pictures[i] = net.picture;
    if (net.error) showError(net.error);
  });
  app.frame = message.n;
  if (!app.drawScheduled) {
    app.drawScheduled = true;
    requestAnimationFrame(draw);
  }
}

function draw() {
  app.drawScheduled = false;
  drawPictures();
  showNumbers();
  if (app.series[0].epochs.length) chart.render(app.series[0], app.series[1]);
  if (app.pictures[0]) renderPanel($("penalty-table"), app.pictures[0].panel,
    app.pictures[1] ? app.pictures[1].panel : null, app.conventions);
  $("play").textContent = app.running ? "❚❚" : "▶";
  $("play").dataset.running = String(app.running);
  app.stats.framesDrawn++;
  send({ type: "ack", frame: app.frame });
}

function drawPictures() {
  if (!app.data) return;
  const [a, b] = app.pictures;
  if (a) {
    drawHeatmap($("heatmap"), a.heatmap, app.data, app.view);
    network.update(a, $("heatmap"));
  }
  if (b) drawHeatmap($("heatmap-twin"), b.heatmap, app.data, app.view);
}

const shown = v => (v == null ? "–" : Math.abs(v) >= 1000 ? v.toExponential(3) : v.toFixed(4));

function number(id, value) {
  const node = $(id);
  node.textContent = shown(value);
  node.dataset.value = value == null ? "" : String(value);
}

function showNumbers() {
  const [a, b] = app.series, last = a.last || {};
  app.stats.epoch = a.lastEpoch;
  $("epoch").textContent = String(a.lastEpoch);
  number("loss-train-data", last.data_loss);
  number("loss-train-penalty", last.penalty_loss);
  number("loss-train-total", last.loss);
  number("loss-test", last.val_data_loss);
  $("penalty-share").textContent = last.loss ? `${(100 * last.penalty_loss / last.loss).toFixed(1)} %` : "–";
  const twin = b ? b.last || {} : {};
  number("twin-loss-train-data", twin.data_loss);
  number("twin-loss-train-penalty", twin.penalty_loss);
  number("twin-loss-train-total", twin.loss);
  number("twin-loss-test", twin.val_data_loss);
}

async function exportPng() {
  const s = app.settings, last = app.series[0].last || {};
  const lines = [`${s.dataset}, ${s.hidden.length} hidden layers (${s.hidden.join(", ")}), ${s.activation}, ` +
    `${s.optimizer} lr ${s.learning_rate}, regularization ${s.regularization} λ ${s.lambda}, seed ${s.seed}`,
  `epoch ${app.series[0].lastEpoch}: training loss ${shown(last.data_loss)} data + ${shown(last.penalty_loss)} ` +
    `penalty = ${shown(last.loss)}; test data loss ${shown(last.val_data_loss)}`];
  const maps = [$("heatmap"), ...(app.pictures[1] ? [$("heatmap-twin")] : [])];
  const blob = await viewPng({ title: "glassnet playground", lines, network, heatmaps: maps, chart: chart.canvas() });
  download(blob, "playground.png");
}

connect();
