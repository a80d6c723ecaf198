package diff_test

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/diff"
	"github.com/corspolicy/cors/eval"
)

// TestEchoException is the one place a region is not answered alike: the
// old policy echoes the requested headers (headers any with credentials),
// the new one lists x-a and x-b. A preflight asking for exactly those two
// gets the same answer from both; one asking for either alone does not.
func TestEchoException(t *testing.T) {
	old := compiled("cors 1\npolicy p {\n    allow \"https://a.example.com\" {\n        methods \"PUT\"\n        headers any\n        credentials\n    }\n}\n")
	new := compiled("cors 1\npolicy p {\n    allow \"https://a.example.com\" {\n        methods \"PUT\"\n        headers \"X-A\", \"X-B\"\n        credentials\n    }\n}\n")
	res, err := diff.Tables(old, new)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		headers string
		differ  bool
	}{
		{"x-a", true},
		{"X-B", true},
		{"x-a, x-b", false},
		{"X-B,X-A", false},
		{"x-a, x-b, x-c", true}, // the new policy grants no x-c
		{"", true},              // the new policy lists its names; the old one has none to list
	} {
		req := eval.Request{Method: "OPTIONS", Path: "/", Origin: []string{"https://a.example.com"}, RequestMethod: []string{"PUT"}}
		if tt.headers != "" {
			req.RequestHeaders = []string{tt.headers}
		}
		if got := answersDiffer(old, new, &req); got != tt.differ {
			t.Fatalf("headers %q: answered differently: %v, want %v", tt.headers, got, tt.differ)
		}
		if got := res.Reports(&req); got != tt.differ {
			t.Errorf("headers %q: reported: %v, want %v", tt.headers, got, tt.differ)
		}
	}
	var b strings.Builder
	diff.WriteText(&b, []*diff.Comparison{{Policy: "p", Result: res, Entries: res.Entries}})
	t.Log(b.String())
	found := false
	for _, e := range res.Entries {
		found = found || e.Except != ""
	}
	if !found {
		t.Errorf("no entry says which preflights it leaves out:\n%s", entries(res))
	}
}
