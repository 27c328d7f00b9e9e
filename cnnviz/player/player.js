// cnnviz lesson player: draws one storyboard (cnnviz/steps/storyboard.py) as SVG, steps it in the
// browser, and reports the step to its host only when the user pauses or stops stepping.
// One ES module for every host: `mount(element, board, host)` (the Streamlit component, the notebook
// widget and the offline HTML page are thin adapters around it, cnnviz/player/__init__.py).
const SVGNS = "http://www.w3.org/2000/svg";
const SPEEDS = [0.25, 0.5, 1, 2, 4];
const BASE_MS = 700; // one step at 1x
const REPORT_MS = 1000; // report the step this long after the last step change
// cell numbers: a narrow face where the machine has one (measured, so any fallback still fits)
const NUM_FAMILY = '"Liberation Sans Narrow", "Arial Narrow", "Roboto Condensed", "Helvetica Neue", Arial, sans-serif';
// panels drawn smaller, as context for the step: conv_backward's dZ (the step reads one cell of it, and
// the step box prints it), so that the window on a_prev_pad and where it lands in dA_prev_pad are large
const CONTEXT = { conv_backward: ["dZ"] };
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
    // per-channel panels ("a_prev_pad/1", "W/1", ...): one channel in focus, the others as thumbnails
    this.chanOf = {};
    const chans = new Set();
    for (const p of B.panels) { const m = /\/(\d+)$/.exec(p.name); if (m) { this.chanOf[p.name] = +m[1]; chans.add(+m[1]); } }
    this.channels = [...chans].sort((a, b) => a - b);
    if (this.focus === undefined || !this.channels.includes(this.focus)) this.focus = this.channels.length ? this.channels[0] : null;
    // a thumbnail shows a channel's first input panel (else its first panel)
    this.thumbPanel = {};
    for (const k of this.channels) {
      const mine = B.panels.filter((p) => this.chanOf[p.name] === k && !p.toggle);
      this.thumbPanel[k] = (mine.find((p) => p.role === "input") || mine[0] || {}).name;
    }
    // pooling marks sit inside a cell's edge: its number keeps clear of them
    this.guard = "chosen_max" in B.legend || "tied_max" in B.legend ? 6 : 2.5;
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
      const item = el("span", { class: "key differs" }, legend);
      el("i", { style: "border-color:" + this.colors.differs }, item);
      item.appendChild(document.createTextNode("a red frame: your code's value differs from the reference here (hover for ours)"));
    }
    this.dNote = el("span", { class: "key dnote" }, legend);
    this.hint = el("span", { class: "hint", "aria-hidden": "true" }, root); // over the corner: takes no room
    this.hint.textContent = "click the player, then ←/→ step · Space play" + (this.channels.length > 1 ? " · ↑/↓ channel" : "");
    if (this.channels.length > 1) {
      this.thumbsEl = el("div", { class: "thumbs", role: "group", "aria-label": "channel in focus (↑/↓)" }, this.legendEl);
      el("span", { class: "tlabel" }, this.thumbsEl).textContent = "channel";
      this.legendEl.prepend(this.thumbsEl);
      this.thumbs = {};
      for (const k of this.channels) {
        const name = this.thumbPanel[k];
        const P = this.panels[name];
        const b = el("button", { type: "button", class: "thumb", "aria-pressed": String(k === this.focus), "data-channel": String(k), title: `channel ${k} (↑/↓)` }, this.thumbsEl);
        const cs = Math.max(1, Math.min(3, Math.floor(30 / Math.max(P.rows, P.cols))));
        const svg = el("svg", { width: P.cols * cs, height: P.rows * cs, "aria-hidden": "true" }, b, true);
        const sc = P.p.scale;
        for (let r = 0; r < P.rows; r++) for (let c = 0; c < P.cols; c++) {
          const v = P.values[r * P.cols + c];
          const rgb = sc.kind === "signed" ? ramp(this.stops.signed, 0.5 + 0.5 * (v / (sc.vmax || 1))) : ramp(this.stops.sequential, (v - sc.vmin) / ((sc.vmax - sc.vmin) || 1));
          el("rect", { x: c * cs, y: r * cs, width: cs, height: cs, fill: `rgb(${rgb[0]},${rgb[1]},${rgb[2]})` }, svg, true);
        }
        const win = el("rect", { class: "twin", fill: "none", stroke: this.colors.window, "stroke-width": 1.5, width: 0, height: 0 }, svg, true);
        el("span", {}, b).textContent = `k = ${k}`;
        b.addEventListener("click", (e) => { this.setFocus(k); root.focus({ preventScroll: true }); e.stopPropagation(); });
        this.thumbs[k] = { b, win, cs, name };
      }
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
    root.addEventListener("focus", () => root.classList.add("focused"));
    root.addEventListener("blur", () => root.classList.remove("focused"));
    this.layout();
    // keys work on arrival: take the focus unless the user is already in another control
    const active = document.activeElement;
    if (!active || active === document.body || active === document.documentElement) root.focus({ preventScroll: true });
  }

  setFocus(k) {
    if (!this.channels.includes(k) || k === this.focus) return;
    this.focus = k;
    for (const j in this.thumbs) this.thumbs[j].b.setAttribute("aria-pressed", String(+j === k));
    this.hover = null; this.hoverKey = null;
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
    const multi = this.channels.length > 1;
    return this.board.panels.filter((p) => (!p.toggle || this.toggles[p.toggle]) && (!multi || !(p.name in this.chanOf) || this.chanOf[p.name] === this.focus));
  }

  widestNumber(d, only) {
    // the widest number of a panel (or of the board) at this precision decides the font of its cells
    let widest = "0";
    for (const name in this.panels) {
      if (only && name !== only) continue;
      const P = this.panels[name];
      const arrs = P.snaps ? [P.values, P.snaps[P.snaps.length - 1]] : [P.values];
      for (const a of arrs) for (let i = 0; i < a.length; i++) { const t = fmt(a[i], d); if (t.length > widest.length) widest = t; }
    }
    return widest;
  }

  shortTitle(p) {
    // "dA_prev_pad[0, :, :, 1]: filter c = 0's share only (...)" -> "dA_prev_pad[0, :, :, 1]"; the rest on hover
    return p.title.split(/: | \(/)[0];
  }

  layout() {
    const root = this.root;
    if (!root || !root.isConnected) return;
    const present = !!this.data.present;
    const W = Math.max(root.clientWidth - 16, 240);
    const vh = window.innerHeight || 720;
    const rootTop = present ? Math.max(root.getBoundingClientRect().top + window.scrollY, 0) : 0;
    const above = this.bar.offsetHeight + this.legendEl.offsetHeight;
    const fixed = above + root.querySelector(".text").offsetHeight + 16;
    // presentation: everything on one screen. Normal: the page scrolls, but every row of panels (the
    // input with its window beside the output) fits the screen under the controls.
    const H = present ? Math.max(vh - rootTop - 14 - fixed, 140) : Infinity;
    const rowMax = present ? Infinity : Math.max(vh - above - 48, 200);
    this.minFont = window.innerWidth >= 1600 ? 18 : 14;
    const mono = getComputedStyle(this.numbersEl).fontFamily || "monospace";
    const panels = this.visiblePanels();
    const titleMax = present ? 20 : 16, titleMin = 12;
    const gap = 18;
    const axisFontMax = present ? 15 : 13;
    const axisFontMin = 12;
    const digits = Math.max(...panels.map((p) => String(Math.max(p.shape[0] + p.row0 - 1, p.shape[1] + p.col0 - 1)).length + (p.row0 < 0 || p.col0 < 0 ? 1 : 0)));
    const axisW = Math.ceil(axisFontMax * 0.62 * digits) + 8;
    const small = (p) => Math.max(p.shape[0], p.shape[1]) <= 5; // filters, products, db: stacked beside the big ones
    const guard = this.guard; // px kept clear at each side of a number (the highlight frames)
    let needCell;
    const perPxOf = {};
    const needOf = (p) => Math.ceil(this.minFont * perPxOf[p.name] + 2 * guard) + 1;
    const place = (cell, boost = true, compact = false) => {
      const context = CONTEXT[this.board.lesson] || [];
      const items = panels.map((p) => {
        const c = context.includes(p.name) ? Math.max(Math.floor(cell * 0.6), 4) : boost && small(p) ? Math.max(cell, needOf(p)) : cell;
        const gridW = p.shape[1] * c;
        const title = this.shortTitle(p);
        let tf = compact ? titleMin : titleMax, tw = textWidth(title, tf, mono);
        while (tw > gridW + axisW && tf > titleMin) { tf -= 1; tw = textWidth(title, tf, mono); }
        // a title still wider than its grid wraps at spaces onto more lines (never clipped)
        const room = Math.max(gridW + axisW, 96);
        const lines = [];
        for (const word of title.split(" ")) {
          const cur = lines.length ? lines[lines.length - 1] + " " + word : word;
          if (lines.length && textWidth(cur, tf, mono) > room) lines.push(word);
          else if (lines.length) lines[lines.length - 1] = cur; else lines.push(word);
        }
        tw = Math.max(...lines.map((t) => textWidth(t, tf, mono)));
        const w = Math.max(axisW + gridW, tw + 2);
        const titleH = lines.length * Math.ceil(tf * 1.2);
        const top = titleH + 6 + axisFontMax + 4;
        return { p, cell: c, tf, lines, w, h: top + p.shape[0] * c, top };
      });
      // the small panels (W, products, dW, db) stand in columns of two after the first big panel
      const bigs = items.filter((it) => !small(it.p)), smalls = items.filter((it) => small(it.p));
      let slots = items.map((it) => [it]);
      if (context.length) {
        // the context panel joins the small ones: the big panels (the window's input, where it lands) share the first row
        const main = bigs.filter((it) => !context.includes(it.p.name));
        const rest = [...items.filter((it) => context.includes(it.p.name)), ...smalls];
        const stacks = [];
        for (let i = 0; i < rest.length; i += 2) stacks.push(rest.slice(i, i + 2));
        slots = [...main.map((it) => [it]), ...stacks];
      } else if (bigs.length && smalls.length > 1) {
        const stacks = [];
        for (let i = 0; i < smalls.length; i += 2) stacks.push(smalls.slice(i, i + 2));
        slots = [[bigs[0]], ...stacks, ...bigs.slice(1).map((it) => [it])];
      }
      let x = 0, y = 0, rowH = 0, width = 0, maxRow = 0, rows = 1;
      const pos = [];
      for (const slot of slots) {
        const w = Math.max(...slot.map((it) => it.w));
        const h = slot.reduce((a, it) => a + it.h, 0) + gap * (slot.length - 1);
        if (x > 0 && x + gap + w > W) { x = 0; y += rowH + gap; rowH = 0; rows += 1; }
        else if (x > 0) x += gap;
        let sy = y;
        for (const it of slot) { pos.push(Object.assign({ x, y: sy, row: rows }, it)); sy += it.h + gap; }
        x += w; rowH = Math.max(rowH, h); width = Math.max(width, x); maxRow = Math.max(maxRow, rowH);
      }
      return { pos, width, height: y + rowH, maxRow, rows };
    };
    const fits0 = (L) => L.width <= W && L.height <= H && L.maxRow <= rowMax;
    const search = (boost, compact) => {
      // as few rows as the numbers allow (the input beside its output), then the largest cells
      // every panel in the row it has at the smallest cells that keep the numbers (never pushed down a row)
      const base = {};
      for (const it of place(Math.max(needCell, 4), boost, compact).pos) base[it.p.name] = it.row;
      const fits = (L) => fits0(L) && L.pos.every((it) => it.row <= base[it.p.name]);
      let lo = compact ? 2 : 4, hi = present ? 120 : 72;
      if (!fits(place(lo, boost, compact))) { lo = compact ? 2 : 4; }
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (fits(place(mid, boost, compact))) lo = mid; else hi = mid;
      }
      const L = place(lo, boost, compact);
      return { lo, L, fits: fits0(L) };
    };
    // the precision asked for, or fewer decimals in the cells when that is what keeps their numbers
    // (the tooltip and the step box keep every digit asked for)
    let best = null;
    for (const dd of [this.d, 4, 2].filter((x, i, a) => x <= this.d && a.indexOf(x) === i)) {
      for (const p of panels) perPxOf[p.name] = textWidth(this.widestNumber(dd, p.name), 100, NUM_FAMILY) / 100;
      needCell = Math.max(...panels.filter((p) => !small(p)).map(needOf), 4);
      let b = search(true);
      if (!b.fits) b = search(false);
      if (!b.fits) b = search(false, true); // many panels: small titles, narrow wrapping
      b.dd = dd; b.perPx = Object.assign({}, perPxOf);
      const ctx = CONTEXT[this.board.lesson] || [];
      const main = b.L.pos.filter((it) => !ctx.includes(it.p.name));
      b.shown = main.filter((it) => it.cell >= needOf(it.p)).length;
      if (!best || b.shown > best.shown) best = b;
      if (b.shown === main.length) break;
    }
    const { lo, L } = best;
    this.cellD = best.dd;
    const pp = best.perPx;
    this.fontFor = (cell, name) => Math.min(cell * 0.45, (cell - 2 * guard) / pp[name]);
    if (this.dNote) this.dNote.textContent = this.cellD < this.d ? `cells show ${this.cellD} decimals; hover a cell or read the step box for ${this.d}` : "";
    this.draw(L, axisW, Math.min(axisFontMax, Math.max(lo * 0.45, axisFontMin)));
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
      const f = this.fontFor(cell, p.name);
      const font = f >= this.minFont ? Math.floor(f) : 0; // 0: left out, the tooltip shows it
      if (font) this.numFonts.push(font);
      this.cellSize[p.name] = cell;
      const g = el("g", { transform: `translate(${x},${y})`, class: "panel", "data-panel": p.name }, svg, true);
      el("title", {}, g, true).textContent = p.title;
      lines.forEach((line, j) => {
        el("text", { x: 0, y: tf + j * Math.ceil(tf * 1.2), class: "ptitle", "font-size": tf }, g, true).textContent = line;
      });
      const cg = el("g", { transform: `translate(${axisW},${top})` }, g, true);
      // index labels: never below 12 px; on small cells every other (or every k-th) index
      const axisFont = Math.max(12, Math.min(axisFontBig, cell * 0.5));
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
          C.text.textContent = hidden ? "" : fmt(v, this.cellD ?? d);
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
          // frames sit on the cells' edges (half a stroke inside), so a number's first and last
          // characters (a minus sign) stay clear; the pooling marks sit inside (their numbers keep clear)
          const mark = role === "chosen_max" || role === "tied_max";
          const inset = filled ? 0 : mark ? 3 : role === "receives" ? 1.5 : 0;
          const sw = filled ? 0 : mark ? Math.max(2, Math.min(3, cell * 0.07)) : Math.max(2, Math.min(3, cell * 0.07));
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
    for (const j in this.thumbs || {}) {
      const T = this.thumbs[j];
      const q = ((st.overlays.window || {})[T.name] || [])[0];
      if (q) { T.win.setAttribute("x", q[2] * T.cs); T.win.setAttribute("y", q[0] * T.cs); T.win.setAttribute("width", (q[3] - q[2]) * T.cs); T.win.setAttribute("height", (q[1] - q[0]) * T.cs); }
      else T.win.setAttribute("width", 0);
    }
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
      // after the frame is painted: measuring before it would force a layout inside the step
      cancelAnimationFrame(this.viewRaf);
      this.viewRaf = requestAnimationFrame(() => setTimeout(() => this.keepInView(), 0));
    }
    if (!fromPlay) this.scheduleReport();
  }

  keepInView() {
    // the page scrolls (normal mode): bring the step's window and what it writes back on screen
    if (!this.svg || this.data.present) return;
    const vh = window.innerHeight || 720;
    for (const ov of this.svg.querySelectorAll(".ov.written, .ov.window")) {
      const r = ov.getBoundingClientRect();
      if (r.top < 0 || r.bottom > vh) ov.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
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
    const ch = this.channels, at = ch.indexOf(this.focus);
    const keys = {
      ArrowLeft: () => this.go(this.k - 1), ArrowRight: () => this.go(this.k + 1), PageUp: () => this.go(this.k - 1), PageDown: () => this.go(this.k + 1),
      Home: () => this.go(0), End: () => this.go(this.n - 1), " ": () => this.toggle(),
    };
    if (ch.length > 1) { keys.ArrowUp = () => this.setFocus(ch[(at + ch.length - 1) % ch.length]); keys.ArrowDown = () => this.setFocus(ch[(at + 1) % ch.length]); }
    if (this.data.present && this.hooks.next) keys.n = () => this.hooks.next();
    if (this.data.present && this.hooks.prev) keys.p = () => this.hooks.prev();
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
    this.tip.textContent = `${this.cellName(P.p, r, c)} = ` + (hidden ? "not computed yet" : fmt(this.valueAt(P, idx), this.d));
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

  cellName(p, r, c) {
    // the cell with every index, from the panel's title: A_prev_pad[0, :, :, 1] -> A_prev_pad[0, 3, 4, 1]
    const m = /^([^[\s]+)\[([^\]]*)\]/.exec(p.title);
    if (!m) return `${p.array}[${r + p.row0}, ${c + p.col0}]`;
    let n = 0;
    const parts = m[2].split(",").map((t) => t.trim()).map((t) => (t === ":" ? String(n++ === 0 ? r + p.row0 : c + p.col0) : t));
    if (n === 0 && p.shape[0] * p.shape[1] > 1) parts.push(String(r + p.row0), String(c + p.col0));
    return `${m[1]}[${parts.join(", ")}]`;
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
    const toPresent = !!opts.present && !this.root?.classList.contains("present");
    if (this.root) this.root.classList.toggle("present", !!opts.present);
    if (this.root && toPresent && this.codeBtn) {
      // presenting: the figure first, the code closed until asked for
      this.codeBtn.setAttribute("aria-pressed", "false");
      this.codeEl.style.display = "none";
    }
    if (!this.root || !this.root.isConnected) this.mount();
    else if (relayout) {
      this.layout();
      clearTimeout(this.relayoutTimer); // the host's page changes around the player (sidebar hidden): measure again
      this.relayoutTimer = setTimeout(() => this.layout(), 350);
    }
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
