// Golden token scopes for every example and every SPEC.md snippet, and
// the cases a grammar is most easily wrong about. UPDATE_GOLDEN=1 (npm run
// update) rewrites the golden files in testdata/.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { grammar, render, root, scopesOf } from "./grammar.mjs";

const repo = path.resolve(root, "../..");
const update = process.env.UPDATE_GOLDEN === "1";
const cors = await grammar("source.cors");
const fixtures = await grammar("source.cors-fixtures");

function golden(name, got) {
  const file = path.join(root, "testdata", name);
  if (update) {
    fs.writeFileSync(file, got);
    return;
  }
  assert.ok(fs.existsSync(file), `${file} is missing: run npm run update`);
  assert.equal(got, fs.readFileSync(file, "utf8"), `${name} differs from the tokens: run npm run update and review the diff`);
}

const examples = fs
  .readdirSync(path.join(repo, "examples"))
  .filter((f) => f.endsWith(".cors") || f.endsWith(".fixtures"))
  .sort();

test("there are examples to tokenize", () => {
  assert.ok(examples.length >= 2);
});

for (const name of examples) {
  test(`golden tokens of examples/${name}`, () => {
    const g = name.endsWith(".cors") ? cors : fixtures;
    golden(`${name}.golden`, render(g, fs.readFileSync(path.join(repo, "examples", name), "utf8")));
  });
}

test("no golden file without its example", () => {
  const stale = fs
    .readdirSync(path.join(root, "testdata"))
    .filter((f) => f.endsWith(".golden") && f !== "spec-snippets.golden" && !examples.includes(f.replace(/\.golden$/, "")));
  assert.deepEqual(stale, []);
});

// The untagged code blocks of SPEC.md are policies, fragments of them
// and fixture files; tagged ones (ebnf, go) are not in the language.
test("golden tokens of the SPEC.md snippets", () => {
  const spec = fs.readFileSync(path.join(repo, "SPEC.md"), "utf8").split("\n");
  const out = [];
  // Snippets are named by the section they are in, not by line, so that
  // prose added above them changes no golden file.
  let heading = "";
  const seen = {};
  for (let i = 0; i < spec.length; i++) {
    if (/^#+ /.test(spec[i])) heading = spec[i].replace(/^#+ /, "");
    if (!spec[i].startsWith("```")) continue;
    const start = i + 1;
    let end = start;
    while (end < spec.length && !spec[end].startsWith("```")) end++;
    const tagged = spec[i] !== "```";
    i = end; // past the closing fence
    if (tagged) continue;
    const text = spec.slice(start, end).join("\n");
    const g = /^\s*(#.*\n\s*)*fixtures\b/.test(text) ? fixtures : cors;
    seen[heading] = (seen[heading] || 0) + 1;
    out.push(`=== SPEC.md, ${heading}, snippet ${seen[heading]} (${g === cors ? "cors" : "fixtures"})`);
    out.push(render(g, text));
  }
  assert.ok(out.length >= 20, `only ${out.length / 2} snippets found in SPEC.md`);
  golden("spec-snippets.golden", out.join("\n"));
});

test("clause keywords with a dash are one token, and durations are numbers", () => {
  assert.deepEqual(scopesOf(cors, "    max-age 2h", "max-age"), ["keyword.other.clause.cors"]);
  assert.deepEqual(scopesOf(cors, "    max-age 2h", "2h"), ["constant.numeric.duration.cors"]);
  assert.deepEqual(scopesOf(cors, "    preflight-status 204", "204"), ["constant.numeric.integer.cors"]);
  assert.deepEqual(scopesOf(cors, "    private-network", "private-network"), ["keyword.other.clause.flag.cors"]);
});

test("a set declaration is told from a clause of the same word", () => {
  assert.deepEqual(scopesOf(cors, 'methods write = "PUT"', "methods"), ["storage.type.set.cors"]);
  assert.deepEqual(scopesOf(cors, 'methods write = "PUT"', "write"), ["entity.name.type.set.cors"]);
  assert.deepEqual(scopesOf(cors, '        methods write, "GET"', "methods"), ["keyword.other.clause.cors"]);
  assert.deepEqual(scopesOf(cors, '        methods write, "GET"', "write"), ["variable.other.set.cors"]);
});

test("wildcards are marked inside strings, and strings hold no comments", () => {
  const line = 'allow "https://*.example.com#x", "/api/**"';
  assert.deepEqual(scopesOf(cors, line, "*."), ["string.quoted.double.cors", "keyword.operator.wildcard.cors"]);
  assert.deepEqual(scopesOf(cors, line, "#x"), ["string.quoted.double.cors"]);
  assert.deepEqual(scopesOf(cors, line, "**"), ["string.quoted.double.cors", "keyword.operator.wildcard.cors"]);
});

test("an unterminated string ends with its line", () => {
  const [, next] = (() => {
    const text = 'allow "https://a.example\n    deny any';
    return [null, render(cors, text)];
  })();
  assert.match(next, /"deny" keyword\.control\.deny\.cors/);
  assert.match(next, /"any" constant\.language\.cors/);
});

test("references to modules, keywords as values, silences", () => {
  assert.deepEqual(scopesOf(cors, "    allow dev.localhost {", "dev"), ["entity.name.namespace.module.cors"]);
  assert.deepEqual(scopesOf(cors, "    allow dev.localhost {", "localhost"), ["variable.other.set.cors"]);
  assert.deepEqual(scopesOf(cors, "    allow null {", "null"), ["constant.language.cors"]);
  const silence = "    # corsfmt:ignore S103 the preview frame";
  assert.deepEqual(scopesOf(cors, silence, "corsfmt:ignore"), ["comment.line.number-sign.cors", "keyword.other.directive.ignore.cors"]);
  assert.deepEqual(scopesOf(cors, silence, "S103"), ["comment.line.number-sign.cors", "constant.other.diagnostic-code.cors"]);
  assert.deepEqual(scopesOf(cors, '    profile dev, staging {', "staging"), ["entity.name.tag.profile.cors"]);
  assert.deepEqual(scopesOf(cors, "    dev-profiles dev, local", "dev-profiles"), ["storage.type.dev-profiles.cors"]);
  assert.deepEqual(scopesOf(cors, "    dev-profiles dev, local", "local"), ["entity.name.tag.profile.cors"]);
});

test("fixture files: request line, headers, expectations", () => {
  assert.deepEqual(scopesOf(fixtures, '    OPTIONS "/api/items"', "OPTIONS"), ["support.function.method.cors-fixtures"]);
  assert.deepEqual(scopesOf(fixtures, '    Origin "https://app.example.com"', "Origin"), ["support.type.property-name.header.cors-fixtures"]);
  assert.deepEqual(scopesOf(fixtures, "    expect no Vary", "no"), ["keyword.operator.no.cors-fixtures"]);
  assert.deepEqual(scopesOf(fixtures, "    expect Access-Control-Allow-Origin origin", "origin"), ["constant.language.origin.cors-fixtures"]);
  assert.deepEqual(scopesOf(fixtures, "    expect denied", "denied"), ["constant.language.verdict.cors-fixtures"]);
  assert.deepEqual(scopesOf(fixtures, "    expect check origin", "origin"), ["constant.language.check.cors-fixtures"]);
});
