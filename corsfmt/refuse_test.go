package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefusedEverywhere checks that a policy the lint calls an error, and a
// profile or policy that does not exist, are refused by every subcommand
// that turns a policy into a table, with the code and position, and never
// answered with another build.
func TestRefusedEverywhere(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const fixture = "fixtures 1\n\ncase \"app\" {\n    GET \"/\"\n    Origin \"https://app.github.io\"\n\n    expect allowed\n}\n"
	untrusted := write("untrusted.cors", "cors 1\n\npolicy api {\n    allow \"https://*.github.io\" {\n        credentials\n    }\n}\n")
	write("untrusted.fixtures", fixture)
	staged := write("staged.cors", "cors 1\n\npolicy api {\n    allow \"https://app.example.com\"\n\n    profile staging {\n        allow \"https://staging.example.com\"\n    }\n}\n")
	stagin := write("staged.stagin.fixtures", "fixtures 1\n\ncase \"app\" {\n    GET \"/\"\n    Origin \"https://app.example.com\"\n\n    expect allowed\n}\n")
	noLine := write("staged.staging.fixtures", "fixtures 1\n\ncase \"app\" {\n    GET \"/\"\n    Origin \"https://app.example.com\"\n\n    expect allowed\n}\n")
	badLine := write("other.fixtures", "fixtures 1\n\nprofile stagin\n\ncase \"app\" {\n    GET \"/\"\n    Origin \"https://app.example.com\"\n\n    expect allowed\n}\n")
	write("other.cors", "cors 1\n\npolicy api {\n    allow \"https://app.example.com\"\n\n    profile staging {\n        allow \"https://staging.example.com\"\n    }\n}\n")
	const head = "GET / HTTP/1.1\nHost: api.test\nOrigin: https://app.example.com\n\n"
	tests := []struct {
		args   []string
		code   int
		stderr string // a substring of standard error
		stdout string // a substring of standard output
	}{
		{[]string{"eval", untrusted}, 1, "untrusted.cors:4:22: https://*.github.io covers github.io", ""},
		{[]string{"test", filepath.Join(dir, "untrusted.fixtures")}, 1, "untrusted.cors:4:22: https://*.github.io covers github.io", ""},
		{[]string{"lint", untrusted}, 1, "", "untrusted.cors:4:22: error: https://*.github.io covers github.io"},
		// As the lint says it: the code, and the fix on a line of its own.
		{[]string{"eval", untrusted}, 1, "(S101)\n\tfix: ", ""},
		{[]string{"test", filepath.Join(dir, "untrusted.fixtures")}, 1, "(S101)\n\tfix: ", ""},
		// A policy file names the fixture files beside it.
		{[]string{"test", untrusted}, 1, "untrusted.cors:4:22: https://*.github.io covers github.io", ""},
		{[]string{"test", staged}, 1, "staged.stagin.fixtures:1:1: staged.cors has no profile stagin", "0 passed, 2 failed"},
		{[]string{"eval", "-profile", "stagin", staged}, 1, "the file has no profile stagin; did you mean staging? (profiles: staging)", ""},
		{[]string{"eval", "-profile", "staging", staged}, 0, "", "Access-Control-Allow-Origin: https://app.example.com"},
		{[]string{"eval", "-policy", "apii", staged}, 1, `no policy named "apii"; did you mean api?`, ""},
		{[]string{"lint", "-profile", "stagin", staged}, 1, "", "the file has no profile stagin; did you mean staging?"},
		{[]string{"export", "-format", "nginx", untrusted}, 1, "untrusted.cors:4:22: https://*.github.io covers github.io", ""},
		{[]string{"export", "-format", "nginx", "-profile", "stagin", staged}, 1, "the file has no profile stagin; did you mean staging? (profiles: staging)", ""},
		{[]string{"export", "-format", "nginx", "-profile", "staging", staged}, 0, "", "\"1https://staging.example.com\""},
		{[]string{"export", "-format", "nginx", "-policy", "apii", staged}, 1, `no policy named "apii"; did you mean api?`, ""},
		{[]string{"test", stagin}, 1, "staged.stagin.fixtures:1:1: staged.cors has no profile stagin; did you mean staging?", ""},
		{[]string{"test", noLine}, 1, "staged.staging.fixtures:1:1: the file name says it tests the staging build, but it has no profile line; add: profile staging", ""},
		{[]string{"test", badLine}, 1, "other.fixtures:3:9: the file has no profile stagin; did you mean staging?", ""},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, strings.NewReader(head), &stdout, &stderr)
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", tt.args, code, tt.code, stdout.String(), stderr.String())
		}
		if !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("%v: standard error lacks %q:\n%s", tt.args, tt.stderr, stderr.String())
		}
		if !strings.Contains(stdout.String(), tt.stdout) {
			t.Errorf("%v: standard output lacks %q:\n%s", tt.args, tt.stdout, stdout.String())
		}
	}
}

// TestPolicyWithoutFixtures checks that naming a policy file with no
// fixture file beside it says where its cases go, and fails.
func TestPolicyWithoutFixtures(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "api.cors")
	if err := os.WriteFile(p, []byte("cors 1\n\npolicy api {\n    allow \"https://app.example.com\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Files that look alike but test another policy, or none.
	for _, name := range []string{"api2.fixtures", "api.a.b.fixtures", "apiary.fixtures"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("fixtures 1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"test", p}, strings.NewReader(""), &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "api.cors has no fixture file beside it: write its cases in api.fixtures (or api.LABEL.fixtures, one a build)") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
