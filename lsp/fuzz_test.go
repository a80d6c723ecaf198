package lsp

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/corspolicy/cors/internal/jsonrpc"
	"github.com/corspolicy/cors/lsp/protocol"
)

// FuzzFeatures opens any text as a policy and as a fixture file and asks
// every feature about any position of it: no handler may panic (the
// connection would turn a panic into an error response, which hides it;
// here it fails the test), whatever the text and the position.
func FuzzFeatures(f *testing.F) {
	files, _ := filepath.Glob("../examples/*")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil && !isDir(name) {
			f.Add(string(src), uint32(10), uint32(8))
		}
	}
	f.Add(planted, uint32(6), uint32(20))
	f.Add("cors 1\npolicy a {\n    allow dev.‸", uint32(2), uint32(14))
	dir := f.TempDir() // one directory for every run: the std modules are written once
	f.Fuzz(func(t *testing.T, text string, line, char uint32) {
		if len(text) > 1<<16 {
			return
		}
		s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF16, opts: Options{StdDir: dir}}
		s.conn = jsonrpc.NewConn(nil, io.Discard, MaxMessageSize, nil)
		s.diag = newPublisher(s)
		for _, name := range []string{"api.cors", "api.fixtures"} {
			uri := fileURI(filepath.Join(dir, name))
			s.put(newDocument(s, uri, 1, text))
			s.diagnostics(s.docByURI(uri))
			p := protocol.Position{Line: line % 64, Character: char % 128}
			pos, _ := json.Marshal(at(uri, p.Line, p.Character))
			doc, _ := json.Marshal(textParams(uri))
			act, _ := json.Marshal(protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Range: protocol.Range{Start: pos0, End: p}})
			refs, _ := json.Marshal(protocol.ReferenceParams{TextDocumentPositionParams: at(uri, p.Line, p.Character)})
			ctx := context.Background()
			s.hover(ctx, pos)
			s.definition(ctx, pos)
			s.references(ctx, refs)
			s.completion(ctx, pos)
			s.documentSymbol(ctx, doc)
			s.formatting(ctx, doc)
			s.codeAction(ctx, act)
		}
	})
}

var pos0 = protocol.Position{}

func isDir(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.IsDir()
}
