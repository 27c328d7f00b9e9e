// The Streamlit host of the player (cnnviz/player/player.js). What Python sends (encode in
// cnnviz/app/player/__init__.py): one line of JSON (board id, step, precision, presentation flag,
// marks, the player's code digest, the sizes of the parts that follow), a newline, then, each only
// when this session has not had it yet: the player's ES module, its stylesheet, the board's JSON.
// This tab keeps modules by digest and boards by id, so a rerun that keeps the board is a header.
const KEEP = 4; // boards kept (a page left and opened again needs no resend)
const tab = (window.__cnnviz = window.__cnnviz || { modules: new Map(), boards: new Map() });

function decode(raw) {
  const text = new TextDecoder();
  const nl = raw.indexOf(10);
  const head = JSON.parse(text.decode(raw.subarray(0, nl)));
  const parts = {};
  let at = nl + 1;
  for (const name in head.sizes) {
    parts[name] = raw.subarray(at, at + head.sizes[name]);
    at += head.sizes[name];
  }
  return { head, parts, text: (name) => text.decode(parts[name]) };
}

function keep(id, board) {
  tab.boards.delete(id);
  tab.boards.set(id, board);
  while (tab.boards.size > KEEP) tab.boards.delete(tab.boards.keys().next().value);
}

function load(sent) {
  const { head, parts } = sent;
  if (parts.code) {
    const url = URL.createObjectURL(new Blob([parts.code], { type: "text/javascript" }));
    tab.modules.set(head.code, import(url).finally(() => URL.revokeObjectURL(url)));
  }
  if (parts.css && !document.getElementById("cnnviz-css-" + head.code)) {
    const style = document.createElement("style");
    style.id = "cnnviz-css-" + head.code;
    style.textContent = sent.text("css");
    document.head.appendChild(style);
  }
  return tab.modules.get(head.code);
}

function render(mount, component, sent) {
  const { parentElement } = component;
  const head = sent.head;
  let P = parentElement.__cnnvizPlayer;
  // the callbacks read the newest component (Streamlit hands a new one to every render)
  const host = parentElement.__cnnvizHost || (parentElement.__cnnvizHost = {});
  host.report = (k) => host.component.setStateValue("step", k);
  host.escape = () => host.component.setStateValue("escape", Date.now());
  // presentation mode's previous/next lesson (keys p / n): the page's own links (cnnviz/app/lesson.py title)
  host.next = () => { const a = document.querySelector(".st-key-cnnviz_next a"); if (a) a.click(); };
  host.prev = () => { const a = document.querySelector(".st-key-cnnviz_prev a"); if (a) a.click(); };
  host.component = component;
  // a check (cnnviz/app/check_panel.py) sends marks.seek = {step, check}: a new check opens its step
  const seek = (head.marks && head.marks.seek) || null;
  const fresh = seek && parentElement.__cnnvizSeek !== seek.check;
  parentElement.__cnnvizSeek = seek ? seek.check : undefined;
  if (P && P.boardId === head.id) {
    P.update(head);
    if (fresh) P.show(seek.step);
    P.attach();
    return P;
  }
  const board = sent.parts.board ? JSON.parse(sent.text("board")) : tab.boards.get(head.id);
  if (!board) return null;
  keep(head.id, board);
  if (P) P.detach();
  performance.mark("cnnviz-player-start"); // first paint diagnostics (bench/bench_app.py)
  P = mount(parentElement, board, Object.assign(host, { step: head.step, decimals: head.decimals, present: head.present, marks: head.marks }));
  P.boardId = head.id;
  parentElement.__cnnvizPlayer = P;
  performance.mark("cnnviz-player-drawn");
  return P;
}

export default function (component) {
  const sent = decode(component.data);
  const need = () => component.setStateValue("need", Date.now()); // a rerun sends everything again
  const module = load(sent);
  if (!module) { need(); return () => {}; }
  let gone = false, P = null;
  module.then((m) => {
    if (gone) return;
    P = render(m.mount, component, sent);
    if (!P) need();
  }, need);
  return () => { gone = true; if (P) P.detach(); };
}
