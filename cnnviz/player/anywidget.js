// The notebook host of the player (anywidget: Jupyter, VS Code, Colab, marimo). player.js's source
// comes before this text in the widget's module. The board crosses the wire once (the "board"
// trait); stepping changes only "step", reported when the user pauses or stops stepping.
export default {
  render({ model, el }) {
    let P = null;
    const settings = () => ({ decimals: model.get("decimals"), marks: model.get("marks"), present: false });
    const draw = () => {
      if (P) P.detach();
      const report = (k) => { model.set("step", k); model.save_changes(); };
      P = mount(el, JSON.parse(model.get("board")), Object.assign(settings(), { step: model.get("step"), report }));
      el.__cnnvizPlayer = P;
    };
    draw();
    const onBoard = () => draw();
    const onStep = () => P.show(model.get("step"));
    const onSettings = () => P.update(settings());
    model.on("change:board", onBoard);
    model.on("change:step", onStep);
    model.on("change:decimals", onSettings);
    model.on("change:marks", onSettings);
    return () => {
      model.off("change:board", onBoard);
      model.off("change:step", onStep);
      model.off("change:decimals", onSettings);
      model.off("change:marks", onSettings);
      P.detach();
    };
  },
};
