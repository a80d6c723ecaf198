//go:build unix

package compile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/corspolicy/cors/internal/importcases"
	"github.com/corspolicy/cors/lang"
)

// TestLoadImportRule runs the import table through LoadFile, with the
// policy named by an absolute and by a relative path, and through LoadFS
// over an os.Root: each import resolves, or fails, the same way, and no
// error quotes a file that is not a policy.
func TestLoadImportRule(t *testing.T) {
	repo := importcases.Tree(t)
	for _, c := range importcases.Cases {
		t.Run(c.Name, func(t *testing.T) {
			path := importcases.Policy(t, repo, c)
			root := importcases.Root(repo, c)
			_, err := LoadFile(path, Options{Root: root})
			check(t, "LoadFile, absolute path", c, err)

			// From a sibling directory, by a relative path, as in
			// "corsfmt lint ../svc/api.cors".
			t.Chdir(filepath.Join(repo, "shared"))
			if root != "" {
				root = ".."
			}
			_, err = LoadFile(filepath.Join("..", "svc", "api.cors"), Options{Root: root})
			check(t, "LoadFile, relative path", c, err)

			fsRoot, name, opts := filepath.Join(repo, "svc"), "api.cors", Options{}
			if c.Wide {
				fsRoot, name, opts.Root = repo, "svc/api.cors", "."
			}
			r, err := os.OpenRoot(fsRoot)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			_, err = LoadFS(r.FS(), name, opts)
			check(t, "LoadFS", c, err)
		})
	}
}

// check checks the outcome of compiling a case's policy.
func check(t *testing.T, how string, c importcases.Case, err error) {
	t.Helper()
	switch {
	case c.Err == "" && err != nil:
		t.Errorf("%s: %v", how, err)
	case c.Err != "" && (err == nil || !strings.Contains(err.Error(), c.Err)):
		t.Errorf("%s: got %v, want an error saying %q", how, err, c.Err)
	case err != nil && (strings.Contains(err.Error(), importcases.Secret) || strings.Contains(err.Error(), "root:x")):
		t.Errorf("%s: the error quotes a file that is not a policy: %v", how, err)
	case err != nil && !strings.Contains(err.Error(), "api.cors:3:8: cannot import \""+c.Import+"\""):
		t.Errorf("%s: %v; want it at the import, 3:8", how, err)
	}
}

// TestLoadFileRefusesEndlessFiles checks that a policy file that is a link
// to /dev/zero or a named pipe is refused at once, by LoadFile and LoadFS
// alike, and that one past the size limit is refused with the limit.
func TestLoadFileRefusesEndlessFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.cors")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.cors"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.cors")
	os.WriteFile(big, nil, 0o644)
	if err := os.Truncate(big, lang.MaxFileSize+1); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]error{"zero.cors": lang.ErrNotRegular, "pipe.cors": lang.ErrNotRegular, "big.cors": lang.ErrTooLarge} {
		if _, err := LoadFile(filepath.Join(dir, name), Options{}); !errors.Is(err, want) || !strings.Contains(err.Error(), name) {
			t.Errorf("LoadFile(%s) = %v, want %v naming the file", name, err, want)
		}
		if _, err := LoadFS(os.DirFS(dir), name, Options{}); !errors.Is(err, want) {
			t.Errorf("LoadFS(%s) = %v, want %v", name, err, want)
		}
	}
}
