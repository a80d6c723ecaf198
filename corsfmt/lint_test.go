package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean.cors", "cors 1\n\npolicy p {\n    allow \"https://a.example.com\"\n}\n")
	warn := write("warn.cors", "cors 1\n\npolicy p {\n    allow null\n}\n")
	bad := write("bad.cors", "cors 1\n\npolicy p {\n    allow \"https://*.github.io\" {\n        credentials\n    }\n}\n")
	broken := write("broken.cors", "cors 1\n\npolicy p {\n    allow any { credentials }\n}\n")
	tests := []struct {
		args []string
		code int
		out  []string // substrings of standard output, in order
	}{
		{[]string{"lint", clean}, 0, nil},
		{[]string{"lint", warn}, 0, []string{"warn.cors:4:11: warning: the null origin is allowed", "(S103)", "fix: name the origins"}},
		{[]string{"lint", "-strict", warn}, 1, []string{"warn.cors:4:11: warning: the null origin is allowed"}},
		{[]string{"lint", "-strict", clean}, 0, nil},
		{[]string{"lint", bad}, 1, []string{"bad.cors:4:22: error: https://*.github.io covers github.io", "(S101)"}},
		{[]string{"lint", broken}, 1, []string{"broken.cors:4:5: error: any origin cannot go with credentials", "(C010)"}},
		{[]string{"lint", dir}, 1, []string{"bad.cors", "broken.cors", "warn.cors"}},
		{[]string{"lint", "-nope"}, 2, nil},
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
		if tt.out == nil && stdout.Len() > 0 {
			t.Errorf("%v: want no output, got:\n%s", tt.args, stdout.String())
		}
	}
}

func TestLintJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	p := filepath.Join(dir, "p.cors")
	os.WriteFile(p, []byte("cors 1\n\npolicy p {\n    allow null\n}\n"), 0o644)
	if code := run([]string{"lint", "-json", p}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got []map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	want := map[string]any{"file": p, "line": 4.0, "column": 11.0, "end_line": 4.0, "end_column": 15.0,
		"severity": "warning", "code": "S103"}
	if len(got) != 1 {
		t.Fatalf("got %d findings", len(got))
	}
	for k, v := range want {
		if got[0][k] != v {
			t.Errorf("%s = %v, want %v", k, got[0][k], v)
		}
	}
	if got[0]["message"] == "" || got[0]["fix"] == "" {
		t.Errorf("message or fix missing: %v", got[0])
	}
}
