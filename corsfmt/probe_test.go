package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/stdlib"
)

// serveExample serves an example policy through the middleware.
func serveExample(t *testing.T, file string) *httptest.Server {
	t.Helper()
	prog, err := compile.LoadFile(filepath.Join("..", "examples", file), compile.Options{Importer: stdlib.Importer{}})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy(prog.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(eval.NewMiddleware(tab).Wrap(http.NotFoundHandler()))
	t.Cleanup(srv.Close)
	return srv
}

func runCommand(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	status := run(args, strings.NewReader(""), &stdout, &stderr)
	return status, stdout.String(), stderr.String()
}

// TestProbeCommand runs corsfmt probe against loopback services and checks
// its exit status and outputs.
func TestProbeCommand(t *testing.T) {
	spa := serveExample(t, "spa-with-cookies.cors")
	reflecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Origin")
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}))
	defer reflecting.Close()
	fast := []string{"-rate", "1000"}

	t.Run("the policy it serves", func(t *testing.T) {
		args := append([]string{"probe", "-site", "https://app.example.com", "-paths", "/api/x,/auth/session",
			"-policy", "../examples/spa-with-cookies.cors"}, fast...)
		status, out, errs := runCommand(append(args, spa.URL)...)
		if status != 0 || !strings.Contains(out, "; 0 findings; 0 drifts from policy spa-api of ../examples/spa-with-cookies.cors") {
			t.Errorf("status %d\n%s%s", status, out, errs)
		}
	})
	t.Run("another policy", func(t *testing.T) {
		status, out, errs := runCommand(append(append([]string{"probe", "-site", "https://app.example.com", "-paths", "/api/x",
			"-policy", "../examples/gateway-microservices.cors"}, fast...), spa.URL)...)
		if status != 1 || !strings.Contains(out, "(P201)") {
			t.Errorf("status %d\n%s%s", status, out, errs)
		}
	})
	t.Run("reflection", func(t *testing.T) {
		status, out, errs := runCommand(append(append([]string{"probe", "-site", "https://app.example.com"}, fast...), reflecting.URL)...)
		if status != 1 || !strings.Contains(out, "error: any origin is trusted") || !strings.Contains(out, "no drift check without -policy") {
			t.Errorf("status %d\n%s%s", status, out, errs)
		}
	})
	t.Run("json", func(t *testing.T) {
		status, out, _ := runCommand(append(append([]string{"probe", "-json"}, fast...), reflecting.URL)...)
		var rep struct {
			Requests int `json:"requests"`
			Findings []struct {
				Code string `json:"code"`
			} `json:"findings"`
			Drift *[]any `json:"drift"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || status != 1 {
			t.Fatalf("status %d, %v\n%s", status, err, out)
		}
		if rep.Requests == 0 || len(rep.Findings) != 1 || rep.Findings[0].Code != "P101" || rep.Drift != nil {
			t.Errorf("report %+v", rep)
		}
	})
	t.Run("sarif", func(t *testing.T) {
		status, out, _ := runCommand(append(append([]string{"probe", "-sarif", "-policy", "../examples/spa-with-cookies.cors"}, fast...), reflecting.URL)...)
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal([]byte(out), &log); err != nil || status != 1 || log.Version != "2.1.0" || len(log.Runs[0].Results) == 0 {
			t.Fatalf("status %d, %v\n%.400s", status, err, out)
		}
	})
}

func TestProbeUsage(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.cors")
	os.WriteFile(broken, []byte("cors 1\npolicy p { allow \"https://a.example/\" }\n"), 0o644)
	srv := serveExample(t, "public-read-only-api.cors")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"probe"}, "usage: corsfmt probe"},
		{[]string{"probe", "-json", "-sarif", "http://127.0.0.1:1"}, "usage: corsfmt probe"},
		{[]string{"probe", "-profile", "dev", "http://127.0.0.1:1"}, "need -policy"},
		{[]string{"probe", "-rate", "0", "http://127.0.0.1:1"}, "must be positive"},
		{[]string{"probe", "-rate", "NaN", "http://127.0.0.1:1"}, "must be positive"},
		{[]string{"probe", "-rate", "+Inf", "http://127.0.0.1:1"}, "must be positive"},
		{[]string{"probe", "-policy", broken, "http://127.0.0.1:1"}, "trailing slash"},
		{[]string{"probe", "-budget", "5", srv.URL}, "more than the budget of 5"},
		{[]string{"probe", "-site", "https://a.example/x", srv.URL}, "bad site"},
	} {
		status, _, errs := runCommand(tc.args...)
		if status != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%q: status %d, stderr %q, want 2 and %q", tc.args, status, errs, tc.want)
		}
	}
}
