// The manifest is what VS Code reads first: every file it names must
// exist, and each language must have its grammar, with the scope the
// grammar declares.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { root } from "./grammar.mjs";

const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));

test("every language has a configuration and a grammar of its scope", () => {
  const langs = manifest.contributes.languages;
  assert.deepEqual(langs.map((l) => l.extensions).flat(), [".cors", ".fixtures"]);
  for (const l of langs) {
    assert.ok(fs.existsSync(path.join(root, l.configuration)), l.configuration);
    const g = manifest.contributes.grammars.find((g) => g.language === l.id);
    assert.ok(g, `no grammar for ${l.id}`);
    const raw = JSON.parse(fs.readFileSync(path.join(root, g.path), "utf8"));
    assert.equal(raw.scopeName, g.scopeName);
  }
});

test("the language configuration is JSON with the comment and brackets of the language", () => {
  const conf = JSON.parse(fs.readFileSync(path.join(root, "language-configuration.json"), "utf8"));
  assert.equal(conf.comments.lineComment, "#");
  assert.deepEqual(conf.brackets, [["{", "}"]]);
  // A word is a keyword or a name with its dashes, as the lexer reads it.
  assert.equal(new RegExp(conf.wordPattern).exec("private-network x")[0], "private-network");
});

test("the client starts corsfmt lsp", () => {
  const src = fs.readFileSync(path.join(root, "src/extension.ts"), "utf8");
  assert.match(src, /args: \["lsp"\]/);
  assert.equal(manifest.contributes.configuration.properties["corsfmt.path"].default, "corsfmt");
});
