//go:build unix

package compile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

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

// TestLoadBoundsWhatItReads checks that the bytes a Loader holds for one
// policy are bounded however the policy imports: a module imported under
// many names is read once, and distinct modules past MaxLoadSize together
// are refused, with the bound.
func TestLoadBoundsWhatItReads(t *testing.T) {
	dir := t.TempDir()
	big := func(name string) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("cors 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, lang.MaxFileSize); err != nil { // sparse
			t.Fatal(err)
		}
	}
	var src strings.Builder
	src.WriteString("cors 1\n\n")
	big("same.cors")
	for i := range 20 {
		fmt.Fprintf(&src, "import \"./same.cors\" as same%d\n", i)
	}
	for i := range 6 {
		big(fmt.Sprintf("m%d.cors", i))
		fmt.Fprintf(&src, "import \"./m%d.cors\"\n", i)
	}
	policy := filepath.Join(dir, "api.cors")
	if err := os.WriteFile(policy, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := NewLoader(policy, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.Load()
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the policy and its modules are larger than the limit of %d bytes together", MaxLoadSize)) {
		t.Errorf("got %v, want the bound on what one policy reads", err)
	}
	held, same := 0, 0
	for _, f := range l.Files() {
		held += len(f.Src)
		if strings.HasSuffix(f.Name, "same.cors") {
			same++
		}
	}
	if held > MaxLoadSize || same != 1 {
		t.Errorf("the loader holds %d bytes and read same.cors %d times; want at most %d and once", held, same, MaxLoadSize)
	}
}

// TestLoaderDoesNotBlockOnPipes checks that the Loader opens files without
// waiting for a writer: a module swapped for a named pipe between the
// check of its kind and its opening must not block the compile. The open
// itself is called here, the check skipped.
func TestLoaderDoesNotBlockOnPipes(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.cors"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "api.cors"), []byte("cors 1\n"), 0o644)
	l, err := NewLoader(filepath.Join(dir, "api.cors"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		f, err := l.fsys.Open("pipe.cors")
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("opening a named pipe blocked for 10 s")
	}
}

// TestLoadFileMissing checks that a policy file whose directory does not
// exist is reported as the missing policy file, not as a missing root.
func TestLoadFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone", "api.cors")
	_, err := LoadFile(path, Options{})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadFile(%s) = %v, want a missing file naming it", path, err)
	}
}

// TestLoaderOverlay checks that an Overlay serves a module in place of its
// file, by its name in positions, and is never asked for a path the rule
// refuses: a path out of the root does not reach it.
func TestLoaderOverlay(t *testing.T) {
	dir := t.TempDir()
	policy := filepath.Join(dir, "api.cors")
	os.WriteFile(policy, []byte("cors 1\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "m.cors"), []byte("cors 1\n\norigins all = \"https://disk.example\"\n"), 0o644)
	l, err := NewLoader(policy, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var asked []string
	l.Overlay = func(name string) ([]byte, bool) {
		asked = append(asked, name)
		return []byte("cors 1\n\norigins all = \"https://buffer.example\"\n"), true
	}
	name, src, err := l.Import(policy, "./m.cors")
	if err != nil || name != filepath.Join(dir, "m.cors") || !strings.Contains(string(src), "buffer.example") {
		t.Errorf("Import = %q, %q, %v; want the overlay's text under the file's name", name, src, err)
	}
	if _, _, err := l.Import(policy, "../out.cors"); err == nil || len(asked) != 1 {
		t.Errorf("an import out of the root: %v, and the overlay was asked for %q", err, asked)
	}
	l.Overlay = func(string) ([]byte, bool) { return []byte(importcases.Secret + " in a buffer\n"), true }
	l2, _ := NewLoader(policy, Options{})
	defer l2.Close()
	l2.Overlay = l.Overlay
	if _, _, err := l2.Import(policy, "./m.cors"); err == nil || strings.Contains(err.Error(), importcases.Secret) || !strings.Contains(err.Error(), "not a .cors module") {
		t.Errorf("an overlay that is not a module: %v", err)
	}
}
