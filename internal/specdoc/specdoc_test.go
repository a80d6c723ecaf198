package specdoc_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	cors "github.com/corspolicy/cors"
	"github.com/corspolicy/cors/internal/specdoc"
)

// TestCode checks that a code's section is its own, from its heading to the
// next heading, and that a heading naming two codes serves both.
func TestCode(t *testing.T) {
	d := specdoc.Parse(cors.Spec())
	for code, want := range map[string]struct{ start, has, not string }{
		"S101": {"#### S101 — credentials for a wildcard over a public suffix (error; refuses the policy)\n", "**Fix**: list the exact\norigins", "S102 —"},
		"L001": {"### L001 — syntax error\n", `did you mean "methods"?`, "L002"},
		"C014": {"### C014 — unknown policy\n", "the nearest name is suggested", "Lint findings"},
		"X002": {"#### X001 — a silence without a reason (error; refuses the policy) and X002", "a stale silence", "S101 —"},
	} {
		s, ok := d.Code(code)
		if !ok {
			t.Errorf("no section for %s", code)
			continue
		}
		if !strings.HasPrefix(s.Text, want.start) || !strings.Contains(s.Text, want.has) || strings.Contains(s.Text, want.not) {
			t.Errorf("section of %s:\n%s", code, s.Text)
		}
	}
	if _, ok := d.Code("Z999"); ok {
		t.Error("a section for Z999")
	}
}

// TestCodes checks the list of codes: every code in order, once, titled.
func TestCodes(t *testing.T) {
	codes := specdoc.Parse(cors.Spec()).Codes()
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c.Code] || c.Title == "" || strings.Contains(c.Title, "—") {
			t.Errorf("code %s titled %q (seen before: %v)", c.Code, c.Title, seen[c.Code])
		}
		seen[c.Code] = true
	}
	for _, want := range []string{"L001", "L008", "C001", "C014", "E001", "S101", "U207", "R305", "X001", "X002", "P001", "P201"} {
		if !seen[want] {
			t.Errorf("no %s among %v", want, codes)
		}
	}
	i := slices.IndexFunc(codes, func(c specdoc.Code) bool { return c.Code == "X001" })
	if got := fmt.Sprint(codes[i : i+2]); got != "[{X001 a silence without a reason (error; refuses the policy)} {X002 a silence that silences nothing (warning)}]" {
		t.Errorf("the codes of one heading: %s", got)
	}
}

// TestFencedHeadings checks that a # line in a code block is no heading.
func TestFencedHeadings(t *testing.T) {
	d := specdoc.Parse("# Title\n\n```\n# a comment\n```\n\n## Next\n\ntext\n")
	if len(d.Sections) != 2 || d.Sections[1].Heading != "Next" || !strings.Contains(d.Sections[0].Text, "# a comment") {
		t.Errorf("sections: %+v", d.Sections)
	}
}

// TestKeyword checks the paragraph found for keywords of each kind: a bold
// lead, a row of the clauses table, a heading.
func TestKeyword(t *testing.T) {
	d := specdoc.Parse(cors.Spec())
	for word, start := range map[string]string{
		"credentials": "**Credentials.** Without `credentials`",
		"max-age":     "**Max age** is sent exactly as written",
		"headers":     "**Header names** are compared case-insensitively",
		"paths":       "**Paths** are patterns over the request path",
		"expose":      "| `expose` | header names, or `any` |",
		"profile":     "A profile block holds rules",
		"import":      "Imports come right after the version line",
	} {
		got, ok := d.Keyword(word)
		if !ok || !strings.HasPrefix(got, start) {
			t.Errorf("Keyword(%q) = %q, %v; want it to start with %q", word, got, ok, start)
		}
	}
	if got, ok := d.Keyword("nonsense"); ok {
		t.Errorf("Keyword(nonsense) = %q", got)
	}
}

func ExampleDoc_Code() {
	d := specdoc.Parse(cors.Spec())
	s, _ := d.Code("L007")
	fmt.Print(s.Text)
	// Output:
	// ### L007 — unsupported version
	//
	// **Catches** a version line other than `cors 1`.
	//
	// ```
	// cors 2
	// ```
	// `api.cors:1:6: unsupported language version 2; this parser reads version 1`
	//
	// **Fix**: write `cors 1`, or use an engine that reads the newer version.
}
