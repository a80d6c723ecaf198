// Loads the extension's TextMate grammars with the engine VS Code uses
// (vscode-textmate, with the Oniguruma regular expressions of
// vscode-oniguruma) and renders the tokens of a text for golden files.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const grammarFiles = {
  "source.cors": path.join(root, "syntaxes/cors.tmLanguage.json"),
  "source.cors-fixtures": path.join(root, "syntaxes/cors-fixtures.tmLanguage.json"),
};

const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm"));
const onigLib = oniguruma
  .loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength))
  .then(() => ({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }));

const registry = new vsctm.Registry({
  onigLib,
  loadGrammar: async (scope) => {
    const file = grammarFiles[scope];
    return file ? vsctm.parseRawGrammar(fs.readFileSync(file, "utf8"), file) : null;
  },
});

export async function grammar(scope) {
  const g = await registry.loadGrammar(scope);
  if (!g) throw new Error(`no grammar ${scope}`);
  return g;
}

// tokens returns, for each line of text, its tokens: the text of each and
// its scopes, the grammar's own scope left out.
export function tokens(g, text) {
  let state = vsctm.INITIAL;
  return text.split("\n").map((line) => {
    const r = g.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({
      text: line.slice(t.startIndex, t.endIndex),
      scopes: t.scopes.slice(1),
    }));
  });
}

// render writes the tokens of a text as a golden file shows them: each
// line of source after "> ", then each token that is not bare whitespace,
// quoted, with its scopes.
export function render(g, text) {
  const lines = text.split("\n");
  const out = [];
  tokens(g, text).forEach((toks, i) => {
    out.push("> " + lines[i]);
    for (const t of toks) {
      if (t.scopes.length === 0 && t.text.trim() === "") continue;
      out.push(`  ${JSON.stringify(t.text)} ${t.scopes.join(" ") || "-"}`);
    }
  });
  return out.join("\n") + "\n";
}

// scopesOf returns the scopes of the token of a one-line text that holds
// the given piece of it.
export function scopesOf(g, line, piece) {
  const at = line.indexOf(piece);
  if (at < 0) throw new Error(`${piece} not in ${line}`);
  let off = 0;
  for (const t of tokens(g, line)[0]) {
    if (off <= at && at < off + t.text.length) return t.scopes;
    off += t.text.length;
  }
  throw new Error(`no token at ${at}`);
}
