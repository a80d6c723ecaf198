package compile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/importcases"
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
