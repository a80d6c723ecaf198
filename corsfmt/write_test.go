//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// otherUser is a user and group id that owns nothing here: files given to
// it are files of another user.
const otherUser = 4321

// formatW runs corsfmt -w on the paths and returns its exit status and
// standard error.
func formatW(t *testing.T, paths ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"-w"}, paths...), strings.NewReader(""), &stdout, &stderr)
	return code, stderr.String()
}

func stat(t *testing.T, path string) (fs.FileInfo, *syscall.Stat_t) {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info, info.Sys().(*syscall.Stat_t)
}

// TestWriteKeepsHardLinks checks that -w writes the file in place: a
// second name for it sees the new content, and it keeps its inode.
func TestWriteKeepsHardLinks(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"p.cors": messy})
	path, other := filepath.Join(dir, "p.cors"), filepath.Join(dir, "other-name.cors")
	if err := os.Link(path, other); err != nil {
		t.Fatal(err)
	}
	_, before := stat(t, path)
	if code, stderr := formatW(t, path); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, after := stat(t, path); after.Ino != before.Ino || after.Nlink != 2 {
		t.Errorf("inode %d with %d links after -w, want inode %d with 2", after.Ino, after.Nlink, before.Ino)
	}
	if got := readFile(t, other); got != tidy {
		t.Errorf("the other name of the file reads %q, want %q", got, tidy)
	}
}

// TestWriteKeepsSetgid checks that -w keeps every mode bit, the setgid
// bit among them.
func TestWriteKeepsSetgid(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"p.cors": messy})
	path := filepath.Join(dir, "p.cors")
	if err := os.Chmod(path, 0o640|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if code, stderr := formatW(t, path); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if info, _ := stat(t, path); info.Mode() != 0o640|fs.ModeSetgid {
		t.Errorf("mode %v after -w, want %v", info.Mode(), 0o640|fs.ModeSetgid)
	}
	if got := readFile(t, path); got != tidy {
		t.Errorf("p.cors = %q, want %q", got, tidy)
	}
}

// nobody is the user and group id the setuid test runs as when the tests
// run as root.
const nobody = 65534

// TestWriteRestoresSetuid checks that -w run by the file's owner, not
// root, keeps the setuid and setgid bits. Linux clears them on a write by
// a process without CAP_FSETID, and -w writes in place; root has that
// capability, so as root the test runs its check in a copy of the test
// binary as user nobody.
func TestWriteRestoresSetuid(t *testing.T) {
	if dir := os.Getenv("CORSFMT_TEST_SETUID_DIR"); dir != "" {
		checkSetuidKept(t, dir) // the copy, as nobody
		return
	}
	if os.Geteuid() != 0 {
		checkSetuidKept(t, t.TempDir())
		return
	}
	// A directory nobody can reach and write, outside the test's own
	// temporary directories, which only root may enter.
	dir, err := os.MkdirTemp("", "corsfmt-setuid-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Skip("cannot find the test binary to run it as nobody:", err)
	}
	bin := filepath.Join(dir, "corsfmt.test")
	copyFile(t, self, bin, 0o755)
	// A setuid file of another user that nobody may write, and so clear
	// the bits of, but not chmod.
	other := filepath.Join(dir, "other.cors")
	writeFiles(t, dir, map[string]string{"other.cors": messy})
	if err := os.Chown(other, otherUser, otherUser); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(other, 0o777|fs.ModeSetuid|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	// A setgid file of nobody's whose group nobody is not in: a chmod by
	// nobody would drop setgid without an error.
	foreign := filepath.Join(dir, "foreign-group.cors")
	writeFiles(t, dir, map[string]string{"foreign-group.cors": messy})
	if err := os.Chown(foreign, nobody, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(foreign, 0o775|fs.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestWriteRestoresSetuid$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "CORSFMT_TEST_SETUID_DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err != nil && !errors.As(err, &exit):
		t.Skipf("running as root, where the kernel keeps the bits, and cannot run the check as user %d: %v", nobody, err)
	case err != nil:
		t.Errorf("as user %d: %v\n%s", nobody, err, out)
	case bytes.Contains(out, []byte("--- SKIP")):
		t.Skipf("as user %d:\n%s", nobody, out)
	}
}

// checkSetuidKept makes a file in dir with the setuid and setgid bits and
// group execute (with which Linux clears setgid too), formats it with -w,
// and checks that its mode is as it was.
func checkSetuidKept(t *testing.T, dir string) {
	const mode = 0o775 | fs.ModeSetuid | fs.ModeSetgid
	// First see that this kernel clears the bits on our write at all.
	canary := filepath.Join(dir, "canary")
	if err := os.WriteFile(canary, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(canary, mode); err != nil {
		t.Fatal(err)
	}
	if f, err := os.OpenFile(canary, os.O_WRONLY, 0); err != nil {
		t.Fatal(err)
	} else {
		f.WriteString("y")
		f.Close()
	}
	if info, _ := stat(t, canary); info.Mode() == mode {
		t.Skipf("a write as user %d keeps the setuid bit here (mode %v): nothing for -w to restore", os.Geteuid(), info.Mode())
	}
	writeFiles(t, dir, map[string]string{"p.cors": messy})
	path := filepath.Join(dir, "p.cors")
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	if code, stderr := formatW(t, path); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if info, _ := stat(t, path); info.Mode() != mode {
		t.Errorf("mode %v after -w as user %d, want %v", info.Mode(), os.Geteuid(), mode)
	}
	if got := readFile(t, path); got != tidy {
		t.Errorf("p.cors = %q, want %q", got, tidy)
	}
	// A file of another user would lose the bits for good, since only its
	// owner may set them again: -w refuses it and leaves it as it was.
	other := filepath.Join(dir, "other.cors")
	before, err := os.Stat(other)
	if err != nil {
		return // made only when the test runs as root
	}
	code, stderr := formatW(t, other)
	if code == 0 || !strings.Contains(stderr, "other.cors: not written: a write would clear its setuid or setgid bit") {
		t.Errorf("-w on a setuid file of another user: exit %d, %q; want it refused", code, stderr)
	}
	if got := readFile(t, other); got != messy {
		t.Errorf("other.cors = %q, want it untouched, %q", got, messy)
	}
	if after, _ := stat(t, other); after.Mode() != before.Mode() {
		t.Errorf("other.cors has mode %v, want %v", after.Mode(), before.Mode())
	}
	// Our own setgid file of a group we are not in: refused too.
	foreign := filepath.Join(dir, "foreign-group.cors")
	if before, err = os.Stat(foreign); err != nil {
		t.Fatal(err)
	}
	code, stderr = formatW(t, foreign)
	if code == 0 || !strings.Contains(stderr, "foreign-group.cors: not written: a write would clear its setuid or setgid bit") {
		t.Errorf("-w on a setgid file of a group not ours: exit %d, %q; want it refused", code, stderr)
	}
	if after, _ := stat(t, foreign); after.Mode() != before.Mode() || readFile(t, foreign) != messy {
		t.Errorf("foreign-group.cors changed: mode %v, want %v", after.Mode(), before.Mode())
	}
}

// TestWriteKeepsOwner checks that -w on a file of another user that we may
// write leaves it theirs.
func TestWriteKeepsOwner(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"p.cors": messy})
	path := filepath.Join(dir, "p.cors")
	if err := os.Chown(path, otherUser, otherUser); err != nil {
		t.Skip("cannot give a file to another user:", err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if code, stderr := formatW(t, path); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, st := stat(t, path); st.Uid != otherUser || st.Gid != otherUser {
		t.Errorf("owner %d:%d after -w, want %d:%d", st.Uid, st.Gid, otherUser, otherUser)
	}
	if got := readFile(t, path); got != tidy {
		t.Errorf("p.cors = %q, want %q", got, tidy)
	}
}

// TestWriteRefusesReadOnly checks that -w does not write a file whose mode
// does not let us write it, whoever owns it, even when we could (root can
// write anything): it is reported and left as it was.
func TestWriteRefusesReadOnly(t *testing.T) {
	for _, owner := range []int{os.Geteuid(), otherUser} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"p.cors": messy})
		path := filepath.Join(dir, "p.cors")
		if err := os.Chown(path, owner, owner); err != nil {
			t.Skip("cannot give a file to another user:", err)
		}
		mode := fs.FileMode(0o444)
		if owner == otherUser {
			mode = 0o644 // writable by its owner only
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		code, stderr := formatW(t, path)
		if code != 2 || !strings.Contains(stderr, "p.cors: not written: the file's mode does not let you write it") {
			t.Errorf("owner %d, mode %v: exit %d, stderr %q; want 2 and a refusal", owner, mode, code, stderr)
		}
		if got := readFile(t, path); got != messy {
			t.Errorf("owner %d, mode %v: p.cors was written: %q", owner, mode, got)
		}
		if info, st := stat(t, path); info.Mode() != mode || int(st.Uid) != owner {
			t.Errorf("owner %d, mode %v: now owner %d, mode %v", owner, mode, st.Uid, info.Mode())
		}
	}
}

// TestWriteRefusesLinkInWalk checks that a symbolic link met while walking
// a directory is not followed: the file it points to, outside the tree,
// is left alone, and the link is reported as skipped. A link named on the
// command line is followed (TestWriteThroughSymlink).
func TestWriteRefusesLinkInWalk(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"outside/target.cors": messy, "tree/own.cors": messy})
	link := filepath.Join(dir, "tree", "link.cors")
	if err := os.Symlink(filepath.Join("..", "outside", "target.cors"), link); err != nil {
		t.Fatal(err)
	}
	for _, sub := range [][]string{{"-w"}, {"lint"}, {"-l"}} {
		var stdout, stderr bytes.Buffer
		code := run(append(sub, filepath.Join(dir, "tree")), strings.NewReader(""), &stdout, &stderr)
		if sub[0] == "-w" && code != 0 {
			t.Errorf("%v: exit %d, stderr %q", sub, code, stderr.String())
		}
		if !strings.Contains(stderr.String(), "link.cors: a symbolic link met in a directory walk is not followed") {
			t.Errorf("%v: stderr %q does not say the link was skipped", sub, stderr.String())
		}
		if strings.Contains(stdout.String(), "link.cors") {
			t.Errorf("%v: the link was processed:\n%s", sub, stdout.String())
		}
	}
	if got := readFile(t, filepath.Join(dir, "outside", "target.cors")); got != messy {
		t.Errorf("the link's target outside the tree was written: %q", got)
	}
	if got := readFile(t, filepath.Join(dir, "tree", "own.cors")); got != tidy {
		t.Errorf("tree/own.cors = %q, want it formatted", got)
	}
}

// TestWriteRefusesChangedFile checks that -w does not overwrite an edit
// made while the file was being formatted: a change of size, of
// modification time alone, or of content alone (same size, modification
// time set back) is each refused, and the edit kept.
func TestWriteRefusesChangedFile(t *testing.T) {
	edits := map[string]func(path string){
		"size": func(path string) {
			os.WriteFile(path, []byte(messy+"# an edit\n"), 0o644)
		},
		"modification time": func(path string) {
			later := time.Now().Add(time.Hour)
			os.Chtimes(path, later, later)
		},
		"content": func(path string) {
			info, _ := os.Stat(path)
			os.WriteFile(path, bytes.ReplaceAll([]byte(messy), []byte("a.example"), []byte("b.example")), 0o644)
			os.Chtimes(path, info.ModTime(), info.ModTime())
		},
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"p.cors": messy})
			path := filepath.Join(dir, "p.cors")
			var edited []byte
			beforeWrite = func(string) {
				edit(path)
				edited, _ = os.ReadFile(path)
			}
			defer func() { beforeWrite = nil }()
			code, stderr := formatW(t, path)
			if code != 2 || !strings.Contains(stderr, "p.cors: not written: the file changed since corsfmt read it") {
				t.Errorf("exit %d, stderr %q; want 2 and a refusal", code, stderr)
			}
			if got := readFile(t, path); got != string(edited) {
				t.Errorf("the edit was overwritten: p.cors = %q, want %q", got, edited)
			}
		})
	}
}

// TestWriteInReadOnlyDirectory checks that -w writes a file it may write
// in a directory where it may not create files: it needs none. Root may
// create files anywhere, so as root the test runs corsfmt as another user.
func TestWriteInReadOnlyDirectory(t *testing.T) {
	top := t.TempDir()
	dir := filepath.Join(top, "ro")
	writeFiles(t, dir, map[string]string{"p.cors": messy})
	path := filepath.Join(dir, "p.cors")
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, 0o755)
		if code, stderr := formatW(t, path); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	} else {
		// The test binary, where the other user can run it, runs corsfmt
		// as that user, on a file of theirs in a directory of root's.
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(top, "corsfmt.test")
		copyFile(t, exe, bin, 0o755)
		for _, d := range []string{filepath.Dir(top), top, dir} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chown(path, otherUser, otherUser); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "-w", path)
		cmd.Env = append(os.Environ(), "CORSFMT_TEST_AS_COMMAND=1") // see TestMain
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: otherUser, Gid: otherUser}}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("corsfmt -w as user %d: %v\n%s", otherUser, err, out)
		}
	}
	if got := readFile(t, path); got != tidy {
		t.Errorf("p.cors = %q, want %q", got, tidy)
	}
}

func copyFile(t *testing.T, from, to string, perm fs.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateWritesInPlace checks that corsfmt test -update rewrites a
// fixture file as -w does: in place, through its hard links.
func TestUpdateWritesInPlace(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"api.cors":     tidy,
		"api.fixtures": "fixtures 1\n\ncase \"a reads\" {\n    GET \"/\"\n    Origin \"https://a.example\"\n\n    expect denied\n}\n",
	})
	path := filepath.Join(dir, "api.fixtures")
	if err := os.Link(path, filepath.Join(dir, "other-name")); err != nil {
		t.Fatal(err)
	}
	_, before := stat(t, path)
	var stdout, stderr bytes.Buffer
	run([]string{"test", "-update", path}, strings.NewReader(""), &stdout, &stderr)
	if !strings.Contains(stderr.String(), "corsfmt test: updated") {
		t.Fatalf("not updated: %s", stderr.String())
	}
	if _, after := stat(t, path); after.Ino != before.Ino {
		t.Errorf("inode %d after -update, want %d", after.Ino, before.Ino)
	}
	if got := readFile(t, filepath.Join(dir, "other-name")); !strings.Contains(got, "expect allowed") {
		t.Errorf("the other name of the fixture file reads:\n%s", got)
	}
}

// TestTestRefusesLinkedPolicyInWalk checks that corsfmt test, walking a
// directory, does not follow a policy file that is a symbolic link, as it
// follows no other link it meets there: a fixture file beside a link to a
// file outside the tree must not get that file read and quoted.
func TestTestRefusesLinkedPolicyInWalk(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"outside/secret.cors": "SECRET-TOKEN-42 is not a policy\n",
		"tree/x.fixtures":     "fixtures 1\n",
	})
	if err := os.Symlink(filepath.Join("..", "outside", "secret.cors"), filepath.Join(dir, "tree", "x.cors")); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", filepath.Join(dir, "tree")}, strings.NewReader(""), &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code == 0 || strings.Contains(out, "SECRET-TOKEN-42") || !strings.Contains(out, "x.cors: a symbolic link met in a directory walk is not followed") {
		t.Errorf("exit %d, output:\n%s\nwant a refusal that quotes nothing of the link's target", code, out)
	}
}

// TestUpdateKeepsAnEditMadeMeanwhile checks that corsfmt test -update
// writes only over the fixture file its cases were read from: an edit
// saved while the cases ran is kept, and the update refused, as -w
// refuses.
func TestUpdateKeepsAnEditMadeMeanwhile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"api.cors":     tidy,
		"api.fixtures": "fixtures 1\n\ncase \"a reads\" {\n    GET \"/\"\n    Origin \"https://a.example\"\n\n    expect denied\n}\n",
	})
	path := filepath.Join(dir, "api.fixtures")
	const edit = "\n# an edit saved while the cases ran\n"
	beforeUpdate = func(name string) {
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(edit)
		f.Close()
	}
	defer func() { beforeUpdate = nil }()
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "-update", path}, strings.NewReader(""), &stdout, &stderr)
	if got := readFile(t, path); !strings.Contains(got, edit) {
		t.Errorf("the edit is lost; the file reads:\n%s", got)
	}
	if code != 2 || !strings.Contains(stderr.String(), "changed since corsfmt read it") {
		t.Errorf("exit %d, want 2 and the update refused; stderr:\n%s", code, stderr.String())
	}
}

// TestWalkRefusesFileReplaced checks that a file a directory walk found,
// replaced by a symbolic link before it is read, is refused by every
// subcommand that walks, as a link met in the walk is: the link's target,
// outside the tree, is neither read nor reported on.
func TestWalkRefusesFileReplaced(t *testing.T) {
	for _, tc := range []struct {
		args []string
		file string // the file the walk finds, replaced by a link
	}{
		{[]string{"-l"}, "a.cors"},
		{[]string{"lint"}, "a.cors"},
		{[]string{"test"}, "a.fixtures"},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"outside/a.cors":     "cors 1\n\npolicy p {\n    allow null\n}\n",
			"outside/a.fixtures": "fixtures 1\n\ncase \"outside\" {\n    GET \"/\"\n    Origin \"https://a.example\"\n\n    expect denied\n}\n",
			"tree/a.cors":        tidy,
			"tree/a.fixtures":    "fixtures 1\n",
		})
		tree := filepath.Join(dir, "tree")
		afterWalk = func(path string) {
			if filepath.Base(path) != tc.file {
				return
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(dir, "outside", tc.file), path); err != nil {
				t.Fatal(err)
			}
		}
		var stdout, stderr bytes.Buffer
		code := run(append(tc.args, tree), strings.NewReader(""), &stdout, &stderr)
		afterWalk = nil
		out := stdout.String() + stderr.String()
		if code != 2 || !strings.Contains(out, "replaced while corsfmt walked") || strings.Contains(out, "null") || strings.Contains(out, "outside") {
			t.Errorf("corsfmt %s: exit %d, output:\n%s\nwant 2 and %s refused, its link's target not read", strings.Join(tc.args, " "), code, out, tc.file)
		}
	}
}

// TestWriteKeepsAChmodMadeSinceTheRead checks that -w puts back the mode
// the file has when it is written, not the one it had when read: an
// owner who tightened it meanwhile is not undone.
func TestWriteKeepsAChmodMadeSinceTheRead(t *testing.T) {
	name := filepath.Join(t.TempDir(), "p.cors")
	if err := os.WriteFile(name, []byte(messy), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, 0o666); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	beforeWrite = func(string) { os.Chmod(name, 0o600) }
	defer func() { beforeWrite = nil }()
	if err := writeFile(name, []byte(messy), info, []byte(tidy)); err != nil {
		t.Fatal(err)
	}
	if after, _ := stat(t, name); after.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after -w; the chmod to 0600 made before the write was undone", after.Mode())
	}
}
