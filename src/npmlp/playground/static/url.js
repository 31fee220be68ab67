// The configuration <-> the page's URL query, so that a link reproduces the experiment.
// Layers are "units:activation" joined by commas ("8:tanh,8:tanh"; "" for none), each with
// ":bn" for batch normalization and ":d0.2" for a dropout rate ("8:relu:bn:d0.2").

const NUMBERS = { points: "points", noise: "noise", classes: "classes", train: "train_pct",
                  lr: "learning_rate", l2: "l2", batch: "batch_size", seed: "seed" };
const STRINGS = { data: "data", upload: "upload", opt: "optimizer", loss: "loss" };

function layerToken(layer) {
  return [layer.units, layer.activation, ...(layer.batch_norm ? ["bn"] : []),
    ...(layer.dropout ? [`d${layer.dropout}`] : [])].join(":");
}

// Unknown options are passed on as they are, so that the server names them in its refusal.
function layerFromToken(token) {
  const [units, activation, ...options] = token.split(":");
  const layer = { type: "dense", units: Number(units), activation: activation || "tanh",
                  dropout: 0, batch_norm: false };
  for (const option of options) {
    if (option === "bn") layer.batch_norm = true;
    else if (/^d[0-9.]+$/.test(option)) layer.dropout = Number(option.slice(1));
    else layer[option] = true;
  }
  return layer;
}

export function toQuery(config) {
  const q = new URLSearchParams();
  for (const [key, field] of Object.entries(STRINGS)) {
    if (config[field] !== null && config[field] !== undefined) q.set(key, config[field]);
  }
  for (const [key, field] of Object.entries(NUMBERS)) q.set(key, String(config[field]));
  q.set("features", config.features.join(","));
  q.set("layers", config.layers.map(layerToken).join(","));
  return q.toString();
}

// A configuration from a query (fields missing or unreadable keep the defaults; the server
// validates the result and the page shows its message if it refuses it).
export function fromQuery(search, defaults) {
  const q = new URLSearchParams(search);
  const config = structuredClone(defaults);
  for (const [key, field] of Object.entries(STRINGS)) if (q.has(key)) config[field] = q.get(key);
  for (const [key, field] of Object.entries(NUMBERS)) {
    if (q.has(key) && q.get(key) !== "" && isFinite(Number(q.get(key)))) {
      config[field] = Number(q.get(key));
    }
  }
  if (q.has("features")) config.features = q.get("features").split(",").filter((f) => f);
  if (q.has("layers")) {
    config.layers = q.get("layers").split(",").filter((s) => s).map(layerFromToken);
  }
  if (config.data !== "upload") config.upload = null;
  return config;
}
