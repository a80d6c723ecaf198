//go:build unix

package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/internal/importcases"
	"github.com/corspolicy/cors/lsp/protocol"
)

// TestImportRule runs the import table through the editor's diagnostics:
// an open policy imports as corsfmt lint imports it, inside its own
// directory (the editor names no wider root), and no diagnostic quotes a
// file that is not a policy. A named pipe must not hang the server.
func TestImportRule(t *testing.T) {
	repo := importcases.Tree(t)
	for _, c := range importcases.Cases {
		if c.Wide {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			path := importcases.Policy(t, repo, c)
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8, opts: Options{StdDir: t.TempDir()}}
			d := newDocument(s, fileURI(path), 1, string(src))
			done := make(chan []protocol.Diagnostic, 1)
			go func() { done <- s.diagnostics(d) }()
			var diags []protocol.Diagnostic
			select {
			case diags = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("no diagnostics after 10 s")
			}
			var msgs []string
			for _, dg := range diags {
				msgs = append(msgs, dg.Code+" "+dg.Message)
			}
			all := strings.Join(msgs, "\n")
			switch {
			case c.Err == "" && strings.Contains(all, "C012"):
				t.Errorf("diagnostics:\n%s\nwant the import to resolve", all)
			case c.Err != "" && (!strings.Contains(all, "C012") || !strings.Contains(all, c.Err)):
				t.Errorf("diagnostics:\n%s\nwant C012 saying %q", all, c.Err)
			case strings.Contains(all, importcases.Secret) || strings.Contains(all, "root:x"):
				t.Errorf("a diagnostic quotes a file that is not a policy:\n%s", all)
			}
		})
	}
}

// TestImportFromOpenDocument checks that an open module's text, saved or
// not, is what a policy imports, under the same rule as the file.
func TestImportFromOpenDocument(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "shared.cors", "cors 1\n\norigins p = \"https://a.example\"\n")
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8, opts: Options{StdDir: t.TempDir()}}
	module := newDocument(s, fileURI(filepath.Join(dir, "shared.cors")), 1, "cors 1\n\norigins p = \"https://a.example/\"\n")
	s.docs[module.uri] = module
	d := newDocument(s, fileURI(filepath.Join(dir, "api.cors")), 1, "cors 1\n\nimport \"./shared.cors\"\n\npolicy api {\n    allow shared.p\n}\n")
	diags := s.diagnostics(d)
	if len(diags) != 1 || diags[0].Code != "C005" {
		t.Errorf("got %+v; want the unsaved module's invalid origin", diags)
	}
}
