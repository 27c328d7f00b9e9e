// The player's replay (cnnviz/player/player.js, export replay) on one board read from stdin: every
// panel's values after every step as JSON ({name: [[...cells], ...]}; constant panels: one row).
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { replay } = await import(pathToFileURL(process.argv[2]).href);
const board = JSON.parse(readFileSync(0, "utf8"));
const out = {};
for (const [name, P] of Object.entries(replay(board))) out[name] = P.snaps ? P.snaps.map((a) => Array.from(a)) : [Array.from(P.values)];
process.stdout.write(JSON.stringify(out));
