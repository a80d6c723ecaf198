package lang

import (
	"bytes"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/internal/goldentest"
)

// TestBadInput feeds the parser input no editor should produce: each case
// must be a clear error with a position, never a panic or a hang.
func TestBadInput(t *testing.T) {
	huge := func(n int, fill string) []byte {
		return []byte("cors 1\n# " + strings.Repeat(fill, n) + "\n")
	}
	tests := []struct {
		name string
		src  []byte
		want string // "line:col: message" prefix expected of the first error
	}{
		{"NUL byte", []byte("cors 1\npolicy p\x00 {}\n"), "2:9: NUL byte in source"},
		{"NUL in string", []byte("cors 1\norigins a = \"x\x00\"\n"), "2:15: NUL byte in source"},
		{"invalid UTF-8", []byte("cors 1\n# caf\xe9\n"), "2:6: invalid UTF-8 byte 0xe9"},
		{"invalid UTF-8 in string", []byte("cors 1\norigins a = \"\xff\"\n"), "2:14: invalid UTF-8 byte 0xff"},
		{"byte order mark", []byte("\uFEFFcors 1\n"), "1:1: byte order mark"},
		{"unterminated at EOF", []byte("cors 1\norigins a = \"https://a"), "2:13: string literal not terminated before the end of the file"},
		{"control character", []byte("cors 1\norigins a = \"a\tb\"\n"), "2:15: control character U+0009 in string"},
		{"DEL in string", []byte("cors 1\norigins a = \"a\x7fb\"\n"), "2:15: control character U+007F in string"},
		{"10 MiB line", huge(10<<20, "x"), "2:1: line is 10485762 bytes long; the limit is 65536"},
		{"10 MiB last line without a newline", bytes.TrimSuffix(huge(10<<20, "x"), []byte("\n")), "2:1: line is 10485762 bytes long; the limit is 65536"},
		{"a long origin on the last line", []byte("cors 1\npolicy p { allow \"https://" + strings.Repeat("a", 70000) + ".example\" }"), "2:1: line is 70037 bytes long"},
		{"file too large", bytes.Repeat([]byte("# comment line\n"), MaxFileSize/15+1), "1:1: file is"},
		{"deep nesting", []byte("cors 1\npolicy p " + strings.Repeat("{", 60000)), "2:11: expected rule, profile, dev-profiles or \"}\", found \"{\""},
		{"endless braces", []byte(strings.Repeat("}", 1<<20)), "1:1: expected the version line"},
		{"empty", nil, "1:1: expected the version line \"cors 1\", found end of file"},
		{"only a comment", []byte("# nothing\n"), "2:1: expected the version line \"cors 1\", found end of file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			f, err := Parse("", tt.src)
			if f != nil || err == nil {
				t.Fatal("Parse succeeded; want an error")
			}
			list := err.(ErrorList)
			got := list[0].Pos.String() + ": " + list[0].Msg
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s...", got, tt.want)
			}
			// Not a benchmark: a guard against a quadratic path, with room
			// for the slowest machine.
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestLineLengthLimit puts a line at MaxLineLength bytes, which parses,
// and one byte past it, which is refused with L006, with a newline after
// it and without, at the end of the file.
func TestLineLengthLimit(t *testing.T) {
	line := func(n int) string { return "# " + strings.Repeat("x", n-2) }
	for _, tc := range []struct {
		name string
		src  string
		ok   bool
	}{
		{"a line at the limit", "cors 1\n" + line(MaxLineLength) + "\n", true},
		{"a line past the limit", "cors 1\n" + line(MaxLineLength+1) + "\n", false},
		{"a last line at the limit, without a newline", "cors 1\n" + line(MaxLineLength), true},
		{"a last line past the limit, without a newline", "cors 1\n" + line(MaxLineLength+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("long.cors", []byte(tc.src))
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok {
				list, _ := err.(ErrorList)
				if len(list) != 1 || list[0].Code != CodeTooLarge || list[0].Pos.Line != 2 {
					t.Fatalf("got %v; want one L006 error on line 2", err)
				}
			}
		})
	}
}

// TestGrammarInSpec keeps the EBNF blocks of SPEC.md identical to the
// grammars the parsers are built from: the first for policies, the second
// for fixture files.
func TestGrammarInSpec(t *testing.T) {
	spec, err := os.ReadFile("../SPEC.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```ebnf\n(.*?)```").FindAllSubmatch(spec, -1)
	if len(blocks) != 2 {
		t.Fatalf("SPEC.md has %d ```ebnf blocks, want 2", len(blocks))
	}
	for i, want := range []string{Grammar(), FixtureGrammar()} {
		if got := strings.TrimSpace(string(blocks[i][1])); got != strings.TrimSpace(want) {
			t.Errorf("EBNF block %d of SPEC.md is stale; replace it with:\n%s", i+1, want)
		}
	}
}

// TestErrorListSorted checks that Parse returns its errors sorted by
// position even when they are found out of order.
func TestErrorListSorted(t *testing.T) {
	src := []byte("cors 9\npolicy p {\n allow \"a\" { max-age 1x }\n allow \"b\" { max-age 2y }\n}\n")
	_, err := Parse("f.cors", src)
	list, ok := err.(ErrorList)
	if !ok || len(list) != 3 {
		t.Fatalf("got %v, want 3 errors", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i-1].Pos.Offset > list[i].Pos.Offset {
			t.Errorf("errors out of order: %v before %v", list[i-1], list[i])
		}
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"0s", 0, ""},
		{"90s", 90 * time.Second, ""},
		{"10m", 10 * time.Minute, ""},
		{"2h", 2 * time.Hour, ""},
		{"1h30m15s", time.Hour + 30*time.Minute + 15*time.Second, ""},
		{"-1s", -time.Second, ""},
		{"600", 0, "missing unit"},
		{"10ms", 0, `unknown unit "ms"`},
		{"1d", 0, `unknown unit "d"`},
		{"30m1h", 0, "largest to smallest"},
		{"1h1h", 0, "largest to smallest"},
		{"99999999999999999999h", 0, "too large"},
		{"2562048h", 0, "too large"},
		{"", 0, "empty"},
		{"-", 0, "empty"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseDuration(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.err)
		}
	}
}

// FuzzParse checks that the parser never panics and that any input it
// accepts formats, parses back to the same tree, and formats to itself.
func FuzzParse(f *testing.F) {
	goldentest.Seed(f, "testdata/*/*.cors", "testdata/format/*.input", "../examples/*.cors", "../stdlib/*.cors")
	f.Fuzz(func(t *testing.T, src []byte) {
		checkRoundTrip(t, "fuzz.cors", src, Parse, Format)
	})
}

// checkRoundTrip is what the fuzz targets require of the source of either
// file format: the parser never panics and fails only with an ErrorList,
// and what it accepts formats, parses back to the same tree, and formats
// to itself.
func checkRoundTrip[T any](t *testing.T, name string, src []byte, parse func(string, []byte) (T, error), format func(string, []byte) ([]byte, error)) {
	t.Helper()
	file, err := parse(name, src)
	if err != nil {
		if _, ok := err.(ErrorList); !ok {
			t.Fatalf("error is %T, want ErrorList", err)
		}
		return
	}
	checkSpans(t, file, src)
	out, err := format(name, src)
	if _, moved := errors.AsType[*silenceMovedError](err); moved {
		return // a silence among a header's tokens: only its writer can place it
	}
	if err != nil {
		t.Fatalf("input parses but does not format: %v", err)
	}
	again, err := parse(name, out)
	if err != nil {
		t.Fatalf("formatted output does not parse: %v\n%s", err, out)
	}
	if diff := diffTrees(file, again); diff != "" {
		t.Fatalf("formatting changed the tree:\n%s", diff)
	}
	twice, err := format(name, out)
	if err != nil || !bytes.Equal(out, twice) {
		t.Fatalf("format is not idempotent (%v):\n%s\n---\n%s", err, out, twice)
	}
}
