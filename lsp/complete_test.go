package lsp

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/google/go-cmp/cmp"
)

// complete returns the labels offered at the ‸ of text, a document named
// name; the text need not parse, as while it is typed.
func complete(t *testing.T, name, text string) []string {
	t.Helper()
	off := strings.Index(text, "‸")
	if off < 0 {
		t.Fatal("no cursor in the text")
	}
	text = text[:off] + text[off+len("‸"):]
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8}
	d := newDocument(s, fileURI("/work/"+name), 1, text)
	var labels []string
	for _, it := range s.complete(d, off) {
		labels = append(labels, it.Label)
	}
	return labels
}

func TestCompletion(t *testing.T) {
	const head = "cors 1\n\nimport \"std/headers\"\nimport \"std/dev\"\n\norigins app = \"https://a.example\"\nmethods write = \"PUT\"\nheaders auth = \"Authorization\"\n\n"
	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty file", "‸", []string{"cors 1"}},
		{"top level, after imports", head + "‸", []string{"origins", "methods", "headers", "grants", "policy"}},
		{"top level, before any declaration", "cors 1\n\n‸", []string{"import", "origins", "methods", "headers", "grants", "policy"}},
		{"top level, a word begun", head + "pol‸", []string{"origins", "methods", "headers", "grants", "policy"}},
		{"in a policy", head + "policy api {\n    ‸\n}", []string{"allow", "deny", "profile", "dev-profiles"}},
		{"after dev-profiles", head + "policy api {\n    dev-profiles dev, local\n    ‸\n}", []string{"allow", "deny", "profile", "dev-profiles"}},
		{"in a profile", head + "policy api {\n    profile dev {\n        ‸\n    }\n}", []string{"allow", "deny"}},
		{"in an allow rule", head + "policy api {\n    allow app {\n        ‸\n    }\n}", []string{"paths", "methods", "headers", "expose", "credentials", "max-age", "private-network", "preflight-status", "grants"}},
		{"in an allow rule, clauses used", head + "policy api {\n    allow app {\n        methods write\n        credentials\n        ‸\n    }\n}", []string{"paths", "headers", "expose", "max-age", "private-network", "preflight-status", "grants"}},
		{"in a deny rule", head + "policy api {\n    deny app {\n        ‸\n    }\n}", []string{"paths", "methods"}},
		{"origins of a rule", head + "policy api {\n    allow ‸\n}", []string{"any", "app", "dev.localhost", "dev.localhost-tls", "null"}},
		{"origins after a comma", head + "policy api {\n    allow app, d‸\n}", []string{"any", "app", "dev.localhost", "dev.localhost-tls", "null"}},
		{"sets of a module", head + "policy api {\n    allow dev.‸\n}", []string{"localhost", "localhost-tls"}},
		{"methods", head + "policy api {\n    allow app {\n        methods ‸\n    }\n}", []string{"any", "write"}},
		{"headers", head + "policy api {\n    allow app {\n        headers auth, ‸\n    }\n}", []string{"any", "auth", "headers.conditional", "headers.json-api", "headers.safelisted", "headers.tracing"}},
		{"expose takes header sets", head + "policy api {\n    allow app {\n        expose ‸\n    }\n}", []string{"any", "auth", "headers.conditional", "headers.json-api", "headers.safelisted", "headers.tracing"}},
		{"paths take strings", head + "policy api {\n    allow app {\n        paths ‸\n    }\n}", nil},
		{"a set's values", head + "methods more = write, ‸", []string{"write"}},
		{"import path", "cors 1\n\nimport ‸", []string{"std/dev", "std/expose", "std/headers", "std/methods", "std/presets"}},
		{"import path in its string", "cors 1\n\nimport \"std/h‸", []string{"std/dev", "std/expose", "std/headers", "std/methods", "std/presets"}},
		{"inside another string", head + "policy api {\n    allow \"https://‸\"\n}", nil},
		{"preflight-status", head + "policy api {\n    allow app {\n        preflight-status ‸\n    }\n}", []string{"204", "200"}},
		{"after a flag", head + "policy api {\n    allow app {\n        credentials\n        ‸\n    }\n}", []string{"paths", "methods", "headers", "expose", "max-age", "private-network", "preflight-status", "grants"}},
		{"after a comment", head + "policy api {\n    # a comment ‸\n}", nil},
		{"fixtures: top", "fixtures 1\n\n‸", []string{"policy", "profile", "case"}},
		{"fixtures: request line", "fixtures 1\n\ncase \"x\" {\n    ‸\n}", []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}},
		{"fixtures: expect", "fixtures 1\n\ncase \"x\" {\n    GET \"/\"\n    expect ‸\n}", append([]string{"allowed", "denied", "check", "rule", "status", "no"}, responseHeaders...)},
		{"fixtures: check", "fixtures 1\n\ncase \"x\" {\n    GET \"/\"\n    expect check ‸\n}", fixtureChecks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "api.cors"
			if strings.HasPrefix(tt.name, "fixtures") {
				name = "api.fixtures"
			}
			if diff := cmp.Diff(tt.want, complete(t, name, tt.text)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
