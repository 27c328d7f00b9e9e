// cnnviz lesson player: draws one storyboard (cnnviz/steps/storyboard.py) as SVG, steps it in the
// browser, and reports the step to its host only when the user pauses or stops stepping.
// One ES module for every host: `mount(element, board, host)` (the Streamlit component, the notebook
// widget and the offline HTML page are thin adapters around it, cnnviz/player/__init__.py).
const SVGNS = "http://www.w3.org/2000/svg";
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const BASE_MS = 700; // one step at 1x
const REPORT_MS = 1000; // report the step this long after the last step change
const OVERLAY_ORDER = ["skipped", "pad_ring", "receives", "window", "written", "tied_max", "chosen_max", "differs", "hover", "hover_cell"];

function el(tag, attrs, parent, ns) {
  const e = ns ? document.createElementNS(SVGNS, tag) : document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}

function unb64(s) {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Float64Array(bytes.buffer);
}

function hexRgb(h) {
  return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];
}

function ramp(stops, t) {
  t = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(t), stops.length - 2);
  const a = stops[i], b = stops[i + 1], u = t - i;
  return [0, 1, 2].map((j) => Math.round(a[j] + (b[j] - a[j]) * u));
}

// numbers as cnnviz.steps.style.fmt prints them (a test compares the two)
export function fmt(v, d) {
  let s = v.toFixed(d);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return s;
}

function fill(line, d) {
  return line.text.replace(/\{(\d+)\}/g, (m, k) => fmt(line.vals[+k], d));
}

let _ctx = null; // made on first use: the module also loads where there is no DOM (the replay test, node)
function textWidth(text, px, family) {
  _ctx = _ctx || document.createElement("canvas").getContext("2d");
  _ctx.font = `${px}px ${family}`;
  return _ctx.measureText(text).width;
}

const ICONS = {
  first: "M3 2h2v12H3zM14 2v12L6 8z",
  back: "M12 2v12L4 8z",
  play: "M4 2v12l10-6z",
  pause: "M3 2h4v12H3zM9 2h4v12H9z",
  forward: "M4 2v12l8-6z",
  last: "M11 2h2v12h-2zM2 2v12l8-6z",
};
function icon(name) {
  return `<svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><path d="${ICONS[name]}" fill="currentColor"/></svg>`;
}

function inRect(r, c, q) {
  return r >= q[0] && r < q[1] && c >= q[2] && c < q[3];
}

// Every panel's values, per step where they change: {name: {values, snaps}}. Accumulators replay
// "sets" then "adds" step by step, as storyboard.values_at does in Python (a test compares them);
// snaps[k] is the panel after step k, so a step change is a lookup. Constant panels: snaps null.
export function replay(B) {
  const out = {};
  for (const p of B.panels) out[p.name] = { values: unb64(p.values), snaps: null };
  for (const p of B.panels) {
    if (!p.accumulates) continue;
    const cols = p.shape[1];
    const snaps = (out[p.name].snaps = []);
    let cur = new Float64Array(p.shape[0] * cols);
    for (const st of B.steps) {
      const set = st.sets[p.name];
      if (set) {
        cur = cur.slice();
        const [r0, r1, c0, c1] = set;
        const vals = unb64(set[4]);
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) cur[r * cols + c] = vals[(r - r0) * (c1 - c0) + (c - c0)];
      }
      const add = (st.adds || {})[p.name];
      if (add) {
        if (!set) cur = cur.slice();
        const [r0, r1, c0, c1, src, sr0, sc0, factor] = add;
        const S = out[src].values; // a constant panel
        const scols = B.panels.find((q) => q.name === src).shape[1];
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) cur[r * cols + c] += S[(sr0 + r - r0) * scols + (sc0 + c - c0)] * factor;
      }
      snaps.push(cur);
    }
  }
  return out;
}

class Player {
  // host: the element the player draws into; hooks: the host's callbacks (see mount)
  constructor(host, hooks, data) {
    this.host = host;
    this.hooks = hooks;
    this.timer = null;
    this.reportTimer = null;
    this.playing = false;
    this.speed = 1;
    this.toggles = {};
    this.build(data);
  }

  // ---------------------------------------------------------------- data
  build(data) {
    this.data = data;
    const B = (this.board = data.board);
    this.n = B.n_steps;
    this.k = Math.min(Math.max(data.step | 0, 0), Math.max(this.n - 1, 0));
    this.lastReported = this.k;
    this.d = data.decimals;
    const S = B.style;
    this.stops = { signed: S.diverging.map(hexRgb), sequential: S.sequential.map(hexRgb) };
    this.colors = Object.assign({ hover: S.roles.window, hover_cell: S.roles.written }, S.roles);
    this.panels = {};
    const replayed = replay(B);
    for (const p of B.panels) {
      const [rows, cols] = p.shape;
      this.panels[p.name] = Object.assign({ p, rows, cols, written: p.written_at }, replayed[p.name]);
    }
    // which steps touch a cell: written (outputs, gradients read) and read (windows, receivers)
    this.writes = {};
    this.reads = {};
    B.steps.forEach((st, k) => {
      for (const role in st.overlays) {
        const into = role === "written" ? this.writes : role === "window" || role === "receives" ? this.reads : null;
        if (!into) continue;
        for (const name in st.overlays[role]) {
          const P = this.panels[name];
          if (!P) continue;
          for (const q of st.overlays[role][name]) {
            for (let r = q[0]; r < q[1]; r++) for (let c = q[2]; c < q[3]; c++) {
              const key = name + ":" + r + "," + c;
              (into[key] = into[key] || []).push(k);
            }
          }
        }
      }
    });
    this.marks = (data.marks && data.marks.differs) || {};
  }

  // ---------------------------------------------------------------- DOM
  mount() {
    const h = this.host;
    for (const old of h.querySelectorAll(".cnnviz-player")) old.remove();
    const B = this.board;
    const root = (this.root = el("div", { class: "cnnviz-player", "data-testid": "cnnviz-player", tabindex: "0", role: "group", "aria-label": "lesson player: " + B.title }, h));
    if (this.data.present) root.classList.add("present");
    const S = B.style;
    root.style.setProperty("--text", S.text);
    root.style.setProperty("--grid", S.grid);
    root.style.setProperty("--bg", S.background);
    root.style.setProperty("--accent", S.roles.window);
    const bar = (this.bar = el("div", { class: "controls" }, root));
    const btn = (label, title, fn) => {
      const b = el("button", { type: "button", title, "aria-label": title }, bar);
      b.innerHTML = icon(label);
      b.addEventListener("click", (e) => { fn(); root.focus({ preventScroll: true }); e.stopPropagation(); });
      return b;
    };
    btn("first", "first step (Home)", () => this.go(0));
    btn("back", "back one step (←)", () => this.go(this.k - 1));
    this.playBtn = btn("play", "play / pause (Space)", () => this.toggle());
    this.playBtn.classList.add("play");
    btn("forward", "forward one step (→)", () => this.go(this.k + 1));
    btn("last", "last step (End)", () => this.go(this.n - 1));
    const scrub = (this.scrub = el("input", { type: "range", min: "0", max: String(Math.max(this.n - 1, 0)), step: "1", value: String(this.k), "aria-label": "step", class: "scrub" }, bar));
    scrub.addEventListener("input", () => this.go(+scrub.value));
    const sp = (this.speedSel = el("select", { "aria-label": "speed", title: "speed" }, bar));
    for (const s of SPEEDS) { const o = el("option", { value: String(s) }, sp); o.textContent = s + "x"; if (s === this.speed) o.selected = true; }
    sp.addEventListener("change", () => { this.speed = +sp.value; if (this.playing) { this.stop(false); this.play(); } });
    this.counter = el("span", { class: "counter", "aria-live": "off" }, bar);
    const codeBtn = el("button", { type: "button", class: "toggle codebtn", "aria-pressed": String(!this.data.present), title: "show the course's code with this step's values" }, bar);
    codeBtn.textContent = "code";
    codeBtn.addEventListener("click", (e) => {
      const on = codeBtn.getAttribute("aria-pressed") !== "true";
      codeBtn.setAttribute("aria-pressed", String(on));
      this.codeEl.style.display = on ? "" : "none";
      this.layout();
      e.stopPropagation();
    });
    this.codeBtn = codeBtn;
    for (const name in B.toggles || {}) {
      const t = el("button", { type: "button", class: "toggle", "aria-pressed": "false" }, bar);
      t.textContent = B.toggles[name];
      t.addEventListener("click", (e) => {
        this.toggles[name] = !this.toggles[name];
        t.setAttribute("aria-pressed", String(!!this.toggles[name]));
        this.layout();
        e.stopPropagation();
      });
    }
    const legend = (this.legendEl = el("div", { class: "legend" }, root));
    for (const role in B.legend) {
      const item = el("span", { class: "key" }, legend);
      el("i", { style: "border-color:" + this.colors[role] + (role === "not_yet" ? ";background:" + this.colors[role] : "") }, item);
      item.appendChild(document.createTextNode(B.legend[role]));
    }
    if (Object.keys(this.marks).length) {
      const item = el("span", { class: "key" }, legend);
      el("i", { style: "border-color:" + this.colors.differs }, item);
      item.appendChild(document.createTextNode("your code differs here"));
    }
    this.figWrap = el("div", { class: "figure" }, root);
    this.svg = el("svg", { class: "fig", role: "img", "aria-label": B.title }, this.figWrap, true);
    const text = el("div", { class: "text" }, root);
    this.numbersEl = el("div", { class: "numbers", "aria-live": "polite" }, text);
    this.codeEl = el("pre", { class: "code" }, text);
    this.codeLines = B.code.map((line) => {
      const row = el("div", { class: "line" }, this.codeEl);
      el("span", { class: "src" }, row).textContent = line;
      const note = el("span", { class: "note" }, row);
      return note;
    });
    if (this.data.present) this.codeEl.style.display = "none"; // the figure first; the code one click away
    this.tip = el("div", { class: "tip", role: "tooltip" }, root);
    root.addEventListener("keydown", (e) => this.onKey(e));
    root.addEventListener("mousedown", () => root.focus({ preventScroll: true }));
    this.layout();
  }

  attach() {
    if (this.onDocKey) this.unlisten();
    this.onDocKey = (e) => {
      if (e.key === "Escape" && this.data.present && this.hooks.escape) this.hooks.escape();
    };
    window.addEventListener("keydown", this.onDocKey, true);
    this.onResize = () => {
      cancelAnimationFrame(this.raf);
      this.raf = requestAnimationFrame(() => this.layout());
    };
    window.addEventListener("resize", this.onResize);
    if (window.ResizeObserver) {
      let lastW = 0;
      this.ro = new ResizeObserver(() => {
        const w = this.host.clientWidth || 0;
        if (Math.abs(w - lastW) > 2) { lastW = w; this.onResize(); }
      });
      this.ro.observe(this.host.host || this.host);
    }
  }

  detach() {
    this.stop(false);
    this.unlisten();
  }

  unlisten() {
    window.removeEventListener("keydown", this.onDocKey, true);
    window.removeEventListener("resize", this.onResize);
    if (this.ro) this.ro.disconnect();
  }

  // ---------------------------------------------------------------- layout
  visiblePanels() {
    return this.board.panels.filter((p) => !p.toggle || this.toggles[p.toggle]);
  }

  widestNumber() {
    // the widest number of the board at this precision decides the font of every cell
    let widest = "0";
    for (const name in this.panels) {
      const P = this.panels[name];
      const arrs = P.snaps ? [P.values, P.snaps[P.snaps.length - 1]] : [P.values];
      for (const a of arrs) for (let i = 0; i < a.length; i++) { const t = fmt(a[i], this.d); if (t.length > widest.length) widest = t; }
    }
    return widest;
  }

  layout() {
    const root = this.root;
    if (!root || !root.isConnected) return;
    const present = !!this.data.present;
    const W = Math.max(root.clientWidth - 16, 240);
    const vh = window.innerHeight || 720;
    const rootTop = present ? Math.max(root.getBoundingClientRect().top + window.scrollY, 0) : 0;
    const fixed = this.bar.offsetHeight + this.legendEl.offsetHeight + root.querySelector(".text").offsetHeight + 30;
    // normal mode: the page scrolls, so the figure keeps at least 75 % of the screen's height
    const H = present ? Math.max(vh - rootTop - 28 - fixed, 140) : Math.max(vh * 0.86 - fixed, vh * 0.75);
    this.minFont = window.innerWidth >= 1600 ? 18 : 14;
    const family = getComputedStyle(root).fontFamily || "sans-serif";
    const mono = getComputedStyle(this.numbersEl).fontFamily || "monospace";
    this.family = family;
    // numbers: font = min(0.42 cell, what fits 88 % of the cell's width); a cell whose font would be
    // below minFont shows no number (the tooltip does)
    const perPx = textWidth(this.widestNumber(), 100, family) / 100;
    const fontFor = (cell) => Math.min(cell * 0.42, (cell * 0.92) / perPx);
    const needCell = Math.ceil(Math.max(this.minFont / 0.42, (this.minFont * perPx) / 0.92)) + 1;
    const panels = this.visiblePanels();
    const titleMax = present ? 20 : 16, titleMin = 12;
    const gap = 18;
    const axisFontMax = present ? 15 : 13;
    const digits = Math.max(...panels.map((p) => String(Math.max(p.shape[0] + p.row0 - 1, p.shape[1] + p.col0 - 1)).length + (p.row0 < 0 || p.col0 < 0 ? 1 : 0)));
    const axisW = Math.ceil(axisFontMax * 0.62 * digits) + 8;
    const small = (p) => Math.max(p.shape[0], p.shape[1]) <= 5; // filters, products, db: numbers always fit
    const place = (cell, boost = true, compact = false) => {
      let x = 0, y = 0, rowH = 0, width = 0, lastGroup = null;
      const pos = [];
      for (const p of panels) {
        const c = boost && small(p) ? Math.max(cell, needCell) : cell;
        const gridW = p.shape[1] * c;
        let tf = compact ? titleMin - 1 : titleMax, tw = textWidth(p.title, tf, mono);
        while (tw > gridW + axisW && tf > titleMin) { tf -= 1; tw = textWidth(p.title, tf, mono); }
        // a title still wider than its grid wraps at spaces onto more lines (never clipped)
        const room = Math.max(gridW + axisW, compact ? 150 : 250);
        const lines = [];
        for (const word of p.title.split(" ")) {
          const cur = lines.length ? lines[lines.length - 1] + " " + word : word;
          if (lines.length && textWidth(cur, tf, mono) > room) lines.push(word);
          else if (lines.length) lines[lines.length - 1] = cur; else lines.push(word);
        }
        tw = Math.max(...lines.map((t) => textWidth(t, tf, mono)));
        const w = Math.max(axisW + gridW, tw + 2);
        const titleH = lines.length * Math.ceil(tf * 1.2);
        const h = titleH + 8 + axisFontMax + 4 + p.shape[0] * c;
        const g = lastGroup !== null && p.group !== lastGroup ? gap * 1.8 : gap;
        if (x > 0 && x + g + w > W) { x = 0; y += rowH + gap; rowH = 0; }
        else if (x > 0) x += g;
        pos.push({ p, x, y, w, h, cell: c, tf, lines, top: titleH + 8 + axisFontMax + 4 });
        x += w; rowH = Math.max(rowH, h); width = Math.max(width, x);
        lastGroup = p.group;
      }
      return { pos, width, height: y + rowH };
    };
    const search = (boost, compact) => {
      let lo = compact ? 2 : 4, hi = present ? 120 : 80;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        const L = place(mid, boost, compact);
        if (L.width <= W && L.height <= H) lo = mid; else hi = mid;
      }
      const L = place(lo, boost, compact);
      return { lo, L, fits: L.width <= W && L.height <= H };
    };
    // filters and other small panels get cells big enough for their numbers, if that still fits
    let best = search(true);
    if (!best.fits) best = search(false);
    if (!best.fits) best = search(false, true); // many panels: small titles, narrow wrapping
    const { lo, L } = best;
    this.fontFor = fontFor;
    this.draw(L, axisW, Math.min(axisFontMax, Math.max(lo * 0.45, 9)));
  }

  draw(L, axisW, axisFontBig) {
    const svg = this.svg;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    svg.setAttribute("width", L.width + 2);
    svg.setAttribute("height", L.height + 2);
    svg.setAttribute("viewBox", `-1 -1 ${L.width + 2} ${L.height + 2}`);
    this.cells = {};
    this.overlayG = {};
    this.cellSize = {};
    this.numFonts = [];
    for (const { p, x, y, cell, tf, lines, top } of L.pos) {
      const P = this.panels[p.name];
      const f = this.fontFor(cell);
      const font = f >= this.minFont ? Math.floor(f) : 0; // 0: left out, the tooltip shows it
      if (font) this.numFonts.push(font);
      this.cellSize[p.name] = cell;
      const g = el("g", { transform: `translate(${x},${y})`, class: "panel", "data-panel": p.name }, svg, true);
      lines.forEach((line, j) => {
        el("text", { x: 0, y: tf + j * Math.ceil(tf * 1.2), class: "ptitle", "font-size": tf }, g, true).textContent = line;
      });
      const cg = el("g", { transform: `translate(${axisW},${top})` }, g, true);
      const axisFont = Math.min(axisFontBig, Math.max(cell * 0.5, 9));
      const every = Math.ceil((axisFont * 1.4) / cell);
      for (let c = 0; c < P.cols; c += every) {
        el("text", { x: c * cell + cell / 2, y: -4, class: "axis", "font-size": axisFont, "text-anchor": "middle" }, cg, true).textContent = String(c + p.col0);
      }
      for (let r = 0; r < P.rows; r += every) {
        el("text", { x: -5, y: r * cell + cell / 2, class: "axis", "font-size": axisFont, "text-anchor": "end", "dominant-baseline": "central" }, cg, true).textContent = String(r + p.row0);
      }
      const cells = [];
      for (let r = 0; r < P.rows; r++) {
        for (let c = 0; c < P.cols; c++) {
          const rect = el("rect", { x: c * cell, y: r * cell, width: cell, height: cell, class: "cell", "data-cell": `${p.name}:${r},${c}` }, cg, true);
          const text = font ? el("text", { x: c * cell + cell / 2, y: r * cell + cell / 2, class: "num", "font-size": font, "text-anchor": "middle", "dominant-baseline": "central" }, cg, true) : null;
          cells.push({ rect, text, v: NaN, state: "" });
        }
      }
      this.cells[p.name] = cells;
      this.overlayG[p.name] = el("g", { class: "overlays" }, cg, true);
      el("rect", { x: 0, y: 0, width: P.cols * cell, height: P.rows * cell, class: "frame" }, cg, true);
      cg.addEventListener("mousemove", (e) => this.onHover(e, p.name));
      cg.addEventListener("mouseleave", () => this.onHover(null, null));
      cg.addEventListener("click", (e) => this.onClick(e, p.name));
    }
    this.render(true);
  }

  // ---------------------------------------------------------------- per step
  valueAt(P, idx) {
    return P.snaps ? (this.k >= 0 && P.snaps.length ? P.snaps[this.k][idx] : 0) : P.values[idx];
  }

  render(full) {
    const k = this.k, B = this.board, d = this.d;
    const st = B.steps[k] || { overlays: {}, numbers: [], notes: [], label: "", h: 0, w: 0 };
    const notYet = this.colors.not_yet;
    for (const name in this.cells) {
      const P = this.panels[name];
      if (!full && !P.snaps && !P.written) continue;
      const cells = this.cells[name];
      const sc = P.p.scale;
      for (let idx = 0; idx < cells.length; idx++) {
        const C = cells[idx];
        const hidden = P.written && P.written[idx] > k;
        const v = this.valueAt(P, idx);
        const state = hidden ? "n" : "v";
        if (!full && C.state === state && (hidden || C.v === v)) continue;
        C.state = state; C.v = v;
        let rgb;
        if (hidden) rgb = hexRgb(notYet);
        else if (sc.kind === "signed") rgb = ramp(this.stops.signed, 0.5 + 0.5 * (v / (sc.vmax || 1)));
        else rgb = ramp(this.stops.sequential, (v - sc.vmin) / ((sc.vmax - sc.vmin) || 1));
        C.rect.setAttribute("fill", `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`);
        if (C.text) {
          C.text.textContent = hidden ? "" : fmt(v, d);
          const [wr, wg, wb] = B.style.luma; // the text-colour rule, decided in Python (cnnviz/steps/style.py)
          const lum = wr * rgb[0] + wg * rgb[1] + wb * rgb[2];
          C.text.setAttribute("fill", lum < B.style.dark_below ? B.style.text_on_dark : B.style.text);
        }
      }
    }
    // overlays: static ones once per layout, the step's every time
    for (const name in this.overlayG) {
      const g = this.overlayG[name];
      while (g.firstChild) g.removeChild(g.firstChild);
    }
    const layers = {};
    const add = (role, byPanel) => {
      for (const name in byPanel || {}) {
        if (!this.overlayG[name]) continue;
        (layers[name] = layers[name] || {});
        (layers[name][role] = layers[name][role] || []).push(...byPanel[name]);
      }
    };
    for (const role in B.static || {}) add(role, B.static[role]);
    for (const role in st.overlays) add(role, st.overlays[role]);
    add("differs", this.marks);
    if (this.hover) for (const role in this.hover) add(role, this.hover[role]);
    for (const name in layers) {
      const g = this.overlayG[name];
      const cell = this.cellSize[name];
      for (const role of OVERLAY_ORDER) {
        for (const q of layers[name][role] || []) {
          const filled = role === "skipped" || role === "pad_ring";
          const inset = filled ? 0 : role === "hover" || role === "hover_cell" ? 1 : role === "window" || role === "receives" ? 2 : 3;
          const sw = filled ? 0 : Math.max(2, Math.min(5, cell * 0.08));
          el("rect", {
            x: q[2] * cell + inset, y: q[0] * cell + inset,
            width: Math.max((q[3] - q[2]) * cell - 2 * inset, 1), height: Math.max((q[1] - q[0]) * cell - 2 * inset, 1),
            class: "ov " + role, "data-role": role,
            stroke: filled ? "none" : this.colors[role], "stroke-width": sw,
            fill: filled ? this.colors[role] : "none",
            "fill-opacity": role === "skipped" ? 0.35 : role === "pad_ring" ? 0.18 : 0,
            "stroke-dasharray": role === "hover" || role === "hover_cell" ? `${sw * 2},${sw}` : "none",
          }, g, true);
        }
      }
    }
    // numbers box and code, in the same frame
    this.numbersEl.innerHTML = "";
    for (const line of st.numbers) el("div", { class: "nline" }, this.numbersEl).textContent = fill(line, d);
    let current = -1;
    (st.notes || []).forEach((n, j) => { if (n) current = j; });
    this.codeLines.forEach((note, j) => {
      const n = (st.notes || [])[j];
      note.textContent = n ? "   # " + fill(n, d) : "";
      note.parentElement.classList.toggle("current", j === current);
    });
    this.counter.textContent = `${k + 1} / ${this.n}  ` + (st.h === null || st.h === undefined ? st.label : `(${st.h}, ${st.w})`);
    this.scrub.value = String(k);
    this.root.setAttribute("data-step", String(k));
    const want = this.playing ? "pause" : "play";
    if (this.playBtn.dataset.icon !== want) { this.playBtn.innerHTML = icon(want); this.playBtn.dataset.icon = want; }
    this.playBtn.setAttribute("aria-pressed", String(this.playing));
  }

  go(k, fromPlay) {
    k = Math.min(Math.max(k | 0, 0), this.n - 1);
    if (!fromPlay && this.playing) this.stop(false);
    if (k !== this.k) {
      this.k = k;
      this.render(false);
    }
    if (!fromPlay) this.scheduleReport();
  }

  // ---------------------------------------------------------------- play
  toggle() { if (this.playing) this.stop(true); else this.play(); }

  play() {
    if (this.n <= 1) return;
    clearTimeout(this.reportTimer);
    if (this.k >= this.n - 1) this.go(0, true);
    this.playing = true;
    this.render(false);
    const interval = BASE_MS / this.speed;
    const t0 = performance.now();
    let frame = 0;
    const tick = () => {
      frame += 1;
      this.go(this.k + 1, true);
      if (this.k >= this.n - 1) { this.stop(true); return; }
      this.timer = setTimeout(tick, Math.max(t0 + (frame + 1) * interval - performance.now(), 0));
    };
    this.timer = setTimeout(tick, interval);
  }

  stop(report) {
    clearTimeout(this.timer);
    const was = this.playing;
    this.playing = false;
    if (was && this.root) this.render(false);
    if (report) this.report();
  }

  // ---------------------------------------------------------------- report to Python
  scheduleReport() {
    clearTimeout(this.reportTimer);
    this.reportTimer = setTimeout(() => this.report(), REPORT_MS);
  }

  report() {
    clearTimeout(this.reportTimer);
    if (this.k === this.lastReported) return;
    this.lastReported = this.k;
    if (this.hooks.report) this.hooks.report(this.k);
  }

  // ---------------------------------------------------------------- input
  onKey(e) {
    const tag = (e.target.tagName || "").toLowerCase();
    if (tag === "select") return;
    if (tag === "input" && (e.key === "ArrowLeft" || e.key === "ArrowRight" || e.key === "Home" || e.key === "End")) return;
    if (tag === "button" && (e.key === " " || e.key === "Enter")) return;
    const keys = { ArrowLeft: () => this.go(this.k - 1), ArrowRight: () => this.go(this.k + 1), Home: () => this.go(0), End: () => this.go(this.n - 1), " ": () => this.toggle() };
    const fn = keys[e.key];
    if (fn) { e.preventDefault(); fn(); }
  }

  cellAt(e, name) {
    const t = e.target;
    const dc = t && t.getAttribute && t.getAttribute("data-cell");
    let r, c;
    if (dc) {
      [r, c] = dc.split(":").pop().split(",").map(Number);
    } else {
      const box = this.overlayG[name].parentNode.getBoundingClientRect();
      const cs = this.cellSize[name];
      r = Math.floor((e.clientY - box.top) / cs); c = Math.floor((e.clientX - box.left) / cs);
    }
    const P = this.panels[name];
    if (!(r >= 0 && r < P.rows && c >= 0 && c < P.cols)) return null;
    return [r, c];
  }

  onHover(e, name) {
    if (!e) { this.tip.style.display = "none"; if (this.hover) { this.hover = null; this.render(false); } this.hoverKey = null; return; }
    const rc = this.cellAt(e, name);
    if (!rc) return;
    const [r, c] = rc;
    const P = this.panels[name];
    const key = name + ":" + r + "," + c;
    const idx = r * P.cols + c;
    const hidden = P.written && P.written[idx] > this.k;
    this.tip.textContent = `${P.p.array}${P.p.channel === null ? "" : ""} ${P.p.title.replace(/\[.*\]$/, "")}[${r + P.p.row0}, ${c + P.p.col0}] = ` + (hidden ? "not computed yet" : String(this.valueAt(P, idx)));
    const box = this.root.getBoundingClientRect();
    this.tip.style.display = "block";
    this.tip.style.left = Math.min(e.clientX - box.left + 14, box.width - 260) + "px";
    this.tip.style.top = e.clientY - box.top + 16 + "px";
    if (key === this.hoverKey) return;
    this.hoverKey = key;
    const B = this.board;
    const hov = { hover: {}, hover_cell: {} };
    const put = (role, byPanel) => { for (const n in byPanel) (hov[role][n] = hov[role][n] || []).push(...byPanel[n]); };
    const written = this.writes[key] || [];
    const read = this.reads[key] || [];
    if (written.length) {
      // an output (or a gradient cell read backward): the windows it came from / the cells it adds to
      for (const s of written) { put("hover", B.steps[s].overlays.window || {}); put("hover", B.steps[s].overlays.receives || {}); }
    } else if (read.length) {
      for (const s of read) put("hover_cell", B.steps[s].overlays.written || {});
    }
    put("hover_cell", { [name]: [[r, r + 1, c, c + 1]] });
    this.hover = hov;
    this.render(false);
  }

  onClick(e, name) {
    const rc = this.cellAt(e, name);
    if (!rc) return;
    const key = name + ":" + rc[0] + "," + rc[1];
    const steps = this.writes[key] || this.reads[key];
    if (steps && steps.length) {
      // a cell read by many steps: jump to the next one after the shown step (cycling)
      const next = steps.find((s) => s > this.k);
      this.go(next === undefined ? steps[0] : next);
    }
    this.root.focus({ preventScroll: true });
  }

  // ---------------------------------------------------------------- from the host
  // the same board with new settings: keep the shown step; take the precision, marks, presentation flag
  update(opts) {
    const relayout = this.data.present !== !!opts.present || this.d !== opts.decimals || JSON.stringify(this.data.marks) !== JSON.stringify(opts.marks || {});
    this.data = Object.assign({}, this.data, { present: !!opts.present, decimals: opts.decimals, marks: opts.marks || {} });
    this.d = opts.decimals;
    this.marks = (this.data.marks && this.data.marks.differs) || {};
    if (this.root) this.root.classList.toggle("present", !!opts.present);
    if (!this.root || !this.root.isConnected) this.mount();
    else if (relayout) this.layout();
  }

  // the host moved the step (a synced widget trait): show it without reporting it back
  show(k) {
    k = Math.min(Math.max(k | 0, 0), Math.max(this.n - 1, 0));
    if (this.playing) this.stop(false);
    clearTimeout(this.reportTimer);
    this.lastReported = k;
    if (k !== this.k) { this.k = k; this.render(false); }
  }
}

// Draw `board` (a parsed storyboard) into `element` and start listening; returns the player.
// host: {step, decimals, present, marks} to open with, and callbacks: report(step) when the user
// pauses or stops stepping, escape() when Escape is pressed in presentation mode. Call
// player.detach() when the element goes away.
export function mount(element, board, host = {}) {
  const data = { board, step: host.step | 0, decimals: host.decimals ?? 2, present: !!host.present, marks: host.marks || {} };
  const P = new Player(element, host, data);
  P.mount();
  P.attach();
  return P;
}
