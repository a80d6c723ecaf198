package diff_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/diff"
	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/stdlib"
)

// input reads a policy file, its imports served from its directory.
func input(t *testing.T, path string) diff.Input {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return diff.Input{Name: filepath.Base(path), Src: src,
		Importer: stdlib.Importer{Next: lang.FSImporter{FS: os.DirFS(filepath.Dir(path))}}}
}

// TestEdits compares each example with an edit of it (testdata/edits, whose
// first line names the example) and compares the report with the golden
// file beside the edit. A reorder, a reformat, a renamed set and a value
// moved into a module change nothing; the others show what they open or
// close. Every witness is then run as a fixture case: the new policy must
// pass it and the old one fail it.
func TestEdits(t *testing.T) {
	goldentest.Each(t, "testdata/edits/*.cors", func(t *testing.T, path string, src []byte) {
		first, _, _ := strings.Cut(string(src), "\n")
		oldPath, ok := strings.CutPrefix(first, "# old: ")
		if !ok {
			t.Fatalf("%s does not start with a line # old: PATH", path)
		}
		oldPath = filepath.Join("..", oldPath)
		cs, err := diff.Files(input(t, oldPath), input(t, path), diff.Options{AllBuilds: true})
		if err != nil {
			var b strings.Builder
			lang.PrintErrors(&b, err)
			t.Fatal(b.String())
		}
		var out bytes.Buffer
		if err := diff.WriteText(&out, cs); err != nil {
			t.Fatal(err)
		}
		goldentest.Compare(t, strings.TrimSuffix(path, ".cors")+".golden", out.Bytes())
		if name := filepath.Base(path); name == "drop-deny.cors" {
			out.Reset()
			diff.WriteMarkdown(&out, cs)
			goldentest.Compare(t, strings.TrimSuffix(path, ".cors")+".md.golden", out.Bytes())
			out.Reset()
			diff.WriteJSON(&out, cs)
			goldentest.Compare(t, strings.TrimSuffix(path, ".cors")+".json.golden", out.Bytes())
		}
		for _, c := range cs {
			for i, e := range c.Entries {
				runWitness(t, path, c, i, e, true)
				runWitness(t, oldPath, c, i, e, false)
			}
		}
	})
}

// runWitness runs an entry's witness case against a policy file, and
// checks that it passes (the new policy) or fails (the old one).
func runWitness(t *testing.T, policyFile string, c *diff.Comparison, i int, e *diff.Entry, pass bool) {
	t.Helper()
	var fx strings.Builder
	fx.WriteString("fixtures 1\n\npolicy " + c.Policy + "\n")
	if c.Profile != "" {
		fx.WriteString("profile " + c.Profile + "\n")
	}
	fx.WriteString("\n" + e.Witness.Case)
	file, err := lang.ParseFixtures("witness.fixtures", []byte(fx.String()))
	if err != nil {
		t.Fatalf("entry %d: the witness does not parse: %v\n%s", i+1, err, fx.String())
	}
	src, err := os.ReadFile(policyFile)
	if err != nil {
		t.Fatal(err)
	}
	s, err := corstest.LoadSource(policyFile, src, file)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Run() {
		if r.Passed() != pass {
			t.Errorf("entry %d, %s: the witness passed: %v against %s, want %v\n%s%s", i+1, c.Build(), r.Passed(), policyFile, pass,
				e.Witness.Case, strings.Join(r.Failures, "\n"))
		}
	}
}
