//go:build unix

package corstest_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/internal/importcases"
	"github.com/corspolicy/cors/lang"
)

// fixtures is a fixture file that holds when the policy allows the
// modules' origin.
const fixtures = "fixtures 1\n\ncase \"a partner reads\" {\n    GET \"/\"\n    Origin \"" + importcases.Origin + "\"\n\n    expect allowed\n}\n"

// TestLoadImportRule runs the import table through LoadIn: each import
// resolves, or fails, as compile.LoadFile resolves it, and the mutation
// run compiles its mutants under the same root.
func TestLoadImportRule(t *testing.T) {
	repo := importcases.Tree(t)
	fx := filepath.Join(repo, "svc", "api.fixtures")
	if err := os.WriteFile(fx, []byte(fixtures), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range importcases.Cases {
		t.Run(c.Name, func(t *testing.T) {
			s, err := corstest.LoadIn(importcases.Root(repo, c), importcases.Policy(t, repo, c), fx)
			switch {
			case c.Err == "" && err != nil:
				t.Fatal(err)
			case c.Err != "" && (err == nil || !strings.Contains(err.Error(), c.Err)):
				t.Fatalf("got %v, want an error saying %q", err, c.Err)
			case err != nil && strings.Contains(err.Error(), importcases.Secret):
				t.Fatalf("the error quotes a file that is not a policy: %v", err)
			case err != nil:
				return
			}
			for _, r := range s.Run() {
				if !r.Passed() {
					t.Errorf("%s: %v", r.Name, r.Failures)
				}
			}
			if _, err := corstest.Group(s)[0].Mutate(); err != nil {
				t.Errorf("Mutate: %v", err)
			}
		})
	}
}

// TestLoadRefusesEndlessFiles checks that a fixture file or a policy file
// that is a link to /dev/zero, or a named pipe, is refused at once.
func TestLoadRefusesEndlessFiles(t *testing.T) {
	dir := t.TempDir()
	policy, fx := filepath.Join(dir, "api.cors"), filepath.Join(dir, "api.fixtures")
	os.WriteFile(policy, []byte("cors 1\n\npolicy api {\n}\n"), 0o644)
	os.WriteFile(fx, []byte(fixtures), 0o644)
	zero, fifo := filepath.Join(dir, "zero"), filepath.Join(dir, "fifo")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ policy, fixtures string }{
		{zero, fx}, {policy, zero}, {fifo, fx}, {policy, fifo},
	} {
		_, err := corstest.Load(tt.policy, tt.fixtures)
		if err == nil || !strings.Contains(err.Error(), lang.ErrNotRegular.Error()) {
			t.Errorf("Load(%s, %s) = %v, want %q", filepath.Base(tt.policy), filepath.Base(tt.fixtures), err, lang.ErrNotRegular)
		}
	}
}
