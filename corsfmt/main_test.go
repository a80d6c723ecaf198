package main

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/lang"
)

const (
	// messy is a valid policy that is not in the canonical form; tidy is
	// its canonical form.
	messy = "cors 1\npolicy p { allow \"https://a.example\" }\n"
	tidy  = "cors 1\n\npolicy p {\n    allow \"https://a.example\"\n}\n"
	// broken does not parse: its policy block is never closed.
	broken = "cors 1\npolicy p { allow \"https://a.example\"\n"
	// twoErrors has two lexical errors, each reported on its own line.
	twoErrors = "cors 1\n@\npolicy p { $ }\n"
)

// messyDiff is the hunk of the diff from messy to tidy.
const messyDiff = `@@ -1,2 +1,5 @@
 cors 1
-policy p { allow "https://a.example" }
+
+policy p {
+    allow "https://a.example"
+}
`

// TestCanonicalForm checks the premise of the other tests: that tidy is the
// canonical form of messy, and of itself.
func TestCanonicalForm(t *testing.T) {
	for _, src := range []string{messy, tidy} {
		out, err := lang.Format("p.cors", []byte(src))
		if err != nil {
			t.Fatalf("Format(%q): %v", src, err)
		}
		if string(out) != tidy {
			t.Fatalf("Format(%q) = %q, want %q", src, out, tidy)
		}
	}
	if _, err := lang.Format("p.cors", []byte(broken)); err == nil {
		t.Fatalf("Format(%q) succeeded, want an error", broken)
	}
}

// writeFiles creates files, relative path to content, under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// runIn runs corsfmt with args, in which "$DIR" stands for dir, and
// returns its exit status and its output, with dir written back as "$DIR".
func runIn(dir string, args []string, stdin string) (code int, stdout, stderr string) {
	args = append([]string(nil), args...)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "$DIR", dir)
	}
	var out, errOut bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errOut)
	unDir := func(s string) string { return strings.ReplaceAll(s, filepath.ToSlash(dir), "$DIR") }
	return code, unDir(out.String()), unDir(errOut.String())
}

func TestRun(t *testing.T) {
	// tree is a directory of policies for the walk tests: some formatted,
	// some not, some hidden and some that are not .cors files.
	tree := map[string]string{
		"a.cors":              messy,
		"b.cors":              tidy,
		"notes.txt":           messy,
		"a.cors.bak":          messy,
		"sub/deep/c.cors":     messy,
		"sub/deep/d.cors":     tidy,
		"sub/.e.cors":         messy,
		".hidden/f.cors":      messy,
		".hidden/deep/g.cors": messy,
	}
	tests := []struct {
		name  string
		files map[string]string // relative path: content, created in $DIR
		args  []string
		stdin string

		code   int
		stdout string   // exactly
		stderr []string // lines, in order, each the start of a line; none means empty
		// after holds the files the run must change, with their new
		// content; every other file must be left byte for byte as it was.
		after map[string]string
	}{
		// Standard input.
		{name: "stdin formats", stdin: messy, stdout: tidy},
		{name: "stdin already formatted", stdin: tidy, stdout: tidy},
		{name: "stdin -l differs", args: []string{"-l"}, stdin: messy, stdout: "<standard input>\n"},
		{name: "stdin -l formatted", args: []string{"-l"}, stdin: tidy, stdout: ""},
		{
			name: "stdin -d", args: []string{"-d"}, stdin: messy,
			stdout: "--- <standard input>.orig\n+++ <standard input>\n" + messyDiff,
		},
		{name: "stdin -d formatted", args: []string{"-d"}, stdin: tidy, stdout: ""},
		{
			name: "stdin -l -d", args: []string{"-l", "-d"}, stdin: messy,
			stdout: "<standard input>\n--- <standard input>.orig\n+++ <standard input>\n" + messyDiff,
		},
		{
			name: "stdin -w refused", args: []string{"-w"}, stdin: messy,
			code: 2, stderr: []string{"corsfmt: cannot use -w with standard input"},
		},
		{
			name: "stdin syntax error", stdin: broken,
			code: 2, stderr: []string{`<standard input>:3:1: expected "}"`},
		},
		{
			name: "stdin every error on its own line", stdin: twoErrors,
			code: 2, stderr: []string{"<standard input>:2:1: unexpected character @", "<standard input>:3:12: unexpected character $"},
		},

		// Files given by name.
		{
			name:   "files printed",
			files:  map[string]string{"a.cors": messy, "b.cors": tidy},
			args:   []string{"$DIR/a.cors", "$DIR/b.cors"},
			stdout: tidy + tidy,
		},
		{
			name:   "files processed in argument order",
			files:  map[string]string{"a.cors": messy, "b.cors": messy},
			args:   []string{"-l", "$DIR/b.cors", "$DIR/a.cors"},
			stdout: "$DIR/b.cors\n$DIR/a.cors\n",
		},
		{
			name:   "a named file is formatted whatever its extension",
			files:  map[string]string{"policy.txt": messy},
			args:   []string{"-l", "$DIR/policy.txt"},
			stdout: "$DIR/policy.txt\n",
		},
		{
			name:   "-l lists only the files that differ",
			files:  map[string]string{"a.cors": messy, "b.cors": tidy, "c.cors": messy},
			args:   []string{"-l", "$DIR/a.cors", "$DIR/b.cors", "$DIR/c.cors"},
			stdout: "$DIR/a.cors\n$DIR/c.cors\n",
		},
		{
			name:  "-w rewrites only the files that differ",
			files: map[string]string{"a.cors": messy, "b.cors": tidy},
			args:  []string{"-w", "$DIR/a.cors", "$DIR/b.cors"},
			after: map[string]string{"a.cors": tidy},
		},
		{
			name:   "-l -w lists and writes",
			files:  map[string]string{"a.cors": messy, "b.cors": tidy},
			args:   []string{"-l", "-w", "$DIR/a.cors", "$DIR/b.cors"},
			stdout: "$DIR/a.cors\n",
			after:  map[string]string{"a.cors": tidy},
		},
		{
			name:   "-d shows the diff and writes nothing",
			files:  map[string]string{"a.cors": messy, "b.cors": tidy},
			args:   []string{"-d", "$DIR/a.cors", "$DIR/b.cors"},
			stdout: "--- $DIR/a.cors.orig\n+++ $DIR/a.cors\n" + messyDiff,
		},
		{
			name:   "-d -w shows the diff and writes",
			files:  map[string]string{"a.cors": messy},
			args:   []string{"-d", "-w", "$DIR/a.cors"},
			stdout: "--- $DIR/a.cors.orig\n+++ $DIR/a.cors\n" + messyDiff,
			after:  map[string]string{"a.cors": tidy},
		},
		{
			name:  "a file without a final newline",
			files: map[string]string{"a.cors": strings.TrimSuffix(tidy, "\n")},
			args:  []string{"-d", "$DIR/a.cors"},
			stdout: "--- $DIR/a.cors.orig\n+++ $DIR/a.cors\n@@ -2,4 +2,4 @@\n \n policy p {\n     allow \"https://a.example\"\n" +
				"-}\n\\ No newline at end of file\n+}\n",
		},

		// Directories.
		{
			name:   "a directory is walked in lexical order, skipping hidden names and other files",
			files:  tree,
			args:   []string{"-l", "$DIR"},
			stdout: "$DIR/a.cors\n$DIR/sub/deep/c.cors\n",
		},
		{
			name:   "-w on a directory",
			files:  tree,
			args:   []string{"-w", "$DIR"},
			after:  map[string]string{"a.cors": tidy, "sub/deep/c.cors": tidy},
			stdout: "",
		},
		{
			name:   "a hidden directory given by name is walked",
			files:  tree,
			args:   []string{"-l", "$DIR/.hidden"},
			stdout: "$DIR/.hidden/deep/g.cors\n$DIR/.hidden/f.cors\n",
		},
		{
			name:   "a hidden file given by name is formatted",
			files:  tree,
			args:   []string{"-l", "$DIR/sub/.e.cors"},
			stdout: "$DIR/sub/.e.cors\n",
		},
		{
			name:   "a directory with no policies",
			files:  map[string]string{"README": "no policies here\n"},
			args:   []string{"-l", "$DIR"},
			stdout: "",
		},

		// Errors.
		{
			name:   "a syntax error leaves the file alone and the others are processed",
			files:  map[string]string{"a.cors": messy, "bad.cors": broken, "z.cors": messy},
			args:   []string{"-l", "-w", "$DIR"},
			code:   2,
			stdout: "$DIR/a.cors\n$DIR/z.cors\n",
			stderr: []string{`$DIR/bad.cors:3:1: expected "}" to close the policy block`},
			after:  map[string]string{"a.cors": tidy, "z.cors": tidy},
		},
		{
			name:   "every syntax error of a file is printed",
			files:  map[string]string{"bad.cors": twoErrors, "z.cors": tidy},
			args:   []string{"$DIR"},
			code:   2,
			stdout: tidy,
			stderr: []string{"$DIR/bad.cors:2:1: unexpected character @", "$DIR/bad.cors:3:12: unexpected character $"},
		},
		{
			name:   "a missing file is an error and the others are processed",
			files:  map[string]string{"a.cors": messy},
			args:   []string{"-l", "$DIR/missing.cors", "$DIR/a.cors"},
			code:   2,
			stdout: "$DIR/a.cors\n",
			stderr: []string{"stat $DIR/missing.cors: no such file or directory"},
		},
		{
			name:   "unknown flag",
			files:  map[string]string{"a.cors": messy},
			args:   []string{"-x", "$DIR/a.cors"},
			code:   2,
			stderr: []string{"flag provided but not defined: -x", "usage: corsfmt [flags] [path ...]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			code, stdout, stderr := runIn(dir, tt.args, tt.stdin)
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if stdout != tt.stdout {
				t.Errorf("stdout:\n%s\nwant:\n%s", stdout, tt.stdout)
			}
			checkStderr(t, stderr, tt.stderr)
			for name, content := range tt.files {
				want, changed := tt.after[name]
				if !changed {
					want = content
				}
				if got := readFile(t, filepath.Join(dir, filepath.FromSlash(name))); got != want {
					t.Errorf("%s after the run:\n%s\nwant:\n%s", name, got, want)
				}
			}
			// -w must leave no temporary file behind.
			entries := 0
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					entries++
				}
				return err
			})
			if entries != len(tt.files) {
				t.Errorf("%d files in the directory after the run, want %d", entries, len(tt.files))
			}
		})
	}
}

// checkStderr checks that each line of stderr starts with the corresponding
// entry of want, in order, and that there are no other lines except, after
// the last one wanted, the rest of the usage.
func checkStderr(t *testing.T, stderr string, want []string) {
	t.Helper()
	if len(want) == 0 {
		if stderr != "" {
			t.Errorf("stderr:\n%s\nwant nothing", stderr)
		}
		return
	}
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if len(lines) < len(want) {
		t.Errorf("stderr has %d lines, want at least %d:\n%s", len(lines), len(want), stderr)
		return
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("stderr line %d = %q, want it to start with %q", i+1, lines[i], w)
		}
	}
	if len(lines) > len(want) && !strings.HasPrefix(want[len(want)-1], "usage:") {
		t.Errorf("stderr has %d lines, want %d:\n%s", len(lines), len(want), stderr)
	}
}

// TestWriteKeepsModeAndUntouched checks that -w keeps the permission bits
// of the file it rewrites and does not write, not even with the same
// bytes, a file that is already formatted.
func TestWriteKeepsModeAndUntouched(t *testing.T) {
	dir := t.TempDir()
	changed := filepath.Join(dir, "changed.cors")
	same := filepath.Join(dir, "same.cors")
	writeFiles(t, dir, map[string]string{"changed.cors": messy, "same.cors": tidy})
	for path, mode := range map[string]fs.FileMode{changed: 0o640, same: 0o604} {
		// Chmod, unlike WriteFile, is not subject to the umask.
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	if err := os.Chtimes(same, old, old); err != nil {
		t.Fatal(err)
	}
	sameBefore, err := os.Stat(same)
	if err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runIn(dir, []string{"-w", dir}, "")
	if code != 0 || stdout != "" || stderr != "" {
		t.Fatalf("exit status %d, stdout %q, stderr %q; want 0 and no output", code, stdout, stderr)
	}

	if got := readFile(t, changed); got != tidy {
		t.Errorf("changed.cors = %q, want %q", got, tidy)
	}
	info, err := os.Stat(changed)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o640 {
		t.Errorf("changed.cors has mode %v after -w, want %v", got, fs.FileMode(0o640))
	}

	sameAfter, err := os.Stat(same)
	if err != nil {
		t.Fatal(err)
	}
	if !sameAfter.ModTime().Equal(old) {
		t.Errorf("same.cors modified at %v, want it untouched since %v", sameAfter.ModTime(), old)
	}
	if !os.SameFile(sameBefore, sameAfter) {
		t.Error("same.cors was replaced by another file")
	}
	if got := sameAfter.Mode().Perm(); got != 0o604 {
		t.Errorf("same.cors has mode %v, want %v", got, fs.FileMode(0o604))
	}
}

// TestWriteThroughSymlink checks that -w on a symbolic link rewrites the
// file it points to and keeps the link.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"real/p.cors": messy})
	link := filepath.Join(dir, "link.cors")
	if err := os.Symlink(filepath.Join("real", "p.cors"), link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	code, _, stderr := runIn(dir, []string{"-w", link}, "")
	if code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, stderr)
	}
	info, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("link.cors is no longer a symbolic link: mode %v", info.Mode())
	}
	if got := readFile(t, filepath.Join(dir, "real", "p.cors")); got != tidy {
		t.Errorf("real/p.cors = %q, want %q", got, tidy)
	}
}

// TestLinkedDirectoryIsWalked checks that a symbolic link to a directory,
// named on the command line, is followed like a link to a file: each verb
// that walks directories processes the files it holds, under the link's
// name, instead of reporting nothing and passing.
func TestLinkedDirectoryIsWalked(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"real/p.cors":     messy,
		"real/bad.cors":   "cors 1\n\npolicy api {\n    allow any {\n        credentials\n    }\n}\n",
		"real/p.fixtures": "fixtures 1\n\npolicy p\n\ncase \"listed\" {\n    GET \"/\"\n    Origin \"https://a.example\"\n\n    expect allowed\n}\n",
	})
	if err := os.Symlink("real", filepath.Join(dir, "linked")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	code, stdout, _ := runIn(dir, []string{"-l", "$DIR/linked"}, "")
	if want := "$DIR/linked/p.cors\n"; !strings.Contains(stdout, want) {
		t.Errorf("-l linked: exit status %d, stdout %q; want it to list %q", code, stdout, want)
	}
	code, stdout, _ = runIn(dir, []string{"lint", "$DIR/linked"}, "")
	if want := "$DIR/linked/bad.cors:"; code != 1 || !strings.Contains(stdout, want) {
		t.Errorf("lint linked: exit status %d, stdout %q; want 1 and a finding in %q", code, stdout, want)
	}
	code, stdout, stderr := runIn(dir, []string{"test", "$DIR/linked"}, "")
	if !strings.Contains(stdout+stderr, "1 passed") {
		t.Errorf("test linked: exit status %d, output %q; want the one case run", code, stdout+stderr)
	}
	code, _, stderr = runIn(dir, []string{"-w", "$DIR/linked"}, "")
	if code != 0 {
		t.Fatalf("-w linked: exit status %d; stderr:\n%s", code, stderr)
	}
	if got := readFile(t, filepath.Join(dir, "real", "p.cors")); got != tidy {
		t.Errorf("-w linked: real/p.cors = %q, want %q", got, tidy)
	}
	if info, err := os.Lstat(filepath.Join(dir, "linked")); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("linked is no longer a symbolic link: %v, %v", info, err)
	}
}

// TestStdinTooLarge checks that standard input past lang.MaxFileSize is
// refused without being formatted.
func TestStdinTooLarge(t *testing.T) {
	big := "cors 1\n" + strings.Repeat("# comment line\n", lang.MaxFileSize/15+1)
	code, stdout, stderr := runIn(t.TempDir(), nil, big)
	if code != 2 || stdout != "" {
		t.Errorf("exit status %d, stdout of %d bytes; want 2 and none", code, len(stdout))
	}
	if want := "<standard input>: file is larger than the limit"; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr = %q, want it to start with %q", stderr, want)
	}
}

// TestHelp checks that -h prints the usage on standard output and exits 0.
func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		code, stdout, stderr := runIn(t.TempDir(), []string{arg}, "")
		if code != 0 || stderr != "" {
			t.Errorf("%s: exit status %d, stderr %q; want 0 and nothing", arg, code, stderr)
		}
		if !strings.HasPrefix(stdout, "usage: corsfmt [flags] [path ...]\n") {
			t.Errorf("%s: stdout does not start with the usage line:\n%s", arg, stdout)
		}
		for _, want := range []string{"-d", "-l", "-w", "path.orig", "Subcommands"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%s: usage does not mention %q:\n%s", arg, want, stdout)
			}
		}
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// TestStdoutError checks that a failure to write standard output is
// reported, once, with exit status 2.
func TestStdoutError(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.cors": messy, "b.cors": messy})
	var stderr bytes.Buffer
	code := run([]string{dir}, strings.NewReader(""), errWriter{}, &stderr)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if got, want := stderr.String(), "corsfmt: writing standard output: broken pipe\n"; got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

// TestExamplesFormatted checks that the example policies are in the
// canonical form.
func TestExamplesFormatted(t *testing.T) {
	code, stdout, stderr := runIn(t.TempDir(), []string{"-l", filepath.Join("..", "examples")}, "")
	if code != 0 || stdout != "" || stderr != "" {
		t.Errorf("corsfmt -l ../examples: exit status %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
