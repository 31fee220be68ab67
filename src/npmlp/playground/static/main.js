// The page: controls -> configuration -> server session; frames from the WebSocket -> views.
import {
  classColour, drawBoundary, drawCurves, drawLinks, drawOutputMap, drawSignedMap, outputColours,
} from "./draw.js";
import { fromQuery, toQuery } from "./url.js";

const $ = (id) => document.getElementById(id);
const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
const L2S = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const GENERATED = ["moons", "circles", "spirals", "xor", "blobs"];
const DROPOUTS = [0, 0.1, 0.2, 0.3, 0.5];

const state = {
  options: null, config: null, sid: null, socket: null, dataset: null, frame: null,
  status: "paused", nodes: [], sending: null,
};
window.npmlpPlayground = state;   // for the browser test and the curious

async function api(method, path, body, raw = false) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = raw ? body : JSON.stringify(body);
    init.headers["Content-Type"] = raw ? "text/csv" : "application/json";
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function showMessage(text, kind = "warn") {
  const box = $("message");
  box.hidden = !text;
  box.textContent = text || "";
  box.className = `message ${kind === "error" ? "error" : ""}`;
}

// --- controls ---------------------------------------------------------------------------

function fillSelect(select, values, format = String) {
  select.innerHTML = "";
  for (const v of values) {
    const option = document.createElement("option");
    option.value = String(v);
    option.textContent = format(v);
    select.appendChild(option);
  }
}

function buildControls() {
  const o = state.options;
  for (const name of [...GENERATED, "upload"]) {
    const b = document.createElement("button");
    b.textContent = name;
    b.dataset.name = name;
    b.id = `data-${name}`;
    b.disabled = name === "upload";
    b.addEventListener("click", () => change({ data: name }));
    $("datasets").appendChild(b);
  }
  fillSelect($("optimizer"), o.optimizers);
  fillSelect($("learning_rate"), LEARNING_RATES);
  fillSelect($("l2"), L2S);
  fillSelect($("loss"), o.losses, (v) => (v === "auto" ? "from the labels" : v));
  for (const f of o.features) {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" value="${f}"> ${f}`;
    label.querySelector("input").addEventListener("change", () => {
      const chosen = [...$("features").querySelectorAll("input:checked")].map((i) => i.value);
      change({ features: chosen });
    });
    $("features").appendChild(label);
  }
  $("optimizer").addEventListener("change", (e) => change({ optimizer: e.target.value }));
  $("learning_rate").addEventListener("change",
    (e) => change({ learning_rate: Number(e.target.value) }));
  $("l2").addEventListener("change", (e) => change({ l2: Number(e.target.value) }));
  $("loss").addEventListener("change", (e) => change({ loss: e.target.value }));
  $("batch_size").addEventListener("change",
    (e) => change({ batch_size: Math.round(Number(e.target.value)) }));
  $("seed").addEventListener("change", (e) => change({ seed: Math.round(Number(e.target.value)) }));
  for (const name of ["points", "noise", "classes", "train_pct"]) {
    $(name).addEventListener("input", (e) => { $(`${name}-value`).textContent = e.target.value; });
    $(name).addEventListener("change", (e) => change({ [name]: Number(e.target.value) }));
  }
  $("add-layer").addEventListener("click", () => {
    const layers = state.config.layers.concat([
      { type: "dense", units: 4, activation: "tanh", dropout: 0, batch_norm: false }]);
    change({ layers });
  });
  $("remove-layer").addEventListener("click", () => change({ layers: state.config.layers.slice(0, -1) }));
  $("play").addEventListener("click", () => command(state.status === "playing" ? "pause" : "play"));
  $("step").addEventListener("click", () => command("step"));
  $("reset").addEventListener("click", () => command("reset"));
  $("show-test").addEventListener("change", drawOutput);
  $("upload").addEventListener("change", uploadFile);
  $("copy-link").addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(location.href); $("copy-link").textContent = "Copied"; }
    catch { prompt("The link to this experiment:", location.href); }
  });
  for (const f of o.exports) {
    const link = document.createElement("a");
    link.id = `export-${f.format}`;
    link.className = "button";
    link.textContent = `.${f.format}`;
    link.title = f.available ? `${f.file}: ${f.about}` : `Needs a package: ${f.hint}`;
    if (f.available) link.download = f.file; else link.classList.add("disabled");
    $("exports").appendChild(link);
  }
  $("check").addEventListener("click", checkKeras);
  if (!o.keras) {
    $("check").disabled = true;
    $("check").title = `TensorFlow is not installed: ${o.keras_hint}`;
  }
}

function showConfig() {
  const c = state.config, lim = state.options.limits;
  for (const b of $("datasets").children) b.classList.toggle("selected", b.dataset.name === c.data);
  $("data-upload").disabled = !c.upload;
  $("optimizer").value = c.optimizer;
  for (const name of ["learning_rate", "l2"]) {
    const select = $(name);
    if (![...select.options].some((o) => Number(o.value) === c[name])) {
      fillSelect(select, [...[...select.options].map((o) => Number(o.value)), c[name]]
        .sort((a, b) => a - b));
    }
    select.value = [...select.options].find((o) => Number(o.value) === c[name]).value;
  }
  $("loss").value = c.loss;
  $("batch_size").value = c.batch_size;
  $("seed").value = c.seed;
  for (const name of ["points", "noise", "classes", "train_pct"]) {
    $(name).value = c[name];
    $(`${name}-value`).textContent = name === "train_pct" ? `${c[name]}%` : c[name];
  }
  $("classes").disabled = !["spirals", "blobs"].includes(c.data);
  $("points").disabled = $("noise").disabled = c.data === "upload";
  for (const input of $("features").querySelectorAll("input")) {
    input.checked = c.features.includes(input.value);
  }
  $("add-layer").disabled = c.layers.length >= lim.max_hidden_layers;
  $("remove-layer").disabled = c.layers.length === 0;
  $("layer-count").textContent = `${c.layers.length} hidden layer${c.layers.length === 1 ? "" : "s"}`;
  history.replaceState(null, "", `?${toQuery(c)}`);
  for (const f of state.options.exports) {
    if (f.available) $(`export-${f.format}`).href = `/api/sessions/${state.sid}/model.${f.format}`;
  }
  $("export-script").href = `/api/sessions/${state.sid}/script.py`;
}

// --- the session ------------------------------------------------------------------------

async function change(patch) {
  const next = { ...state.config, ...patch };
  if (next.data !== "upload") next.upload = null;
  try {
    const answer = await api("PUT", `/api/sessions/${state.sid}/config`, next);
    state.config = answer.config;
    $("check-result").textContent = "";
    showMessage("");
  } catch (err) {
    showMessage(err.message, "error");
  }
  showConfig();
}

async function command(action) {
  try { await api("POST", `/api/sessions/${state.sid}/control`, { action }); }
  catch (err) { showMessage(err.message, "error"); }
}

async function uploadFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  $("upload-info").textContent = "";
  try {
    const summary = await api("POST", "/api/uploads", file, true);
    $("upload-info").textContent = `${summary.rows} rows; columns ${summary.columns.join(", ")}; ` +
      (summary.kind === "values" ? "numeric labels (regression)"
        : `classes ${summary.classes.join(", ")}`) + "; features standardized";
    await change({ data: "upload", upload: summary.id });
  } catch (err) {
    showMessage(err.message, "error");
  }
  event.target.value = "";
}

async function checkKeras() {
  const box = $("check-result");
  box.className = "note";
  box.textContent = "Training the same model in Keras for the epochs so far...";
  $("check").disabled = true;
  try {
    const r = await api("POST", `/api/sessions/${state.sid}/check`);
    const part = r.epochs < r.epochs_trained ? ` (the first ${r.epochs} of ${r.epochs_trained})` : "";
    const page = r.page_weight_delta === null ? ""
      : `\nthis page's weights vs npmlp's rerun: max |delta| ${r.page_weight_delta.toExponential(1)}`;
    const e = (v) => v.toExponential(1);
    const byEpoch = r.weight_delta_by_epoch;
    const growth = `\nlargest weight |delta| per epoch: ${e(byEpoch[0])} (epoch 1)` +
      (byEpoch.length > 1 ? ` .. ${e(byEpoch[byEpoch.length - 1])} (epoch ${byEpoch.length})` : "");
    const f = r.failure;
    const head = r.passed
      ? `Same as Keras over ${r.epochs} epochs${part} (${r.dtype}, tolerance 1e-10)`
      : `Within npmlp compare's tolerance for ${f.epoch - 1} of ${r.epochs} epochs${part}; ` +
        `epoch ${f.epoch} exceeds it in ${f.name} (${f.measure} ${e(f.delta)} > ${e(f.tolerance)})`;
    box.textContent = `${head}\nmax |delta loss| ${e(r.max_loss_delta)} (test loss ` +
      `${e(r.max_val_loss_delta)}), max |delta weight| ${e(r.max_weight_delta)}${growth}${page}`;
    box.className = `note ${r.passed ? "passed" : "failed"}`;
  } catch (err) {
    box.textContent = err.message;
    box.className = "note failed";
  }
  $("check").disabled = false;
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/api/sessions/${state.sid}/stream`);
  state.socket = socket;
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "dataset") { state.dataset = message; buildNetwork(); }
    else if (message.type === "frame") { state.frame = message; render(); }
  };
  socket.onclose = () => {
    if (state.socket === socket) showMessage("The connection to the playground server was lost: " +
      "is `npmlp playground` still running? Reload the page to start again.", "error");
  };
}

// --- views ------------------------------------------------------------------------------

function column(title, head) {
  const col = document.createElement("div");
  col.className = "column";
  const h = document.createElement("div");
  h.className = "head";
  h.innerHTML = title;
  if (head) h.appendChild(head);
  const nodes = document.createElement("div");
  nodes.className = "nodes";
  col.append(h, nodes);
  $("columns").appendChild(col);
  return nodes;
}

function node(parent, label, labelFirst = false) {
  const wrap = document.createElement("div");
  wrap.className = "node";
  const canvas = document.createElement("canvas");
  wrap.appendChild(canvas);
  if (label) {
    const span = document.createElement("span");
    span.className = labelFirst ? "label first" : "label";
    span.textContent = label;
    if (labelFirst) wrap.prepend(span); else wrap.append(span);
  }
  parent.appendChild(wrap);
  return canvas;
}

function layerHead(i) {
  const c = state.dataset.config, lim = state.options.limits, spec = c.layers[i];
  const box = document.createElement("div");
  const edit = (patch) => change({ layers: c.layers.map((l, j) => (j === i ? { ...l, ...patch } : l)) });
  const plus = document.createElement("button");
  plus.className = "small"; plus.textContent = "+"; plus.title = "Add a unit";
  plus.disabled = spec.units >= lim.max_units;
  plus.addEventListener("click", () => edit({ units: spec.units + 1 }));
  const minus = document.createElement("button");
  minus.className = "small"; minus.textContent = "\u2212"; minus.title = "Remove a unit";
  minus.disabled = spec.units <= 1;
  minus.addEventListener("click", () => edit({ units: spec.units - 1 }));
  const select = document.createElement("select");
  select.className = "activation";
  select.title = "This layer's activation";
  fillSelect(select, state.options.activations);
  select.value = spec.activation;
  select.addEventListener("change", (e) => edit({ activation: e.target.value }));
  const dropout = document.createElement("select");
  dropout.className = "dropout";
  dropout.title = "Dropout after this layer: the fraction of its units zeroed in each training step";
  const rates = DROPOUTS.includes(spec.dropout) ? DROPOUTS
    : [...DROPOUTS, spec.dropout].sort((a, b) => a - b);
  fillSelect(dropout, rates, (r) => (r === 0 ? "no dropout" : `dropout ${r}`));
  dropout.value = String(spec.dropout);
  dropout.addEventListener("change", (e) => edit({ dropout: Number(e.target.value) }));
  const norm = document.createElement("label");
  norm.className = "batch-norm";
  norm.title = "Batch normalization before the activation (the layer then has no bias)";
  norm.innerHTML = '<input type="checkbox"> batch norm';
  const normBox = norm.querySelector("input");
  normBox.checked = spec.batch_norm;
  normBox.addEventListener("change", (e) => edit({ batch_norm: e.target.checked }));
  box.append(plus, minus, document.createElement("br"), select, document.createElement("br"),
    dropout, document.createElement("br"), norm);
  return box;
}

function buildNetwork() {
  const d = state.dataset, c = d.config;
  $("columns").innerHTML = "";
  const inputs = column("Inputs");
  const columns = [d.features.map((f, j) => {
    const canvas = node(inputs, f, true);
    drawSignedMap(canvas, d.unit_grid, d.inputs[j].map);
    return canvas;
  })];
  c.layers.forEach((spec, i) => {
    const nodes = column(`${spec.units} unit${spec.units === 1 ? "" : "s"}`, layerHead(i));
    if (spec.units > 10) nodes.classList.add("dense");
    columns.push(Array.from({ length: spec.units }, () => node(nodes)));
  });
  const out = column("Output");
  const n = d.kind === "multiclass" ? d.classes.length : 1;
  columns.push(Array.from({ length: n }, (_, k) => {
    const canvas = node(out, d.kind === "multiclass" ? d.classes[k] : "");
    canvas.width = canvas.height = 1;   // a class's colour; the single output: its map
    const colour = d.kind === "multiclass" ? classColour(k) : [200, 200, 200];
    canvas.getContext("2d").fillStyle = `rgb(${colour.join(",")})`;
    canvas.getContext("2d").fillRect(0, 0, 1, 1);
    return canvas;
  }));
  state.nodes = columns;
}

function render() {
  const f = state.frame, d = state.dataset;
  if (!f || !d) return;
  state.status = f.status;
  $("play").innerHTML = f.status === "playing" ? "&#10074;&#10074;" : "&#9654;";
  const stopped = ["diverged", "done", "failed"].includes(f.status);
  $("play").disabled = stopped;
  $("epoch").textContent = String(f.epoch).padStart(3, "0");
  const fmt = (v) => (v === null || v === undefined ? "\u2013" : v.toFixed(3));
  $("test-loss").textContent = fmt(f.last.val_loss);
  $("train-loss").textContent = fmt(f.last.loss);
  $("accuracy").textContent = f.last.val_accuracy === undefined ? ""
    : `accuracy: test ${(100 * f.last.val_accuracy).toFixed(1)}%, train ${(100 * f.last.accuracy).toFixed(1)}%`;
  if (stopped) showMessage(f.message, f.status === "failed" ? "error" : "warn");
  else if (state.stoppedShown) showMessage("");
  state.stoppedShown = stopped;
  f.units.forEach((layer, l) => layer.forEach((unit, j) => {
    const canvas = state.nodes[l + 1] && state.nodes[l + 1][j];
    if (canvas) drawSignedMap(canvas, d.unit_grid, unit.map);
  }));
  const outputs = state.nodes[state.nodes.length - 1];
  if (outputs.length === 1 && f.output.valid) {
    drawOutputMap(outputs[0], outputColours(f.output, d.output_grid, d.classes.length), d.output_grid);
  }
  drawLinks($("links"), $("net"), state.nodes, f.weights);
  drawCurves($("curves"), f.curves);
  drawOutput();
}

function drawOutput() {
  if (state.dataset) drawBoundary($("boundary"), state.dataset, state.frame && state.frame.output, $("show-test").checked);
}

async function start() {
  try {
    state.options = await api("GET", "/api/options");
    buildControls();
    const wanted = fromQuery(location.search, state.options.defaults);
    let session;
    try {
      session = await api("POST", "/api/sessions", wanted);
    } catch (err) {   // a link the server refuses: say why and start from the defaults
      showMessage(`This link's configuration was refused (${err.message}); showing the defaults.`, "error");
      session = await api("POST", "/api/sessions", state.options.defaults);
    }
    state.sid = session.id;
    state.config = session.config;
    showConfig();
    connect();
  } catch (err) {
    showMessage(`The playground could not start: ${err.message}`, "error");
  }
}

window.addEventListener("resize", () => { if (state.frame) render(); });
start();
