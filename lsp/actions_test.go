package lsp

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/google/go-cmp/cmp"
)

// applyEdits applies LSP edits (UTF-8 positions) to a document's text.
func applyEdits(d *document, edits []protocol.TextEdit) string {
	type e struct {
		from, to int
		text     string
	}
	var es []e
	for _, x := range edits {
		es = append(es, e{d.offset(protocol.UTF8, x.Range.Start), d.offset(protocol.UTF8, x.Range.End), x.NewText})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].from > es[j].from })
	text := d.text
	for _, x := range es {
		text = text[:x.from] + x.text + text[x.to:]
	}
	return text
}

// actionsAt returns the code actions offered for the text between the
// first and last ‸ of src.
func actionsAt(t *testing.T, src string) (*document, []protocol.CodeAction) {
	t.Helper()
	from := strings.Index(src, "‸")
	src = strings.Replace(src, "‸", "", 1)
	to := strings.Index(src, "‸")
	if to < 0 {
		to = from
	} else {
		src = strings.Replace(src, "‸", "", 1)
	}
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8}
	d := newDocument(s, fileURI(t.TempDir()+"/api.cors"), 1, src)
	s.docs[d.uri] = d
	params, _ := json.Marshal(protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: d.uri},
		Range: d.rangeOf(protocol.UTF8, from, to)})
	res, err := s.codeAction(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	return d, res.([]protocol.CodeAction)
}

// TestQuickFixes applies each mechanical fix and checks the text it
// leaves, and that the finding is gone from it.
func TestQuickFixes(t *testing.T) {
	const head = "cors 1\n\npolicy api {\n"
	tests := []struct {
		name, src, title, want string
	}{
		{"duplicate origin", head + `    allow "https://a.example", ‸"https://a.example" {
        methods "GET"
    }
}
`, `Remove "https://a.example" (R301)`, head + `    allow "https://a.example" {
        methods "GET"
    }
}
`},
		{"forbidden header, the first of two", head + `    allow "https://a.example" {
        headers ‸"Cookie", "X-A"
    }
}
`, `Remove "Cookie" (S106)`, head + `    allow "https://a.example" {
        headers "X-A"
    }
}
`},
		{"forbidden method, the only one: the clause goes", head + `    allow "https://a.example" {
        methods ‸"TRACE"
        headers "X-A"
    }
}
`, `Remove the methods clause (S107)`, head + `    allow "https://a.example" {
        headers "X-A"
    }
}
`},
		{"http with credentials", head + `    allow "‸http://a.example" {
        credentials
    }
}
`, `Use https (S104)`, head + `    allow "https://a.example" {
        credentials
    }
}
`},
		{"max-age past the browsers' caps", head + `    allow "https://a.example" {
        ‸max-age 48h
    }
}
`, `Use max-age 2h (U205)`, head + `    allow "https://a.example" {
        max-age 2h
    }
}
`},
		{"headers any without Authorization", head + `    allow "https://a.example" {
        ‸headers any
    }
}
`, `Grant "Authorization" by name (U201)`, head + `    allow "https://a.example" {
        headers any, "Authorization"
    }
}
`},
		{"method case", head + `    allow "https://a.example" {
        methods ‸"patch"
    }
}
`, `Change to "PATCH" (U204)`, head + `    allow "https://a.example" {
        methods "PATCH"
    }
}
`},
		{"idle silence", head + `    ‸# corsfmt:ignore S103 not needed
    allow "https://a.example"
}
`, `Remove the idle silence (X002)`, head + `    allow "https://a.example"
}
`},
		{"misspelt keyword", head + `    allow "https://a.example" {
        ‸method "GET"
    }
}
`, `Change to methods (L001)`, head + `    allow "https://a.example" {
        methods "GET"
    }
}
`},
		{"misspelt set", "cors 1\n\norigins app = \"https://a.example\"\n\npolicy api {\n    allow ‸ap\n}\n",
			`Change to app (C001)`, "cors 1\n\norigins app = \"https://a.example\"\n\npolicy api {\n    allow app\n}\n"},
		{"silence a finding", head + `    allow ‸null
}
`, `Silence S103 on this rule (a reason is required)`, head + `    # corsfmt:ignore S103 ` + silenceReason + `
    allow null
}
`},
		{"a second silence", head + `    # corsfmt:ignore S105 the dev box
    allow ‸null, "http://localhost:3000"
}
`, `Silence S103 on this rule (a reason is required)`, head + `    # corsfmt:ignore S105 the dev box
    # corsfmt:ignore S103 ` + silenceReason + `
    allow null, "http://localhost:3000"
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, actions := actionsAt(t, tt.src)
			var titles []string
			for _, a := range actions {
				titles = append(titles, a.Title)
				if a.Title != tt.title {
					continue
				}
				got := applyEdits(d, a.Edit.Changes[d.uri])
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("text after %q (-want +got):\n%s", a.Title, diff)
				}
				// The finding is gone.
				code := a.Diagnostics[0].Code
				nd := newDocument(d.srv, d.uri, 2, got)
				for _, f := range nd.analyze().findings {
					if f.Code == code {
						t.Errorf("%s still found after the fix: %s", code, f.Message)
					}
				}
				return
			}
			t.Errorf("no action %q among %q", tt.title, titles)
		})
	}
}
