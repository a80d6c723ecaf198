package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
)

// TestFindings lints each testdata file: every finding must be one its
// "# want LINE:COL REGEXP" lines announce, in order, the regexp matched
// against "severity: message (CODE)". Each file also holds near misses that
// must not fire.
func TestFindings(t *testing.T) {
	goldentest.Each(t, "testdata/*.cors", func(t *testing.T, path string, src []byte) {
		f, err := lang.Parse(filepath.Base(path), src)
		if err != nil {
			t.Fatal(err)
		}
		got := Check(f, nil, "")
		wants := goldentest.Wants(t, src)
		if len(got) != len(wants) {
			var b strings.Builder
			for _, g := range got {
				fmt.Fprintln(&b, g)
			}
			t.Errorf("got %d findings, want %d:\n%s", len(got), len(wants), b.String())
		}
		for i := 0; i < len(got) && i < len(wants); i++ {
			g, w := got[i], wants[i]
			text := fmt.Sprintf("%s: %s (%s)", g.Severity, g.Message, g.Code)
			if pos := fmt.Sprintf("%d:%d", g.Pos.Line, g.Pos.Column); pos != w.Pos || !w.Rx.MatchString(text) {
				t.Errorf("finding %d: got %s: %s\nwant %s: /%s/", i, pos, text, w.Pos, w.Rx)
			}
		}
	})
}

// TestExamplesClean keeps the examples free of findings.
func TestExamplesClean(t *testing.T) {
	for _, path := range goldentest.Glob(t, "../examples/*.cors") {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := lang.Parse(path, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range Check(f, nil, "") {
			t.Errorf("%s", g)
		}
	}
}

// TestCompileErrorsComeFirst checks that a policy that does not compile
// yields its compile errors as findings, and nothing else.
func TestCompileErrorsComeFirst(t *testing.T) {
	f, err := lang.Parse("p.cors", []byte("cors 1\npolicy p {\n    allow any { credentials }\n    allow null\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := Check(f, nil, "")
	if len(got) != 1 || got[0].Code != "C010" || got[0].Severity != Error {
		t.Errorf("got %v; want the one compile error C010", got)
	}
}
