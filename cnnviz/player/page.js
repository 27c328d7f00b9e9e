// The offline host of the player: one HTML file (cnnviz/player/html.py) with player.js's source
// before this text and the board in a <script type="application/json"> element. Nothing is fetched.
const settings = JSON.parse(document.getElementById("cnnviz-settings").textContent);
const board = JSON.parse(document.getElementById("cnnviz-board").textContent);
const element = document.getElementById("cnnviz");
const player = mount(element, board, settings);
element.__cnnvizPlayer = player;
player.root.focus({ preventScroll: true });
