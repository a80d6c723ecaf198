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

// TestEdits applies each edit of testdata/edits to the example its first
// line names, compares the example with the edited policy, and compares the
// report with the golden file beside the edit. A reorder, a reformat, a
// renamed set and values moved into modules change nothing; the others
// show what they open or close. Every witness is then run as a fixture
// case: the edited policy must pass it and the example fail it.
//
// An edit is a list of "-- replace --" and "-- with --" blocks, applied in
// turn, each replacing text the policy holds exactly once, so that an edit
// keeps meaning the same thing while the examples change around it.
func TestEdits(t *testing.T) {
	goldentest.Each(t, "testdata/edits/*.edit", func(t *testing.T, path string, src []byte) {
		first, _, _ := strings.Cut(string(src), "\n")
		oldPath, ok := strings.CutPrefix(first, "# old: ")
		if !ok {
			t.Fatalf("%s does not start with a line # old: PATH", path)
		}
		oldPath = filepath.Join("..", oldPath)
		dir := t.TempDir()
		newPath := filepath.Join(dir, strings.TrimSuffix(filepath.Base(path), ".edit")+".cors")
		if err := os.WriteFile(newPath, applyEdit(t, oldPath, string(src)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(filepath.Join(dir, "shared"), os.DirFS("testdata/edits/shared")); err != nil {
			t.Fatal(err)
		}
		cs, err := diff.Files(input(t, oldPath), input(t, newPath), diff.Options{AllBuilds: true})
		if err != nil {
			var b strings.Builder
			lang.PrintErrors(&b, err)
			t.Fatal(b.String())
		}
		var out bytes.Buffer
		if err := diff.WriteText(&out, cs); err != nil {
			t.Fatal(err)
		}
		golden := strings.TrimSuffix(path, ".edit")
		goldentest.Compare(t, golden+".golden", out.Bytes())
		if filepath.Base(golden) == "drop-deny" {
			out.Reset()
			diff.WriteMarkdown(&out, cs)
			goldentest.Compare(t, golden+".md.golden", out.Bytes())
			out.Reset()
			diff.WriteJSON(&out, cs)
			goldentest.Compare(t, golden+".json.golden", out.Bytes())
		}
		for _, c := range cs {
			for i, e := range c.Entries {
				runWitness(t, newPath, c, i, e, true)
				runWitness(t, oldPath, c, i, e, false)
			}
		}
	})
}

// applyEdit applies the replace blocks of an edit to the policy file at
// path.
func applyEdit(t testing.TB, path, edit string) []byte {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	policy := string(src)
	blocks := strings.Split(edit, "-- replace --\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("the edit has no -- replace -- block")
	}
	for _, b := range blocks {
		old, new, ok := strings.Cut(b, "-- with --\n")
		if !ok {
			t.Fatalf("a -- replace -- block without -- with --:\n%s", b)
		}
		if n := strings.Count(policy, old); n != 1 {
			t.Fatalf("%s holds the text to replace %d times, not once (has the example changed?):\n%s", path, n, old)
		}
		policy = strings.Replace(policy, old, new, 1)
	}
	return []byte(policy)
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
