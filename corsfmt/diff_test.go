package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	narrowPolicy = "cors 1\n\npolicy p {\n    allow \"https://app.example.com\" {\n        paths \"/api/**\"\n    }\n}\n"
	// widePolicy adds credentials and a wildcard to narrowPolicy.
	widePolicy = "cors 1\n\npolicy p {\n    allow \"https://*.example.com\" {\n        paths \"/api/**\"\n        credentials\n    }\n}\n"
	// samePolicy is narrowPolicy in another layout, its origin in a set.
	samePolicy = "cors 1\norigins app = \"https://app.example.com\"\npolicy p { allow app { paths \"/api/**\" } }\n"
)

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	narrow, wide, same := write("narrow.cors", narrowPolicy), write("wide.cors", widePolicy), write("same.cors", samePolicy)
	broken := write("broken.cors", "cors 1\npolicy p { allow any { credentials } }\n")
	// Twenty globs "/*a*", "/*b*"... whose product must remember which
	// letters a segment has shown: past the bound, refused.
	var globs []string
	for c := 'a'; c < 'a'+20; c++ {
		globs = append(globs, `"/*`+string(c)+`*"`)
	}
	intricate := write("intricate.cors", "cors 1\n\npolicy p {\n    allow any {\n        paths "+strings.Join(globs, ", ")+"\n    }\n}\n")
	tests := []struct {
		args []string
		code int
		out  []string // substrings of standard output, in order
		err  string   // a substring of standard error
	}{
		{[]string{"diff", narrow, same}, 0, []string{"policy p, the build without a profile: no change"}, ""},
		{[]string{"diff", "-fail-on", "change", narrow, same}, 0, []string{"no change"}, ""},
		{[]string{"diff", narrow, wide}, 0, []string{"widened", "origins   https://app.example.com", "paths     /api/**",
			"Access-Control-Allow-Credentials: none → true", `Cookie "session=1"`,
			"origins   https://*.example.com (e.g. https://x.example.com)", "denied → allowed with credentials", "case ", "expect allowed"}, ""},
		{[]string{"diff", "-fail-on", "widen", narrow, wide}, 1, []string{"widened"}, ""},
		{[]string{"diff", "-fail-on", "widen", wide, narrow}, 0, []string{"narrowed", "allowed with credentials → denied"}, ""},
		{[]string{"diff", "-fail-on", "change", wide, narrow}, 1, []string{"narrowed"}, ""},
		{[]string{"diff", "-markdown", narrow, wide}, 0, []string{"### Policy `p`", "| 1 widened |", "<details>"}, ""},
		{[]string{"diff", "-policy", "q", narrow, wide}, 2, nil, "has a policy named q"},
		{[]string{"diff", narrow, broken}, 2, nil, "broken.cors:2:12: any origin cannot go with credentials"},
		{[]string{"diff", "-fail-on", "more", narrow, wide}, 2, nil, "want widen or change"},
		{[]string{"diff", narrow, intricate}, 2, nil, "intricate.cors:3:1: policy p, the build without a profile: the path globs are too many or too intricate to compare"},
		{[]string{"diff", "-json", "-markdown", narrow, wide}, 2, nil, "exclude each other"},
		{[]string{"diff", narrow}, 2, nil, "want two policies"},
		{[]string{"diff", narrow, filepath.Join(dir, "missing.cors")}, 2, nil, "not REV:PATH"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, stderr.String())
		}
		out := stdout.String()
		for _, s := range tt.out {
			i := strings.Index(out, s)
			if i < 0 {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, s, stdout.String())
				break
			}
			out = out[i+len(s):]
		}
		if !strings.Contains(stderr.String(), tt.err) {
			t.Errorf("%v: standard error lacks %q:\n%s", tt.args, tt.err, stderr.String())
		}
	}
}

func TestDiffJSON(t *testing.T) {
	dir := t.TempDir()
	narrow, wide := filepath.Join(dir, "narrow.cors"), filepath.Join(dir, "wide.cors")
	os.WriteFile(narrow, []byte(narrowPolicy), 0o644)
	os.WriteFile(wide, []byte(widePolicy), 0o644)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", "-json", narrow, wide}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got []struct {
		Policy  string
		Entries []struct {
			Category string
			Origins  string
			Witness  struct {
				Request struct{ Path string }
				Case    string
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if len(got) != 1 || got[0].Policy != "p" || len(got[0].Entries) == 0 {
		t.Fatalf("got %+v", got)
	}
	e := got[0].Entries[0]
	if e.Category != "widened" || e.Witness.Request.Path == "" || !strings.HasPrefix(e.Witness.Case, "case ") {
		t.Errorf("first entry %+v", e)
	}
}

// TestDiffRevision compares a policy with its last commit, read through
// git show, its relative import read from the same commit.
func TestDiffRevision(t *testing.T) {
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
	writeFiles(t, dir, map[string]string{
		"policies/api.cors":          "cors 1\n\nimport \"./shared/o.cors\" as shared\n\npolicy p {\n    allow shared.apps\n}\n",
		"policies/shared/o.cors":     "cors 1\n\norigins apps = \"https://a.example.com\"\n",
		"policies/shared/unused.txt": "",
	})
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "first")
	writeFiles(t, dir, map[string]string{
		"policies/shared/o.cors": "cors 1\n\norigins apps = \"https://a.example.com\", \"https://b.example.com\"\n",
	})
	t.Chdir(filepath.Join(dir, "policies"))
	for _, old := range []string{"HEAD:policies/api.cors", "HEAD:./api.cors"} {
		var stdout, stderr bytes.Buffer
		code := run([]string{"diff", "-fail-on", "widen", old, "api.cors"}, strings.NewReader(""), &stdout, &stderr)
		if code != 1 || !strings.Contains(stdout.String(), "origins   https://b.example.com") {
			t.Errorf("diff %s api.cors: exit %d, want 1 and b.example.com widened:\n%s%s", old, code, stdout.String(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", "HEAD:policies/nope.cors", "api.cors"}, strings.NewReader(""), &stdout, &stderr); code != 2 ||
		!strings.Contains(stderr.String(), "git show") {
		t.Errorf("a path the revision lacks: exit %d, stderr %q", code, stderr.String())
	}
}

// TestDiffRevisionIsNotAnOption holds that a REV of REV:PATH is only ever
// a revision: one that starts with "-" would otherwise reach git show as
// an option, and --output=FILE writes FILE.
func TestDiffRevisionIsNotAnOption(t *testing.T) {
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
	writeFiles(t, dir, map[string]string{"api.cors": narrowPolicy})
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "first")
	t.Chdir(dir)
	written := filepath.Join(dir, "written")
	for _, args := range [][]string{
		{"diff", "api.cors", "--output=" + written + ":api.cors"},
		{"diff", "--", "--output=" + written + ":api.cors", "api.cors"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(""), &stdout, &stderr)
		if _, err := os.Lstat(written + ":api.cors"); err == nil {
			t.Errorf("%v: git show wrote %s", args, written+":api.cors")
			os.Remove(written + ":api.cors")
		}
		if code != 2 || !strings.Contains(stderr.String(), "not a revision") {
			t.Errorf("%v: exit %d, want 2 and the revision refused; stderr:\n%s", args, code, stderr.String())
		}
	}
}

// TestDiffRevisionLoadSize checks that a policy read as REV:PATH is held
// to the bound of every other reader, compile.MaxLoadSize for the policy
// and its modules together: five modules of 15 MiB, each under the limit
// of one file, are refused together, as corsfmt lint refuses them.
func TestDiffRevisionLoadSize(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	if testing.Short() {
		t.Skip("writes 75 MB")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	module := "cors 1\n" + strings.Repeat(strings.Repeat("#", 1023)+"\n", 15<<10) + "origins s = \"https://a.example.com\"\n"
	files := map[string]string{}
	policy := "cors 1\n"
	for i := range 5 {
		files[fmt.Sprintf("m%d.cors", i)] = module
		policy += fmt.Sprintf("import \"./m%d.cors\" as m%d\n", i, i)
	}
	files["api.cors"] = policy + "policy p {\n    allow m0.s\n}\n"
	writeFiles(t, dir, files)
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "first")
	t.Chdir(dir)
	for _, args := range [][]string{{"lint", "api.cors"}, {"diff", "HEAD:api.cors", "api.cors"}, {"diff", "HEAD:api.cors", "HEAD:api.cors"}} {
		var stdout, stderr bytes.Buffer
		code := run(args, strings.NewReader(""), &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if code == 0 || !strings.Contains(out, "larger than the limit of 67108864 bytes together") {
			t.Errorf("corsfmt %s: exit %d, output:\n%s\nwant the policy refused past compile.MaxLoadSize", strings.Join(args, " "), code, out)
		}
	}
}
