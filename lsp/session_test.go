package lsp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/jsonrpc"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/google/go-cmp/cmp"
)

// planted is a policy with one error, C007, inside a line that holds a
// character outside the Basic Multilingual Plane, after a comment of
// accented letters: its columns differ in UTF-8, UTF-16 and UTF-32.
const planted = `cors 1

import "std/methods"

# Politique d'accès — café 🍪
origins app = "https://app.example.com", "https://*.app.example.com"
headers bad = "X-Tr🍪ce"

policy api {
    allow app {
        methods methods.read, "PUT"
        headers bad
        credentials
    }
}
`

func writeFile(t *testing.T, dir, name, text string) protocol.DocumentURI {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return fileURI(path)
}

func textParams(uri protocol.DocumentURI) protocol.DocumentParams {
	return protocol.DocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}}
}

func hoverText(t *testing.T, c *client, uri protocol.DocumentURI, line, char uint32) string {
	t.Helper()
	var h *protocol.Hover
	c.call("textDocument/hover", at(uri, line, char), &h)
	if h == nil {
		return ""
	}
	return h.Contents.Value
}

// change sends an incremental change of one range.
func change(c *client, uri protocol.DocumentURI, version int32, r protocol.Range, text string) {
	c.notify("textDocument/didChange", protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{URI: uri, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Range: &r, Text: text}},
	})
}

// TestSession plays an editor through a whole session: initialize, open,
// change, the diagnostics after each with their exact ranges, hover,
// definition, references, symbols, completion, formatting, code actions,
// shutdown and exit.
func TestSession(t *testing.T) {
	c := start(t)
	res := c.initialize() // no encodings offered: UTF-16, every client's default
	if res.Capabilities.PositionEncoding != protocol.UTF16 || res.Capabilities.TextDocumentSync.Change != protocol.SyncIncremental {
		t.Errorf("capabilities %+v", res.Capabilities)
	}
	dir := t.TempDir()
	uri := writeFile(t, dir, "api.cors", planted)
	c.open(uri, planted)

	// The emoji is two UTF-16 code units: the error is at 19, its string
	// ends at 24.
	want := []protocol.Diagnostic{{Range: rng(6, 19, 6, 24), Severity: protocol.SeverityError, Code: "C007", Source: "corsfmt lint",
		Message: `invalid header name "X-Tr🍪ce": a header name is an HTTP token`}}
	if diff := cmp.Diff(want, c.diagnostics(uri, 1)); diff != "" {
		t.Errorf("diagnostics after open (-want +got):\n%s", diff)
	}

	// Replace the emoji (two code units) with "a": the file compiles, and
	// nothing is left to say.
	change(c, uri, 2, rng(6, 19, 6, 21), "a")
	if got := c.diagnostics(uri, 2); len(got) != 0 {
		t.Errorf("diagnostics after the fix: %+v, want none", got)
	}

	// "PUT" becomes "put": a lint warning, with its code and fix.
	change(c, uri, 3, rng(10, 31, 10, 34), "put")
	want = []protocol.Diagnostic{{Range: rng(10, 30, 10, 35), Severity: protocol.SeverityWarning, Code: "U204", Source: "corsfmt lint",
		Message: "browsers send \"put\" as PUT, so \"put\" never matches; did you mean \"PUT\"?\nfix: write \"PUT\""}}
	if diff := cmp.Diff(want, c.diagnostics(uri, 3)); diff != "" {
		t.Errorf("diagnostics of the lint (-want +got):\n%s", diff)
	}

	// Its quick fixes: the fix, and a silence with a reason to write.
	var actions []protocol.CodeAction
	c.call("textDocument/codeAction", protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Range: rng(10, 31, 10, 31)}, &actions)
	var titles []string
	for _, a := range actions {
		titles = append(titles, a.Title)
	}
	if diff := cmp.Diff([]string{`Change to "PUT" (U204)`, "Silence U204 on this rule (a reason is required)"}, titles); diff != "" {
		t.Fatalf("code actions (-want +got):\n%s", diff)
	}
	if e := actions[0].Edit.Changes[uri]; len(e) != 1 || e[0].Range != rng(10, 30, 10, 35) || e[0].NewText != `"PUT"` {
		t.Errorf("fix edit %+v", e)
	}
	if e := actions[1].Edit.Changes[uri]; len(e) != 1 || e[0].Range != rng(9, 0, 9, 0) ||
		e[0].NewText != "    # corsfmt:ignore U204 "+silenceReason+"\n" {
		t.Errorf("silence edit %+v", e)
	}

	// Hover: a keyword quotes SPEC.md; a set shows its values, through
	// imports; an origin pattern what it covers; a rule its grant.
	if h := hoverText(t, c, uri, 10, 10); !strings.HasPrefix(h, "**Methods** are compared byte for byte") {
		t.Errorf("hover on methods: %q", h)
	}
	if h := hoverText(t, c, uri, 10, 26); h != "**methods read** — declared in `std/methods.cors`\n\nread is the methods that only read.\n\n2 values:\n- `\"GET\"`\n- `\"HEAD\"`" {
		t.Errorf("hover on methods.read: %q", h)
	}
	if h := hoverText(t, c, uri, 11, 17); h != "**headers bad**\n\n1 value:\n- `\"X-Trace\"`" {
		t.Errorf("hover on bad: %q", h)
	}
	if h := hoverText(t, c, uri, 5, 50); !strings.Contains(h, "- `https://a.app.example.com` and deeper labels") ||
		!strings.Contains(h, "Does not cover:\n- `https://app.example.com`, the apex itself") {
		t.Errorf("hover on the wildcard: %q", h)
	}
	if h := hoverText(t, c, uri, 9, 5); !strings.HasPrefix(h, "**allow rule** of policy `api`, line 10\n\n- origins: `https://app.example.com`, `https://*.app.example.com`\n- paths: every path\n- methods: `GET`, `HEAD`, `put`\n- request headers: `x-trace`\n- exposed headers: none\n- credentials: yes") {
		t.Errorf("hover on the rule: %q", h)
	}
	if h := hoverText(t, c, uri, 7, 0); h != "" {
		t.Errorf("hover on a blank line: %q, want none", h)
	}

	// Definition: a set of this file, a set of a std module (in a file
	// the server wrote), the module of an import.
	var locs []protocol.Location
	c.call("textDocument/definition", at(uri, 11, 17), &locs)
	if diff := cmp.Diff([]protocol.Location{{URI: uri, Range: rng(6, 8, 6, 11)}}, locs); diff != "" {
		t.Errorf("definition of bad (-want +got):\n%s", diff)
	}
	methodsURI := fileURI(filepath.Join(c.stdDir, "methods.cors"))
	c.call("textDocument/definition", at(uri, 10, 26), &locs)
	if diff := cmp.Diff([]protocol.Location{{URI: methodsURI, Range: rng(4, 8, 4, 12)}}, locs); diff != "" {
		t.Errorf("definition of methods.read (-want +got):\n%s", diff)
	}
	if src, err := os.ReadFile(uriPath(methodsURI)); err != nil || !strings.Contains(string(src), "methods read =") {
		t.Errorf("the module's file: %v", err)
	}
	c.call("textDocument/definition", at(uri, 2, 10), &locs)
	if diff := cmp.Diff([]protocol.Location{{URI: methodsURI}}, locs); diff != "" {
		t.Errorf("definition of the import (-want +got):\n%s", diff)
	}

	// References of bad, from its declaration.
	var refs []protocol.Location
	c.call("textDocument/references", protocol.ReferenceParams{TextDocumentPositionParams: at(uri, 6, 9),
		Context: struct {
			IncludeDeclaration bool `json:"includeDeclaration"`
		}{true}}, &refs)
	if diff := cmp.Diff([]protocol.Location{{URI: uri, Range: rng(6, 8, 6, 11)}, {URI: uri, Range: rng(11, 16, 11, 19)}}, refs); diff != "" {
		t.Errorf("references of bad (-want +got):\n%s", diff)
	}

	// Symbols: the import, the sets, the policy and its rule.
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", textParams(uri), &syms)
	var names []string
	for _, s := range syms {
		names = append(names, s.Name)
		for _, ch := range s.Children {
			names = append(names, s.Name+"/"+ch.Name)
		}
	}
	if diff := cmp.Diff([]string{"std/methods", "app", "bad", "api", "api/allow app"}, names); diff != "" {
		t.Errorf("symbols (-want +got):\n%s", diff)
	}

	// Completion of a clause in the rule's block: the clauses it has not.
	change(c, uri, 4, rng(12, 19, 12, 19), "\n        ")
	c.diagnostics(uri, 4)
	var list protocol.CompletionList
	c.call("textDocument/completion", at(uri, 13, 8), &list)
	var labels []string
	for _, it := range list.Items {
		labels = append(labels, it.Label)
	}
	if diff := cmp.Diff([]string{"paths", "expose", "max-age", "private-network", "preflight-status", "grants"}, labels); diff != "" {
		t.Errorf("completion in the rule (-want +got):\n%s", diff)
	}

	// Formatting: the canonical layout, as minimal edits.
	change(c, uri, 5, rng(10, 0, 10, 8), "  ")
	c.diagnostics(uri, 5)
	var edits []protocol.TextEdit
	c.call("textDocument/formatting", textParams(uri), &edits)
	if diff := cmp.Diff([]protocol.TextEdit{{Range: rng(10, 0, 14, 0), NewText: "        methods methods.read, \"put\"\n        headers bad\n        credentials\n"}}, edits); diff != "" {
		t.Errorf("formatting edits (-want +got):\n%s", diff)
	}

	c.shutdown()
}

// TestFixtureDiagnostics checks that a fixture file shows its failing
// cases once the policy beside it is open, and again when it changes.
func TestFixtureDiagnostics(t *testing.T) {
	c := start(t)
	c.initialize()
	dir := t.TempDir()
	policy := "cors 1\n\npolicy api {\n    allow \"https://app.example.com\"\n}\n"
	fixtures := `fixtures 1

case "app" {
    GET "/items"
    Origin "https://app.example.com"

    expect allowed
}

case "evil" {
    GET "/items"
    Origin "https://evil.example.net"

    expect allowed
}
`
	puri := writeFile(t, dir, "api.cors", policy)
	furi := writeFile(t, dir, "api.fixtures", fixtures)
	c.open(furi, fixtures)
	if got := c.diagnostics(furi, 1); len(got) != 0 {
		t.Errorf("diagnostics before the policy is open: %+v", got)
	}
	c.open(puri, policy)
	c.diagnostics(puri, 1)
	want := []protocol.Diagnostic{{Range: rng(13, 4, 13, 18), Severity: protocol.SeverityError, Source: "corsfmt test",
		Message: "expected allowed, got denied (origin)"}}
	if diff := cmp.Diff(want, c.diagnostics(furi, 1)); diff != "" {
		t.Errorf("fixture diagnostics (-want +got):\n%s", diff)
	}
	// The policy now allows evil too: the case passes.
	change(c, puri, 2, rng(3, 36, 3, 36), `, "https://evil.example.net"`)
	c.diagnostics(puri, 2)
	if got := c.diagnostics(furi, 1); len(got) != 0 {
		t.Errorf("fixture diagnostics after the policy changed: %+v", got)
	}
	// A syntax error of the fixture file: "expct allowed" reads as a
	// header line whose value is missing.
	change(c, furi, 2, rng(6, 4, 6, 10), "expct")
	if got := c.diagnostics(furi, 2); len(got) != 1 || got[0].Code != "L001" || got[0].Range != rng(6, 10, 6, 17) {
		t.Errorf("fixture syntax error: %+v", got)
	}
	c.shutdown()
}

// TestPositionEncodings negotiates each encoding and checks the range of
// the planted error in it.
func TestPositionEncodings(t *testing.T) {
	for _, tt := range []struct {
		offered []string
		want    string
		rng     protocol.Range
	}{
		{[]string{"utf-16"}, protocol.UTF16, rng(6, 19, 6, 24)},
		{[]string{"utf-32", "utf-8", "utf-16"}, protocol.UTF8, rng(6, 19, 6, 26)},
		{[]string{"utf-32", "utf-16"}, protocol.UTF16, rng(6, 19, 6, 24)},
		{[]string{"utf-32"}, protocol.UTF32, rng(6, 19, 6, 23)},
	} {
		t.Run(strings.Join(tt.offered, ","), func(t *testing.T) {
			c := start(t)
			if got := c.initialize(tt.offered...).Capabilities.PositionEncoding; got != tt.want {
				t.Errorf("negotiated %s, want %s", got, tt.want)
			}
			uri := writeFile(t, t.TempDir(), "api.cors", planted)
			c.open(uri, planted)
			if d := c.diagnostics(uri, 1); len(d) != 1 || d[0].Range != tt.rng {
				t.Errorf("diagnostics %+v, want one at %+v", d, tt.rng)
			}
			c.shutdown()
		})
	}
}

// TestBadInput sends what an editor should not: every request gets an
// error response and the server goes on.
func TestBadInput(t *testing.T) {
	c := start(t)
	if e := c.callErr("textDocument/hover", at("file:///x.cors", 0, 0)); e.Code != jsonrpc.CodeServerNotReady {
		t.Errorf("a request before initialize: %v", e)
	}
	c.initialize()
	if e := c.callErr("textDocument/hover", at("file:///never/opened.cors", 0, 0)); e.Code != jsonrpc.CodeInvalidParams ||
		e.Message != "document file:///never/opened.cors is not open" {
		t.Errorf("a document never opened: %v", e)
	}
	if e := c.callErr("textDocument/rename", at("file:///x.cors", 0, 0)); e.Code != jsonrpc.CodeMethodNotFound {
		t.Errorf("an unknown method: %v", e)
	}
	if e := c.callErr("textDocument/hover", map[string]any{"textDocument": 7}); e.Code != jsonrpc.CodeInvalidParams {
		t.Errorf("params of the wrong type: %v", e)
	}

	// A document one byte over the limit: a diagnostic, and an error for
	// every request about it.
	big := "cors 1\n" + strings.Repeat("#", lang.MaxFileSize-len("cors 1\n")+1)
	uri := protocol.DocumentURI("file:///big/api.cors")
	c.open(uri, big)
	want := []protocol.Diagnostic{{Range: rng(0, 0, 0, 0), Severity: protocol.SeverityError, Code: "L006", Source: "corsfmt",
		Message: "file is 16777217 bytes; the limit is 16777216"}}
	if diff := cmp.Diff(want, c.diagnostics(uri, 1)); diff != "" {
		t.Errorf("diagnostics of a document over the limit (-want +got):\n%s", diff)
	}
	for _, m := range []string{"textDocument/hover", "textDocument/formatting", "textDocument/completion"} {
		if e := c.callErr(m, at(uri, 0, 0)); e.Code != jsonrpc.CodeRequestFailed || !strings.Contains(e.Message, "over the limit") {
			t.Errorf("%s of a document over the limit: %v", m, e)
		}
	}

	// Invalid UTF-8 in a request: an error response with its id.
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan response, 1)
	c.calls["99"] = ch
	c.mu.Unlock()
	_ = id
	c.send([]byte(`{"jsonrpc":"2.0","id":99,"method":"textDocument/hover","params":{"textDocument":{"uri":"file:///` + "\xff\xfe" + `"},"position":{"line":0,"character":0}}}`))
	if r := <-ch; r.Error == nil || r.Error.Code != jsonrpc.CodeParseError {
		t.Errorf("invalid UTF-8: %+v", r)
	}
	// Invalid UTF-8 in a document opened: refused, so never diagnosed;
	// the server answers the next request.
	c.send([]byte(`{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///bad.cors","languageId":"cors","version":1,"text":"cors 1` + "\xff" + `"}}}`))
	if e := c.callErr("textDocument/hover", at("file:///bad.cors", 0, 0)); e.Code != jsonrpc.CodeInvalidParams {
		t.Errorf("hover on a document refused for its encoding: %v", e)
	}
	// A formatting request for a file with a syntax error is refused as
	// corsfmt refuses it.
	bad := protocol.DocumentURI("file:///tmp/syntax.cors")
	c.open(bad, "cors 1\npolicy api {\n")
	c.diagnostics(bad, 1)
	if e := c.callErr("textDocument/formatting", textParams(bad)); e.Code != jsonrpc.CodeRequestFailed ||
		!strings.HasPrefix(e.Message, "not formatted: /tmp/syntax.cors:3:1: expected \"}\" to close the policy block") {
		t.Errorf("formatting a file with a syntax error: %v", e)
	}
	c.shutdown()
}

// TestExitWithoutShutdown checks the exit code the protocol asks for.
func TestExitWithoutShutdown(t *testing.T) {
	c := start(t)
	c.initialize()
	c.notify("exit", nil)
	<-c.done
	if c.code != 1 {
		t.Errorf("exit code %d, want 1", c.code)
	}
}

var _ = json.Marshal
var _ = slices.Contains[[]string]

// TestLostText checks that a change the server cannot apply is said in a
// diagnostic and mended by a change of the whole text.
func TestLostText(t *testing.T) {
	c := start(t)
	c.initialize()
	uri := protocol.DocumentURI("file:///tmp/lost.cors")
	c.open(uri, "cors 1\n")
	c.diagnostics(uri, 1)
	change(c, uri, 2, rng(0, 5, 0, 1), "x") // ends before it starts
	// Both tell the user what mends it, as SPEC.md says: a change that
	// sends the whole text, which saving or reverting the file sends;
	// closing and opening it, as they used to say, is not needed.
	if d := c.diagnostics(uri, 2); len(d) != 1 || !strings.HasPrefix(d[0].Message, "the server lost track of this document") ||
		!strings.Contains(d[0].Message, "a change that sends the whole text") || strings.Contains(d[0].Message, "close") {
		t.Errorf("after a bad change: %+v", d)
	}
	if e := c.callErr("textDocument/hover", at(uri, 0, 0)); e.Code != jsonrpc.CodeRequestFailed ||
		!strings.Contains(e.Message, "a change that sends the whole text") || strings.Contains(e.Message, "close") {
		t.Errorf("hover on a lost document: %v", e)
	}
	c.notify("textDocument/didChange", protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{URI: uri, Version: 3},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{{Text: "cors 1\n\npolicy api {\n}\n"}},
	})
	if d := c.diagnostics(uri, 3); len(d) != 0 {
		t.Errorf("after the whole text: %+v", d)
	}
	c.shutdown()
}

// TestMostDocuments checks the bound on open documents: the server keeps
// MaxDocuments of them, and a document opened past it is not kept, so
// that requests about it fail; closing one makes room again.
func TestMostDocuments(t *testing.T) {
	c := start(t)
	c.initialize()
	// Diagnostics are not waited for here: drain them.
	stop := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			select {
			case _, ok := <-c.notes:
				if !ok {
					return
				}
			case <-stop:
				return
			}
		}
	}()
	uri := func(i int) protocol.DocumentURI { return protocol.DocumentURI(fmt.Sprintf("file:///many/%d.cors", i)) }
	for i := range MaxDocuments + 1 {
		c.open(uri(i), "cors 1\n")
	}
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", textParams(uri(MaxDocuments-1)), &syms)
	if e := c.callErr("textDocument/documentSymbol", textParams(uri(MaxDocuments))); e.Code != jsonrpc.CodeInvalidParams || !strings.Contains(e.Message, "is not open") {
		t.Errorf("the document opened past the bound: %v, want it not open", e)
	}
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri(0)}})
	c.open(uri(MaxDocuments), "cors 1\n")
	c.call("textDocument/documentSymbol", textParams(uri(MaxDocuments)), &syms)
	close(stop)
	<-drained
	c.shutdown()
}
