package lsp

import (
	"fmt"
	"path/filepath"
	"slices"
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

// TestSetHoverCountsEveryValue holds the header of a set's hover to the
// set's true size, though it lists only the first values: a set of 250
// said "200 values" and "... and 150 more", and one of 150 000 "200
// values" (found by attacking the server). A set too large to count,
// references doubling it level after level, is said to have at least the
// values counted, never a number it does not have.
func TestSetHoverCountsEveryValue(t *testing.T) {
	values := func(n int) string {
		var v []string
		for i := range n {
			v = append(v, fmt.Sprintf(`"https://h%d.example"`, i))
		}
		return strings.Join(v, ",\n    ")
	}
	doubling := "origins d0 = \"https://a.example\", \"https://b.example\"\n"
	for i := 1; i <= 40; i++ {
		doubling += fmt.Sprintf("origins d%d = d%d, d%d\n", i, i-1, i-1)
	}
	for _, tc := range []struct {
		name, sets, set string
		header, last    string
	}{
		{"250 values", "origins big = " + values(250) + "\n", "big", "250 values:", "- ... and 200 more"},
		{"150 000 values", "origins big = " + values(150000) + "\n", "big", "150000 values:", "- ... and 149950 more"},
		{"through references", "origins big = " + values(250) + "\norigins two = big, \"https://x.example\", big\n", "two",
			"501 values:", "- ... and 451 more"},
		{"50 values, all shown", "origins small = " + values(50) + "\n", "small", "50 values:", "- `\"https://h49.example\"`"},
		{"more than can be counted", doubling, "d40", "at least 1048576 values:", "- ... and at least 1048526 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "cors 1\n\n" + tc.sets + "\npolicy api {\n    allow " + tc.set + "\n}\n"
			s := &Server{docs: map[protocol.DocumentURI]*document{}, enc: protocol.UTF8, opts: Options{StdDir: t.TempDir()}}
			d := newDocument(s, fileURI(filepath.Join(t.TempDir(), "h.cors")), 1, src)
			a := d.analyze()
			if a.file == nil {
				t.Fatalf("does not parse: %v", a.syntax)
			}
			off := strings.LastIndex(src, "allow "+tc.set) + len("allow ")
			text, _, _ := s.hoverText(d, a, pathAt(a.file, off), off)
			lines := strings.Split(text, "\n")
			if !slices.Contains(lines, tc.header) || lines[len(lines)-1] != tc.last {
				t.Errorf("hover says %q ... %q; want %q ... %q", firstLine(lines, "value"), lines[len(lines)-1], tc.header, tc.last)
			}
		})
	}
}

// firstLine returns the first of lines that holds word, for a message.
func firstLine(lines []string, word string) string {
	for _, l := range lines {
		if strings.Contains(l, word) {
			return l
		}
	}
	return ""
}
