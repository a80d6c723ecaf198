package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestQuery(t *testing.T) {
	const admin = "../examples/admin-api-with-denies.cors"
	tests := []struct {
		args []string
		code int
		out  []string // substrings of standard output, in order
		err  string   // a substring of standard error
	}{
		{[]string{"query", "-credentials", admin}, 0, []string{"policy admin-api: actual requests with credentials",
			"origins   https://*.corp.example.com (e.g. https://x.corp.example.com)", "paths     /admin/** except /admin/audit/**",
			"answer    allowed with credentials", `Cookie "session=1"`, "paths     /admin/audit/**", "methods   GET, POST"}, ""},
		{[]string{"query", "-path", "/admin/audit/x", "-method", "DELETE", admin}, 0, []string{"none allowed"}, ""},
		{[]string{"query", "-origin", "https://legacy.corp.example.com", admin}, 0, []string{"none allowed"}, ""},
		{[]string{"query", "-origin", "https://console.corp.example.com", "-path", "/admin/users", admin}, 0,
			[]string{"origins   https://console.corp.example.com", "paths     /admin/users", "methods   GET, POST, PUT, PATCH, DELETE"}, ""},
		{[]string{"query", "-header", "X-Csrf-Token", "-method", "PUT", admin}, 0,
			[]string{"preflights asking for X-Csrf-Token", `Access-Control-Request-Headers "X-Csrf-Token"`}, ""},
		{[]string{"query", "-path", "/admin/../x", admin}, 0, []string{"none allowed: /admin/../x holds a dot segment"}, ""},
		{[]string{"query", "-origin", "https://Console.corp.example.com", admin}, 2, nil, "not a serialised origin"},
		{[]string{"query", "-credentials", "-header", "X-A", admin}, 2, nil, "use one"},
		{[]string{"query", admin, admin}, 2, nil, "usage: corsfmt query"},
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

func TestQueryJSON(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"query", "-json", "-credentials", "../examples/spa-with-cookies.cors"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	var got struct {
		Question struct{ Credentials bool }
		Policy   string
		Entries  []struct {
			Paths   string
			Grant   string
			Witness struct{ Case string }
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if !got.Question.Credentials || got.Policy != "spa-api" || len(got.Entries) != 2 || got.Entries[1].Paths != "/auth/session" ||
		got.Entries[0].Grant != "allowed with credentials" || !strings.HasPrefix(got.Entries[0].Witness.Case, "case ") {
		t.Errorf("got %+v", got)
	}
}
