package lsp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/google/go-cmp/cmp"
)

// diagnose returns the diagnostics of a policy text, as "line:col-line:col
// CODE message" lines (UTF-8 columns, from 0).
func diagnose(t *testing.T, text string) []string {
	t.Helper()
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8}
	d := newDocument(s, fileURI(t.TempDir()+"/api.cors"), 1, text)
	var out []string
	for _, dg := range s.diagnostics(d) {
		r := dg.Range
		out = append(out, strings.Join([]string{
			itoa(r.Start.Line) + ":" + itoa(r.Start.Character) + "-" + itoa(r.End.Line) + ":" + itoa(r.End.Character),
			dg.Code, dg.Message}, " "))
	}
	return out
}

func itoa(n uint32) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// A finding that only some builds have says which; one that every build
// has says nothing more. dev-profiles names a profile that the build
// without a profile has no block of: that build must not report it.
func TestFindingBuilds(t *testing.T) {
	got := diagnose(t, `cors 1

policy api {
    dev-profiles dev

    allow "http://localhost:3000"

    profile dev, staging {
        allow null
    }

    profile staging {
        allow "http://10.0.0.1"
    }
}
`)
	want := []string{
		"5:10-5:33 S105 http://localhost:3000 is a local origin, outside a development build: any program on a visitor's machine can serve it\nfix: move the rule into a profile block, and name that profile in the policy's dev-profiles",
		"8:14-8:18 S103 the null origin is allowed: sandboxed iframes, file: pages and some redirects send it, so any site can\nfix: name the origins that need access\nbuilds: dev, staging",
		"12:14-12:31 S105 http://10.0.0.1 is a local origin, outside a development build: any program on a visitor's machine can serve it\nfix: name staging in the policy's dev-profiles if that is a development build\nbuild: staging",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// Every syntax error the parser reports is a diagnostic.
func TestEverySyntaxError(t *testing.T) {
	got := diagnose(t, "cors 1\n\norigins a = 'x'\nmethods b = \"GET\";\n")
	if len(got) != 2 || !strings.HasPrefix(got[0], "2:12-2:13 L002 unexpected character '") || !strings.HasPrefix(got[1], "3:17-3:18 L002 unexpected character ;") {
		t.Errorf("got %q", got)
	}
}

// An error in an imported module is shown at the import that loads it.
func TestErrorInModule(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "shared.cors", "cors 1\n\norigins p = \"https://a.example/\"\n")
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8, opts: Options{StdDir: t.TempDir()}}
	d := newDocument(s, fileURI(dir+"/api.cors"), 1, "cors 1\n\nimport \"./shared.cors\"\n\npolicy api {\n    allow shared.p\n}\n")
	diags := s.diagnostics(d)
	if len(diags) != 1 || diags[0].Range != rng(2, 7, 2, 22) || diags[0].Code != "C005" ||
		diags[0].Message != `in shared.cors: invalid origin "https://a.example/": an origin has no trailing slash; remove it` ||
		len(diags[0].RelatedInformation) != 1 || diags[0].RelatedInformation[0].Location.Range != rng(2, 30, 2, 32) {
		t.Errorf("got %+v", diags)
	}
}

// The examples are clean for corsfmt lint and corsfmt test (CI checks
// it), so the editor must show nothing on them either: every build of
// every policy, and every fixture file with its policy open.
func TestExamplesHaveNoDiagnostics(t *testing.T) {
	s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8}
	var fixtures []*document
	for _, pattern := range []string{"../examples/*.cors", "../examples/*.fixtures"} {
		for _, path := range goldentest.Glob(t, pattern) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			abs, _ := filepath.Abs(path)
			d := newDocument(s, fileURI(abs), 1, string(src))
			s.docs[d.uri] = d
			if d.kind == kindFixtures {
				fixtures = append(fixtures, d)
			}
		}
	}
	for _, d := range s.docs {
		if diags := s.diagnostics(d); len(diags) != 0 {
			t.Errorf("%s: %+v", filepath.Base(d.path), diags)
		}
	}
	for _, d := range fixtures {
		if d.analyze().policy == nil {
			t.Errorf("%s: its policy was not found among the open documents", filepath.Base(d.path))
		}
	}
}
