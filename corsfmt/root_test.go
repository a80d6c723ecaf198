//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/corspolicy/cors/internal/importcases"
)

// partnerRequest is a request head from the origin of the tree's modules.
const partnerRequest = "GET / HTTP/1.1\nHost: api.example\nOrigin: " + importcases.Origin + "\n\n"

// TestSubcommandsImportRule runs the import table through lint, eval and
// test, with the policy named by an absolute path and by a relative one
// from a sibling directory ("corsfmt lint ../svc/api.cors"): each import
// resolves, or fails, as compile.LoadFile resolves it, and no output
// quotes a file that is not a policy.
func TestSubcommandsImportRule(t *testing.T) {
	repo := importcases.Tree(t)
	fixtures := "fixtures 1\n\ncase \"a partner reads\" {\n    GET \"/\"\n    Origin \"" + importcases.Origin + "\"\n\n    expect allowed\n}\n"
	if err := os.WriteFile(filepath.Join(repo, "svc", "api.fixtures"), []byte(fixtures), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range importcases.Cases {
		t.Run(c.Name, func(t *testing.T) {
			importcases.Policy(t, repo, c)
			for _, from := range []string{"absolute", "relative"} {
				svc, root := filepath.Join(repo, "svc"), importcases.Root(repo, c)
				if from == "relative" {
					t.Chdir(filepath.Join(repo, "shared"))
					svc = filepath.Join("..", "svc")
					if root != "" {
						root = ".."
					}
				}
				var flags []string
				if root != "" {
					flags = []string{"-root", root}
				}
				for _, cmd := range []struct {
					args    []string
					stdin   string
					ok      string // in the output of a policy that compiles
					errCode int    // the exit status of one that does not
				}{
					{[]string{"lint"}, "", "", 1},
					{[]string{"eval"}, partnerRequest, "Access-Control-Allow-Origin: " + importcases.Origin, 1},
					{[]string{"test"}, "", "1 passed, 0 failed", 1},
					{[]string{"export", "-format", "nginx"}, "", "map", 1},
					{[]string{"query", "-origin", importcases.Origin}, "", "", 2},
					{[]string{"diff", filepath.Join(svc, "api.cors")}, "", "", 2},
				} {
					file := filepath.Join(svc, "api.cors")
					if cmd.args[0] == "test" {
						file = filepath.Join(svc, "api.fixtures")
					}
					args := append(append(append([]string{cmd.args[0]}, flags...), cmd.args[1:]...), file)
					code, stdout, stderr := runIn(t.TempDir(), args, cmd.stdin)
					out := stdout + stderr
					switch {
					case c.Err == "" && (code != 0 || !strings.Contains(out, cmd.ok)):
						t.Errorf("%s, %v: exit %d, want 0 and %q:\n%s", from, args, code, cmd.ok, out)
					case c.Err != "" && (code != cmd.errCode || !strings.Contains(out, "cannot import \""+c.Import+"\": ") || !strings.Contains(out, c.Err)):
						t.Errorf("%s, %v: exit %d, want %d and an error at the import saying %q:\n%s", from, args, code, cmd.errCode, c.Err, out)
					case strings.Contains(out, importcases.Secret) || strings.Contains(out, "root:x"):
						t.Errorf("%s, %v: the output quotes a file that is not a policy:\n%s", from, args, out)
					}
				}
			}
		})
	}
}

// TestRootMustHoldThePolicy checks that a policy outside the root named
// with -root is a usage error, not a policy whose imports escape.
func TestRootMustHoldThePolicy(t *testing.T) {
	repo := importcases.Tree(t)
	policy := importcases.Policy(t, repo, importcases.Cases[0])
	for _, sub := range []string{"lint", "eval"} {
		code, _, stderr := runIn(t.TempDir(), []string{sub, "-root", filepath.Join(repo, "shared"), policy}, "")
		if code == 0 || !strings.Contains(stderr, "the policy file is not inside the import root") {
			t.Errorf("%s: exit %d, stderr %q; want a refusal", sub, code, stderr)
		}
	}
}

// TestEndlessFilesRefused checks that every subcommand, the formatter
// included, refuses a policy or fixture file that is a link to /dev/zero
// or a named pipe, at once: neither memory without bound nor a reader
// waiting for a writer.
func TestEndlessFilesRefused(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.cors")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.fixtures")); err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(dir, "pipe.cors")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"api.cors": tidy, "api.fixtures": "fixtures 1\n"})
	for _, args := range [][]string{
		{"-l", zero}, {"-l", pipe},
		{"lint", zero}, {"lint", pipe},
		{"eval", zero}, {"eval", pipe},
		{"test", filepath.Join(dir, "zero.fixtures")}, // the fixture file
	} {
		code, _, stderr := runIn(dir, args, "")
		if code == 0 || !strings.Contains(stderr, "not a regular file") {
			t.Errorf("%v: exit %d, stderr %q; want a refusal naming a file that is not regular", args, code, stderr)
		}
	}
}

// TestCompletionSkipsEndlessFiles checks that completing a -policy value
// does not read a word that names a named pipe or a link to /dev/zero:
// the shell would hang, or fill memory, at a tab.
func TestCompletionSkipsEndlessFiles(t *testing.T) {
	dir := t.TempDir()
	pipe, zero := filepath.Join(dir, "pipe.cors"), filepath.Join(dir, "zero.cors")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	done := make(chan []string, 1)
	go func() { done <- completions([]string{"eval", "-policy", "", pipe, zero}, 2) }()
	select {
	case got := <-done:
		if len(got) != 0 {
			t.Errorf("completions = %q, want none", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("completing -policy blocked on a named pipe for 10 s")
	}
}

// TestDiffRevisionImportRule checks that a policy read as REV:PATH imports
// from the revision by the same rule as a file: inside the policy's
// directory, or -root, and only .cors files.
func TestDiffRevisionImportRule(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	module := "cors 1\n\norigins all = \"" + importcases.Origin + "\"\n"
	writeFiles(t, dir, map[string]string{
		"shared/partners.cors": module,
		"notes.txt":            importcases.Secret + "\n",
		"svc/up.cors":          "cors 1\n\nimport \"../shared/partners.cors\" as m\n\npolicy api {\n    allow m.all\n}\n",
		"svc/txt.cors":         "cors 1\n\nimport \"../notes.txt\" as m\n\npolicy api {\n    allow m.all\n}\n",
	})
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "first")
	t.Chdir(dir)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diff", "HEAD:svc/up.cors", "svc/up.cors"}, 2, "leads out of the import root"},
		{[]string{"diff", "-root", ".", "HEAD:svc/up.cors", "svc/up.cors"}, 0, ""},
		{[]string{"diff", "-root", "./svc", "HEAD:./svc/up.cors", "svc/up.cors"}, 2, "leads out of the import root"},
		{[]string{"diff", "-root", ".", "HEAD:svc/txt.cors", "svc/txt.cors"}, 2, "a module is a .cors file"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if code != tt.code || !strings.Contains(out, tt.want) || strings.Contains(out, importcases.Secret) {
			t.Errorf("%v: exit %d, want %d and %q:\n%s", tt.args, code, tt.code, tt.want, out)
		}
	}
}
