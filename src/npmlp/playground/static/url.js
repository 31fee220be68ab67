// The configuration <-> the page's URL query, so that a link reproduces the experiment.
// Layers are "units:activation" joined by commas ("8:tanh,8:tanh"; "" for none); a future
// layer type would be "type:option" (e.g. "dropout:0.2").

const NUMBERS = { points: "points", noise: "noise", classes: "classes", train: "train_pct",
                  lr: "learning_rate", l2: "l2", batch: "batch_size", seed: "seed" };
const STRINGS = { data: "data", upload: "upload", opt: "optimizer", loss: "loss" };

export function toQuery(config) {
  const q = new URLSearchParams();
  for (const [key, field] of Object.entries(STRINGS)) {
    if (config[field] !== null && config[field] !== undefined) q.set(key, config[field]);
  }
  for (const [key, field] of Object.entries(NUMBERS)) q.set(key, String(config[field]));
  q.set("features", config.features.join(","));
  q.set("layers", config.layers.map((l) => `${l.units}:${l.activation}`).join(","));
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
    config.layers = q.get("layers").split(",").filter((s) => s).map((token) => {
      const [units, activation] = token.split(":");
      return { type: "dense", units: Number(units), activation: activation || "tanh" };
    });
  }
  if (config.data !== "upload") config.upload = null;
  return config;
}
