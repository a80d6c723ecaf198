package lang

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// largePolicy returns a realistic policy file of about size bytes: named
// sets and policies with commented rules, built from the examples' shapes.
func largePolicy(size int) []byte {
	var b bytes.Buffer
	b.WriteString("# A generated policy for benchmarks.\ncors 1\n\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "origins tenant%d = \"https://app.tenant%d.example.com\", \"https://*.tenant%d.example.net\"\n\n", i, i, i)
		fmt.Fprintf(&b, "# Policy %d: the tenant's API.\npolicy api%d {\n", i, i)
		fmt.Fprintf(&b, "    allow tenant%d {\n        paths   \"/api/**\", \"/v%d/*/items\"\n", i, i)
		b.WriteString("        methods \"GET\", \"POST\", \"PUT\", \"DELETE\" # the writes need a preflight\n")
		b.WriteString("        headers \"Authorization\", \"Content-Type\", \"X-Request-Id\"\n")
		b.WriteString("        expose  \"X-Request-Id\"\n        credentials\n        max-age 2h\n    }\n\n")
		fmt.Fprintf(&b, "    deny \"https://legacy.tenant%d.example.com\"\n}\n\n", i)
	}
	return b.Bytes()[:b.Len()-1] // one newline at the end, not two
}

// BenchmarkParse measures parsing a 1 MiB policy; -benchmem and the MB/s
// column give the throughput.
func BenchmarkParse(b *testing.B) {
	src := largePolicy(1 << 20)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Parse("large.cors", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormat measures Format on the same policy: a parse, a print, and
// the scan and token comparison that prove the output sound.
func BenchmarkFormat(b *testing.B) {
	src := largePolicy(1 << 20)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := Format("large.cors", src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFprint measures the printer alone.
func BenchmarkFprint(b *testing.B) {
	src := largePolicy(1 << 20)
	f, err := Parse("large.cors", src)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := Fprint(&bytes.Buffer{}, f); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargePolicyIsCanonical keeps the benchmark input honest: it must be
// valid and already canonical, so the benchmarks measure the common case.
func TestLargePolicyIsCanonical(t *testing.T) {
	src := largePolicy(64 << 10)
	out, err := Format("large.cors", src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, src) {
		os.WriteFile(t.TempDir()+"/out.cors", out, 0o644)
		t.Error("the generated policy is not in canonical form")
	}
}

// BenchmarkParseStages times each stage of Parse on the policy of
// BenchmarkParse: the scanner, participle (its copy of the tokens and its
// parse), the walk that sets the spans, and the checks and comments after.
// Their MB/s say what each stage alone would read; participle's is the
// ceiling of Parse while participle parses.
func BenchmarkParseStages(b *testing.B) {
	src := largePolicy(1 << 20)
	tokens, errs := scan("large.cors", src)
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	file, err := Parse("large.cors", src)
	if err != nil {
		b.Fatal(err)
	}
	stages := []struct {
		name string
		run  func() error
	}{
		{"scan", func() error {
			if _, errs := scan("large.cors", src); len(errs) > 0 {
				return errs
			}
			return nil
		}},
		{"participle", func() error {
			peeker, err := lexer.Upgrade(&tokenStream{tokens: tokens, significant: true})
			if err != nil {
				return err
			}
			_, err = parser.ParseFromLexer(peeker)
			return err
		}},
		{"spans", func() error {
			if !setFileSpans(file, tokens, tokens) {
				return errors.New("the walk strayed")
			}
			return nil
		}},
		{"check+comments", func() error {
			if errs := check(file); len(errs) > 0 {
				return errs
			}
			comments(tokens)
			return nil
		}},
	}
	for _, st := range stages {
		b.Run(st.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if err := st.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
