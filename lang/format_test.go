package lang

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// TestFormatRefusesAChangedFile gives Format's proof printers that are
// wrong in each way a printer could be: a value, a rule or a comment lost,
// two rules swapped, a word changed, two tokens run together, output that
// does not scan. Each must be refused with an internal error that says
// where, and no output.
func TestFormatRefusesAChangedFile(t *testing.T) {
	const src = `cors 1

# Partners.
origins partners = "https://a.example.com", "https://b.example.com"

policy api {
    allow partners {
        methods "GET", "PUT"
        credentials
    }

    deny "https://evil.example.com" # never
}
`
	// broken prints the file after changing its tree, or changes what the
	// right printer writes.
	broken := func(tree func(*File), text func([]byte) []byte) func(io.Writer, *File) error {
		return func(w io.Writer, f *File) error {
			if tree != nil {
				tree(f)
			}
			var buf bytes.Buffer
			if err := Fprint(&buf, f); err != nil {
				return err
			}
			out := buf.Bytes()
			if text != nil {
				out = text(out)
			}
			_, err := w.Write(out)
			return err
		}
	}
	replace := func(old, new string) func([]byte) []byte {
		return func(b []byte) []byte {
			if !bytes.Contains(b, []byte(old)) {
				t.Fatalf("the printed file holds no %q", old)
			}
			return bytes.Replace(b, []byte(old), []byte(new), 1)
		}
	}
	policy := func(f *File) *Policy { return f.Decls[1].(*Policy) }
	tests := []struct {
		name  string
		print func(io.Writer, *File) error
		want  string
	}{
		{"a value lost", broken(func(f *File) {
			d := f.Decls[0].(*SetDecl)
			d.Values = d.Values[:1]
		}, nil), `"," at 4:43 would become "policy" at 6:1 of the output`},
		{"rules swapped", broken(func(f *File) {
			p := policy(f)
			p.Items[0], p.Items[1] = p.Items[1], p.Items[0]
		}, nil), `"allow" at 7:5 would become "deny" at 7:5 of the output`},
		{"a comment lost", broken(func(f *File) { f.Comments = f.Comments[1:] }, nil), `"# Partners." at 3:1 would become "# never" at 11:37 of the output`},
		{"the last comment lost", broken(func(f *File) { f.Comments = f.Comments[:1] }, nil), `"# never" at 12:37 would be lost`},
		{"a comment changed", broken(nil, replace("# never", "# always")), `"# never" at 12:37 would become "# always" at 12:37 of the output`},
		{"a word changed", broken(nil, replace(`"PUT"`, `"POST"`)), `string "PUT" at 8:24 would become string "POST" at 8:24 of the output`},
		{"a token added", broken(nil, replace("credentials", "credentials\n        credentials")), `"}" at 10:5 would become "credentials" at 10:9 of the output`},
		{"two tokens run together", broken(nil, replace("allow partners", "allowpartners")), `"allow" at 7:5 would become "allowpartners" at 7:5 of the output`},
		{"a comment added", broken(nil, func(b []byte) []byte { return append(b, "# extra\n"...) }), `"# extra" at 14:1 would be added at the end of the output`},
		{"output that does not scan", broken(nil, replace(`"https://evil.example.com"`, `"https://evil.example.com`)), "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := format("api.cors", []byte(src), parsePolicy, tt.print)
			if err == nil || out != nil {
				t.Fatalf("format = %q, %v; want no output and an error", out, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "internal error") || !strings.Contains(msg, tt.want) {
				t.Errorf("error = %q, want an internal error with %q", msg, tt.want)
			}
		})
	}
	// The right printer passes the same proof, comments' trailing blanks
	// dropped and the layout changed.
	messy := strings.Replace(strings.Replace(src, "# never", "# never  \t", 1), "credentials", "   credentials", 1)
	if out, err := format("api.cors", []byte(messy), parsePolicy, Fprint); err != nil || string(out) != src {
		t.Errorf("format of the messy file = %q, %v; want the canonical file", out, err)
	}
}

// TestFormatKeepsSilencesInPlace checks that the proof holds a silence
// above the statement it was above, though moving one changes neither the
// tokens nor the comments: it would change which findings the policy
// passes with. The right printer keeps a silence at the end of a line of
// code there, where it silences nothing, even with the blank line below it
// gone.
func TestFormatKeepsSilencesInPlace(t *testing.T) {
	const src = `cors 1

policy api {
    # corsfmt:ignore S103 the preview frame is sandboxed
    allow null {
        credentials
    }

    deny "https://evil.example.com"
}
`
	moved := func(old, new string) func(io.Writer, *File) error {
		return func(w io.Writer, f *File) error {
			var buf bytes.Buffer
			if err := Fprint(&buf, f); err != nil {
				return err
			}
			if !bytes.Contains(buf.Bytes(), []byte(old)) {
				t.Fatalf("the printed file holds no %q", old)
			}
			_, err := w.Write(bytes.Replace(buf.Bytes(), []byte(old), []byte(new), 1))
			return err
		}
	}
	const silence = "    # corsfmt:ignore S103 the preview frame is sandboxed\n"
	const rule = "    allow null {\n        credentials\n    }\n"
	for name, print := range map[string]func(io.Writer, *File) error{
		"above the next rule":        moved(silence+rule, rule+silence),
		"to the end of a line above": moved("{\n"+silence, "{ "+strings.TrimSpace(silence)+"\n"),
	} {
		out, err := format("api.cors", []byte(src), parsePolicy, print)
		if err == nil || !strings.Contains(err.Error(), "api.cors:4:5: formatted, this silence would") {
			t.Errorf("%s: format = %q, %v; want the moved silence refused", name, out, err)
		}
	}

	// The right printer moves a silence among a header's tokens to above
	// the next statement: between clauses it silences nothing either way;
	// onto a rule it is refused, not as a printer bug.
	if _, err := Format("api.cors", []byte("cors 1\npolicy p {\n    allow null\n    # corsfmt:ignore S103 r\n    { credentials }\n}\n")); err != nil {
		t.Errorf("a silence above a rule's brace: %v", err)
	}
	_, err := Format("api.cors", []byte("cors 1\npolicy p {\n    profile dev\n    # corsfmt:ignore S103 r\n    {\n        allow null { credentials }\n    }\n}\n"))
	if want := "api.cors:4:5: formatted, this silence would stand above the rule at 6:9, which it does not silence here; put it on a line of its own"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("a silence above a profile's brace: %v; want %q", err, want)
	}

	trailing := "cors 1\n\npolicy api { # corsfmt:ignore S103 at the end of a line\n\n    allow null {\n        credentials\n    }\n}\n"
	out, err := Format("api.cors", []byte(trailing))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse("api.cors", out)
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Silences(); len(s) != 1 || s[0].OwnLine() {
		t.Errorf("formatted:\n%s\nthe silence at the end of a line of code now stands above a statement", out)
	}
}

// TestFormatFixturesRefusesAChangedFile is the same proof for fixtures.
func TestFormatFixturesRefusesAChangedFile(t *testing.T) {
	const src = `fixtures 1
policy api

case "a read" {
    GET "/items"
    Origin "https://a.example.com"
    expect allowed
}
`
	print := func(w io.Writer, f *FixtureFile) error {
		var buf bytes.Buffer
		if err := FprintFixtures(&buf, f); err != nil {
			return err
		}
		_, err := w.Write(bytes.Replace(buf.Bytes(), []byte(`"/items"`), []byte(`"/item"`), 1))
		return err
	}
	out, err := format("api.fixtures", []byte(src), parseFixtures, print)
	if err == nil || !strings.Contains(err.Error(), `string "/items" at 5:9 would become string "/item" at 6:9 of the output`) {
		t.Errorf("format = %q, %v; want the changed path refused", out, err)
	}
}

// TestSameTokensSameTree checks by brute force what Format's proof rests
// on: two sources that parse with the same tokens and comments parse to
// the same tree. Over mutations of every policy and fixture file of the
// repository, a pair with the same tokens must have the same tree, and a
// pair with different trees different tokens.
func TestSameTokensSameTree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	same, differ := 0, 0
	try := func(name string, src []byte, parse func(string, []byte) (any, []lexer.Token, error)) {
		a, aTokens, err := parse(name, src)
		if err != nil {
			return
		}
		for i := range 30 {
			// A third of the variants change only the layout, a third the
			// tokens, a third both.
			variant := src
			if i%3 != 0 {
				variant = mutate(rng, variant)
			}
			if i%3 != 1 {
				variant = relayout(rng, variant)
			}
			b, bTokens, err := parse(name, variant)
			if err != nil {
				continue
			}
			tokens, trees := tokensDiffer(aTokens, bTokens), diffTrees(a, b)
			switch {
			case tokens == "" && trees != "":
				t.Fatalf("%s: the same tokens, another tree:\n%s\n---\n%s\n%s", name, src, variant, trees)
			case tokens == "":
				same++
			default:
				differ++
			}
		}
	}
	policy := func(name string, src []byte) (any, []lexer.Token, error) { return parsePolicy(name, src) }
	fixtures := func(name string, src []byte) (any, []lexer.Token, error) { return parseFixtures(name, src) }
	for _, corpus := range []struct {
		patterns []string
		parse    func(string, []byte) (any, []lexer.Token, error)
	}{
		{[]string{"testdata/*/*.cors", "testdata/format/*.input", "../examples/*.cors", "../stdlib/*.cors"}, policy},
		{[]string{"testdata/fixtures/*", "../examples/*.fixtures", "../corstest/testdata/*.fixtures"}, fixtures},
	} {
		for _, pattern := range corpus.patterns {
			files, _ := filepath.Glob(pattern)
			for _, name := range files {
				src, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				try(name, src, corpus.parse)
			}
		}
	}
	if same < 300 || differ < 50 {
		t.Fatalf("only %d variants with the same tokens and %d with others", same, differ)
	}
	t.Logf("%d variants with the same tokens and the same tree, %d with other tokens", same, differ)
}

// relayout changes the layout of src and nothing else: blanks become
// other blanks, and a line break may open or close between two tokens.
func relayout(rng *rand.Rand, src []byte) []byte {
	var out []byte
	inString, inComment := false, false
	for _, c := range src {
		switch {
		case inComment:
			inComment = c != '\n'
		case c == '"':
			inString = !inString
		case inString:
		case c == '#':
			inComment = true
		case c == ' ' || c == '\t':
			out = append(out, []string{" ", "\t", "  ", "\n"}[rng.IntN(4)]...)
			continue
		}
		out = append(out, c)
	}
	return out
}

// TestFormatPastTheLimits formats a file whose longest line is within
// MaxLineLength until the canonical indentation carries it past: refused,
// as the output could not be read back, but in words that blame the size,
// not the printer. (A whole file carried past MaxFileSize takes the same
// path.)
func TestFormatPastTheLimits(t *testing.T) {
	line := `allow "https://` + strings.Repeat("a", MaxLineLength-len(`allow "https://.example.com"`)) + `.example.com"`
	src := "cors 1\n\npolicy p {\n" + line + "\n}\n"
	if _, err := Parse("long.cors", []byte(src)); err != nil {
		t.Fatalf("the input must be within the limits: %v", err)
	}
	out, err := Format("long.cors", []byte(src))
	if err == nil || out != nil {
		t.Fatalf("Format of a line of %d bytes that prints as more than %d: no error", len(line), MaxLineLength)
	}
	if msg := err.Error(); strings.Contains(msg, "internal error") || !strings.Contains(msg, "would be too large to read back") ||
		!strings.Contains(msg, fmt.Sprintf("the limit is %d", MaxLineLength)) {
		t.Errorf("error = %q, want the size blamed", msg)
	}
}
