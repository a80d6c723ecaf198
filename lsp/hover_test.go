package lsp

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
)

// TestOriginHover keeps in a golden file what hover says an origin
// pattern covers and does not, for every form of pattern.
func TestOriginHover(t *testing.T) {
	var b strings.Builder
	for _, p := range []string{
		"https://app.example.com", "https://*.example.com", "http://localhost:*", "https://*.example.com:*",
		"http://127.0.0.1:8080", "http://[::1]:*", "HTTPS://App.Example.com:443", "https://bücher.example",
		"https://app.example.com/", "*",
	} {
		fmt.Fprintf(&b, "=== %s\n%s\n\n", p, originHover(p))
	}
	goldentest.Compare(t, "testdata/origins.golden", []byte(b.String()))
}

// TestExampleHovers keeps in golden files what hover shows on every set
// reference and every rule of the examples: sets expanded through their
// imports, and each rule's grant as the compiler lowered it.
func TestExampleHovers(t *testing.T) {
	goldentest.Each(t, "../examples/*.cors", func(t *testing.T, path string, src []byte) {
		s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8, opts: Options{StdDir: t.TempDir()}}
		abs, _ := filepath.Abs(path)
		d := newDocument(s, fileURI(abs), 1, string(src))
		a := d.analyze()
		if a.file == nil {
			t.Fatalf("does not parse: %v", a.syntax)
		}
		var b strings.Builder
		walk(a.file, func(n lang.Node) bool {
			off := -1
			switch n := n.(type) {
			case *lang.Ref:
				off = n.End().Offset - 1
			case *lang.Rule:
				off = n.Pos.Offset
			}
			if off < 0 {
				return true
			}
			text, _, _ := s.hoverText(d, a, pathAt(a.file, off), off)
			p := d.position(protocol.UTF8, off)
			fmt.Fprintf(&b, "=== %d:%d %s\n%s\n\n", p.Line+1, p.Character+1, firstWord(d.text[n.Start().Offset:]), text)
			return true
		})
		goldentest.Compare(t, filepath.Join("testdata", "hover", strings.TrimSuffix(filepath.Base(path), ".cors")+".golden"), []byte(b.String()))
	})
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \n{,"); i > 0 {
		return s[:i]
	}
	return s
}

// TestRuleHoverStaysInItsBuilds checks that a rule's hover names as
// overlapping only the rules its grant can combine with: those in a build
// it is in. A production rule and a dev rule for the same origin are never
// served together.
func TestRuleHoverStaysInItsBuilds(t *testing.T) {
	c := start(t)
	c.initialize()
	const uri = protocol.DocumentURI("file:///work/p.cors")
	const text = `cors 1

policy api {
    allow "https://app.example.com" {
        methods "GET"
    }

    profile prod {
        allow "https://app.example.com" {
            methods "PUT"
        }
    }

    profile dev {
        allow "https://app.example.com" {
            methods "DELETE"
        }
    }
}
`
	c.open(uri, text)
	for _, tc := range []struct {
		line uint32
		want string
	}{
		{3, "The allow rules at line 9 (profile prod), line 15 (profile dev) also cover"}, // outside every profile: in both builds
		{8, "The allow rule at line 4 also covers"},                                       // prod: not the dev rule
		{14, "The allow rule at line 4 also covers"},                                      // dev: not the prod rule
	} {
		if h := hoverText(t, c, uri, tc.line, 9); !strings.Contains(h, tc.want) {
			t.Errorf("hover on the rule at line %d: %q; want it to contain %q", tc.line+1, h, tc.want)
		}
	}
}
