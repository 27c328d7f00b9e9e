// The Streamlit host of the player (cnnviz/player/player.js, whose source comes before this text in
// the component's module). What Python sends (cnnviz/app/player/__init__.py, encode): one line of
// JSON with the id, step, precision, presentation flag and marks, a newline, then the board's JSON,
// which is parsed only when the id is new.
function decode(raw) {
  const nl = raw.indexOf(10);
  const text = new TextDecoder();
  return { head: JSON.parse(text.decode(raw.subarray(0, nl))), board: () => JSON.parse(text.decode(raw.subarray(nl + 1))) };
}

export default function (component) {
  const { parentElement } = component;
  const sent = decode(component.data);
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
  if (P && P.boardId === head.id) {
    P.update(head);
    P.attach();
  } else {
    if (P) P.detach();
    performance.mark("cnnviz-player-start"); // first paint diagnostics (bench/bench_app.py)
    P = mount(parentElement, sent.board(), Object.assign(host, { step: head.step, decimals: head.decimals, present: head.present, marks: head.marks }));
    P.boardId = head.id;
    parentElement.__cnnvizPlayer = P;
    performance.mark("cnnviz-player-drawn");
  }
  return () => P.detach();
}
