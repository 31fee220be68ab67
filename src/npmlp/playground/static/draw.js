// Drawing: heat maps, points, loss curves and the network's links. No state of its own.

export const NEG = [245, 147, 34];     // orange: negative, class 0
export const POS = [8, 119, 189];      // blue: positive, class 1
const WHITE = [255, 255, 255];
const CLASS_COLOURS = [NEG, POS, [46, 160, 67], [142, 68, 173], [214, 39, 40],
                       [23, 190, 207], [140, 86, 75], [227, 119, 194]];

export function classColour(k) { return CLASS_COLOURS[k % CLASS_COLOURS.length]; }

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function rgb(c, alpha = 1) {
  return `rgba(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])}, ${alpha})`;
}

// A signed value in [-1, 1] as orange (-1) .. white (0) .. blue (+1).
export function diverging(v) {
  return v < 0 ? mix(WHITE, NEG, Math.min(-v, 1)) : mix(WHITE, POS, Math.min(v, 1));
}

export function bytes(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

// Paint a size x size map into a canvas whose pixel size is the map's (CSS scales it).
function paint(canvas, size, colourAt) {
  if (canvas.width !== size) { canvas.width = size; canvas.height = size; }
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    const c = colourAt(i);
    img.data[4 * i] = c[0]; img.data[4 * i + 1] = c[1]; img.data[4 * i + 2] = c[2];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

// One unit's (or input feature's) signed map: bytes round(127.5 (a / scale + 1)).
export function drawSignedMap(canvas, size, b64) {
  const v = bytes(b64);
  paint(canvas, size, (i) => diverging(v[i] / 127.5 - 1));
}

// The decision boundary's colours per cell (lightened so the points stand out).
export function outputColours(output, size, nClasses) {
  const colours = new Array(size * size);
  if (!output.valid) return colours.fill([220, 220, 220]);   // a diverged model: grey
  const p = bytes(output.p);
  const cls = output.class ? bytes(output.class) : null;
  for (let i = 0; i < size * size; i++) {
    let c;
    if (cls) {
      const t = (p[i] / 255 - 1 / nClasses) / (1 - 1 / nClasses);
      c = mix(WHITE, classColour(cls[i]), Math.max(0, Math.min(1, t)));
    } else c = diverging(2 * p[i] / 255 - 1);
    colours[i] = mix(c, WHITE, 0.35);
  }
  return colours;
}

export function drawOutputMap(canvas, colours, size) {
  paint(canvas, size, (i) => colours[i]);
}

export function drawBoundary(canvas, dataset, output, showTest) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height;
  const size = dataset.output_grid;
  const off = document.createElement("canvas");
  const colours = output ? outputColours(output, size, dataset.classes.length) : null;
  paint(off, size, (i) => (colours ? colours[i] : [240, 240, 240]));
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, W, H);
  const [x1lo, x1hi, x2lo, x2hi] = dataset.extent;
  const lo = dataset.label_range[0], span = (dataset.label_range[1] - lo) || 1;
  const fill = (y) => (dataset.kind === "regression"
    ? diverging(2 * (y - lo) / span - 1) : classColour(y));
  const drawPoints = (points, stroke) => {
    ctx.lineWidth = 1;
    ctx.strokeStyle = stroke;
    for (const [a, b, y] of points) {
      ctx.beginPath();
      ctx.arc((a - x1lo) / (x1hi - x1lo) * W, (x2hi - b) / (x2hi - x2lo) * H, 3, 0, 2 * Math.PI);
      ctx.fillStyle = rgb(fill(y));
      ctx.fill();
      ctx.stroke();
    }
  };
  drawPoints(dataset.train, "#fff");
  if (showTest) drawPoints(dataset.test, "#000");
  drawAxes(ctx, W, H, dataset.extent);
}

function drawAxes(ctx, W, H, [x1lo, x1hi, x2lo, x2hi]) {
  ctx.fillStyle = "rgba(0,0,0,0.55)";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(`x1 ${x1lo.toFixed(1)} .. ${x1hi.toFixed(1)}`, 4, H - 4);
  ctx.save();
  ctx.translate(W - 4, H - 4);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`x2 ${x2lo.toFixed(1)} .. ${x2hi.toFixed(1)}`, 0, 0);
  ctx.restore();
}

// Train (grey) and test (black) loss against the epoch.
export function drawCurves(canvas, curves) {
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 4;
  ctx.clearRect(0, 0, W, H);
  const values = curves.train.concat(curves.test).filter((v) => v !== null && isFinite(v));
  if (!curves.epoch.length || !values.length) return;
  const top = Math.max(...values) * 1.05 || 1;
  const last = curves.epoch[curves.epoch.length - 1];
  const x = (e) => pad + (W - 2 * pad) * (curves.epoch.length === 1 ? 1 : (e - 1) / (last - 1));
  const y = (v) => H - pad - (H - 2 * pad) * Math.min(v / top, 1);
  const line = (series, colour) => {
    ctx.beginPath();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    let started = false;
    series.forEach((v, i) => {
      if (v === null) return;
      if (started) ctx.lineTo(x(curves.epoch[i]), y(v));
      else { ctx.moveTo(x(curves.epoch[i]), y(v)); started = true; }
    });
    ctx.stroke();
  };
  line(curves.train, "#999");
  line(curves.test, "#000");
  ctx.font = "10px system-ui, sans-serif";
  const label = (text, x, yy, colour) => {   // on a pale backing, so curves never hide it
    ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
    ctx.fillRect(x - 2, yy - 10, ctx.measureText(text).width + 4, 13);
    ctx.fillStyle = colour;
    ctx.fillText(text, x, yy);
  };
  label("training", W - 100, 12, "#999");
  label("test", W - 50, 12, "#000");
  label(`loss, max ${top.toPrecision(3)}`, 6, 12, "#555");
  label(`epoch ${last}`, W - 70, H - 6, "#555");
}

// Links between node centres: width by |w| (relative to the largest), colour by sign.
export function drawLinks(canvas, container, columns, weights) {
  const box = container.getBoundingClientRect();
  canvas.width = box.width; canvas.height = box.height;
  canvas.style.width = `${box.width}px`; canvas.style.height = `${box.height}px`;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const centres = columns.map((nodes) => nodes.map((el) => {
    const r = el.getBoundingClientRect();
    return [r.left - box.left + r.width / 2, r.top - box.top + r.height / 2, r.width / 2];
  }));
  let biggest = 0;
  for (const layer of weights) for (const row of layer.W) for (const w of row) {
    biggest = Math.max(biggest, Math.abs(w));
  }
  if (!biggest) biggest = 1;
  weights.forEach((layer, l) => {
    const from = centres[l], to = centres[l + 1];
    if (!from || !to) return;
    layer.W.forEach((row, i) => row.forEach((w, j) => {
      if (!from[i] || !to[j]) return;
      ctx.beginPath();
      ctx.strokeStyle = rgb(w < 0 ? NEG : POS, 0.75);
      ctx.lineWidth = 0.3 + 4 * Math.abs(w) / biggest;
      ctx.moveTo(from[i][0] + from[i][2], from[i][1]);
      ctx.lineTo(to[j][0] - to[j][2], to[j][1]);
      ctx.stroke();
    }));
  });
}
