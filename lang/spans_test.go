package lang

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// TestSpansCatchAStrayWalk checks that setting spans fails, rather than
// giving wrong ones, when the tree is not what the tokens say: a walk that
// drifted from the grammar would otherwise put every later node at the
// wrong place without a sound.
func TestSpansCatchAStrayWalk(t *testing.T) {
	const src = "cors 1\n\npolicy api {\n    allow \"https://a.example\", partners.all {\n        credentials\n    }\n}\n"
	tokens := func(src string) []lexer.Token {
		toks, errs := scan("x.cors", []byte(src))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return toks
	}
	parse := func() *File {
		f, err := Parse("x.cors", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if !setFileSpans(parse(), tokens(src), tokens(src)) {
		t.Fatal("the tokens of the tree's own source do not match it")
	}
	for _, other := range []string{
		strings.Replace(src, "api", "web", 1),                         // a name unlike the tree's
		strings.Replace(src, "partners.all", "all", 1),                // a reference without its module
		strings.Replace(src, "credentials", "private-network", 1),     // another flag
		strings.Replace(src, "    }\n}", "    }\n    deny any\n}", 1), // a rule more
		strings.Replace(src, "}\n}", "}", 1),                          // a brace fewer
		src + "policy more {}\n",                                      // a statement after the tree's last
	} {
		if toks := tokens(other); setFileSpans(parse(), toks, toks) {
			t.Errorf("the tree of\n%s\nmatches the tokens of\n%s", src, other)
		}
	}
}

// TestSpansCompareTokenTypes checks that the walk compares each token's
// type as well as its text: a string holding "{" is not a brace.
func TestSpansCompareTokenTypes(t *testing.T) {
	f, err := Parse("x.cors", []byte("cors 1\npolicy p { allow any, \"{\" }\n"))
	if err != nil {
		t.Fatal(err)
	}
	toks, errs := scan("x.cors", []byte("cors 1\npolicy p { allow any, { }\n"))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if setFileSpans(f, toks, toks) {
		t.Error("the string \"{\" of the tree matches the brace of the tokens")
	}
}

// TestFixtureSpansCatchAStrayWalk is TestSpansCatchAStrayWalk for fixture files.
func TestFixtureSpansCatchAStrayWalk(t *testing.T) {
	const src = "fixtures 1\n\npolicy api\n\ncase \"c\" {\n    GET \"/x\"\n    Origin \"https://a.example\"\n\n    expect allowed\n    expect Vary \"Origin\"\n    expect Access-Control-Allow-Origin origin\n}\n"
	f, err := ParseFixtures("x.fixtures", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{
		src,
		strings.Replace(src, "allowed", "denied", 1),
		strings.Replace(src, "\"Origin\"\n", "origin\n", 1),
		strings.Replace(src, "GET", "PUT", 1),
		strings.Replace(src, "policy api\n", "", 1),
	} {
		toks, errs := scan("x.fixtures", []byte(other))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if got, want := setFixtureSpans(f, toks, toks), other == src; got != want {
			t.Errorf("tokens of\n%s\nmatch the tree of the fixture: %v, want %v", other, got, want)
		}
	}
}

// TestSpansOfPartialTrees checks the spans of a tree parsed after recovery
// left a statement out: a node right against what was left out ends where
// its last token ends, not past the statement, so that an error checked on
// the partial tree underlines its own text.
func TestSpansOfPartialTrees(t *testing.T) {
	for _, tc := range []struct {
		src, fixtures string
		want          string // the start and end of the version error
	}{
		{src: "cors 2\"x\" = \npolicy p {}\n", want: "1:6-1:7"},
		{fixtures: "fixtures 2\"x\"\ncase \"c\" {\n    GET \"/\"\n    expect allowed\n}\n", want: "1:10-1:11"},
	} {
		var err error
		if tc.fixtures != "" {
			_, err = ParseFixtures("x", []byte(tc.fixtures))
		} else {
			_, err = Parse("x", []byte(tc.src))
		}
		list, _ := err.(ErrorList)
		var got []string
		for _, e := range list {
			if e.Code == CodeVersion {
				got = append(got, fmt.Sprintf("%d:%d-%d:%d", e.Pos.Line, e.Pos.Column, e.End.Line, e.End.Column))
			}
		}
		if len(got) != 1 || got[0] != tc.want {
			t.Errorf("%q%q: the error checked on the partial tree is at %v, want %s (all errors: %v)", tc.src, tc.fixtures, got, tc.want, err)
		}
	}
}
