package lsp

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/google/go-cmp/cmp"
)

// TestBundleNavigation checks that a grant bundle is navigated like a
// set: definition from a grants clause, references from the declaration,
// a document symbol, and a hover that lists its clauses; and that a rule's
// methods from its bundle are not shown as the default.
func TestBundleNavigation(t *testing.T) {
	c := start(t)
	c.initialize()
	const uri = protocol.DocumentURI("file:///work/b.cors")
	const text = `cors 1

grants spa {
    methods "GET", "PUT"
    credentials
}

policy api {
    allow "https://app.example.com" {
        grants spa
    }
}
`
	c.open(uri, text)
	var locs []protocol.Location
	c.call("textDocument/definition", at(uri, 9, 16), &locs)
	if diff := cmp.Diff([]protocol.Location{{URI: uri, Range: rng(2, 7, 2, 10)}}, locs); diff != "" {
		t.Errorf("definition of spa (-want +got):\n%s", diff)
	}
	var refs []protocol.Location
	c.call("textDocument/references", protocol.ReferenceParams{TextDocumentPositionParams: at(uri, 2, 8),
		Context: struct {
			IncludeDeclaration bool `json:"includeDeclaration"`
		}{true}}, &refs)
	if diff := cmp.Diff([]protocol.Location{{URI: uri, Range: rng(2, 7, 2, 10)}, {URI: uri, Range: rng(9, 15, 9, 18)}}, refs); diff != "" {
		t.Errorf("references of spa (-want +got):\n%s", diff)
	}
	var syms []protocol.DocumentSymbol
	c.call("textDocument/documentSymbol", textParams(uri), &syms)
	found := false
	for _, s := range syms {
		found = found || s.Name == "spa" && s.Kind == protocol.SymbolStruct
	}
	if !found {
		t.Errorf("no symbol for the bundle spa in %+v", syms)
	}
	var hover protocol.Hover
	c.call("textDocument/hover", at(uri, 9, 16), &hover)
	if !strings.HasPrefix(hover.Contents.Value, "**grants spa**") {
		t.Errorf("hover over the grants clause: %q", hover.Contents.Value)
	}
	c.call("textDocument/hover", at(uri, 8, 5), &hover)
	if v := hover.Contents.Value; !strings.Contains(v, "- methods: `GET`, `PUT`\n") {
		t.Errorf("hover over the rule shows its methods as:\n%s", v)
	}
	c.shutdown()
}
