// The player's number format (cnnviz/player/player.js, export fmt) on [[value, decimals], ...] from stdin.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { fmt } = await import(pathToFileURL(process.argv[2]).href);
const cases = JSON.parse(readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map(([v, d]) => fmt(v, d))));
