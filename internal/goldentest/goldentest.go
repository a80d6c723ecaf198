// Package goldentest holds what the project's golden-file tests share: the
// -update flag that rewrites golden files, the comparison that reports a
// diff, and the "# want LINE:COL REGEXP" annotations of error test files.
package goldentest

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current output")

// Compare compares got with the file at path, or rewrites the file with -update.
func Compare(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from the output (-want +got):\n%s", path, diff)
	}
}

// Glob returns the files matching pattern, failing the test when there are none.
func Glob(t *testing.T, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	return files
}

// Seed adds every file matching the patterns to the fuzz target's seed
// corpus.
func Seed(f *testing.F, patterns ...string) {
	for _, pattern := range patterns {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			if src, err := os.ReadFile(path); err == nil {
				f.Add(src)
			}
		}
	}
}

// Want is an expected error: its position as "line:col" and a pattern its
// message must match.
type Want struct {
	Pos string
	Rx  *regexp.Regexp
}

var wantLine = regexp.MustCompile(`(?m)^# want (\d+:\d+) (.*)$`)

// Wants reads the "# want LINE:COL REGEXP" lines of a test file. They are
// read from the raw bytes, since the file is not expected to parse or compile.
func Wants(t *testing.T, src []byte) []Want {
	t.Helper()
	var wants []Want
	for _, m := range wantLine.FindAllSubmatch(src, -1) {
		rx, err := regexp.Compile(string(m[2]))
		if err != nil {
			t.Fatalf("bad want line %q: %v", m[0], err)
		}
		wants = append(wants, Want{string(m[1]), rx})
	}
	return wants
}

// Each runs f as a subtest, named by the file's base name, for every file
// matching pattern, with the file's contents; it fails when none matches.
func Each(t *testing.T, pattern string, f func(t *testing.T, path string, src []byte)) {
	t.Helper()
	for _, path := range Glob(t, pattern) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f(t, path, src)
		})
	}
}
