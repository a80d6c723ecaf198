package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	nginxexport "github.com/corspolicy/cors/export/nginx"
)

// TestExport runs corsfmt export as a user would: to standard output, to
// a file with the njs module beside it, and on a policy it must refuse.
func TestExport(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"export", "-format", "nginx", "-upstream", "http://10.0.0.5:9000", "-listen", "8443 ssl", "-listen", "[::]:8443 ssl", "../examples/spa-with-cookies.cors"}
	if code := run(args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"# CORS for spa-with-cookies.cors, policy spa-api,", "js_import cors_spa_api_request from cors_request.js;",
		"    listen 8443 ssl;\n    listen [::]:8443 ssl;\n", "proxy_pass http://10.0.0.5:9000;"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the configuration lacks %q", want)
		}
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "cors.conf")
	stdout.Reset()
	if code := run([]string{"export", "-format", "nginx", "-profile", "dev", "-o", out, "../examples/dev-and-prod-profiles.cors"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	conf, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(conf, []byte("js_import cors_storefront_api_request from "+filepath.Join(dir, nginxexport.ModuleName)+";")) ||
		!bytes.Contains(conf, []byte(`localhost`)) {
		t.Errorf("the configuration does not import the module beside it or lacks the dev rules:\n%s", conf)
	}
	if module, err := os.ReadFile(filepath.Join(dir, nginxexport.ModuleName)); err != nil || !bytes.Equal(module, nginxexport.Module()) {
		t.Errorf("the module beside the configuration: %v", err)
	}

	bad := filepath.Join(dir, "bad.cors")
	os.WriteFile(bad, []byte("cors 1\n\npolicy p {\n    allow \"https://a.example\" {\n        methods any\n    }\n}\n"), 0o644)
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"export", "-format", "nginx", bad}, nil, &stdout, &stderr); code != 1 || stdout.Len() > 0 ||
		!strings.Contains(stderr.String(), "bad.cors:4:5: nginx export: methods any:") {
		t.Errorf("a refused construct: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	for _, args := range [][]string{
		{"export", "../examples/spa-with-cookies.cors"},
		{"export", "-format", "haproxy", "../examples/spa-with-cookies.cors"},
		{"export", "-format", "nginx", "-upstream", "http://127.0.0.1:8080/api", "../examples/spa-with-cookies.cors"},
	} {
		stderr.Reset()
		if code := run(args, nil, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}

// TestExportChoosesPolicy exports one policy of a file that has two: the
// one -policy names, and none without -policy or with a name the file does
// not have.
func TestExportChoosesPolicy(t *testing.T) {
	file := filepath.Join(t.TempDir(), "two.cors")
	src := "cors 1\n\npolicy first {\n    allow \"https://a.example\"\n}\n\npolicy second {\n    allow \"https://b.example\"\n}\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"export", "-format", "nginx", "-policy", "second", file}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if conf := stdout.String(); !strings.Contains(conf, "policy second,") || !strings.Contains(conf, `"1https://b.example"`) ||
		strings.Contains(conf, "https://a.example") || strings.Contains(conf, `a\x2eexample`) {
		t.Errorf("-policy second exported something else:\n%s", conf)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "-format", "nginx", file}, "has 2 policies (first, second); choose one with -policy"},
		{[]string{"export", "-format", "nginx", "-policy", "third", file}, "third"},
	} {
		stdout.Reset()
		stderr.Reset()
		if code := run(tc.args, nil, &stdout, &stderr); code == 0 || stdout.Len() > 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stdout %d bytes, stderr %q; want a failure saying %q", tc.args, code, stdout.Len(), stderr.String(), tc.want)
		}
	}
}
