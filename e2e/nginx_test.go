package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/corspolicy/cors/compile"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/export/nginx/nginxtest"
)

// TestNginxInChromium makes the browser the judge of the nginx export: the
// page fetches of TestExamplesInChromium, for one example, are answered by
// nginx serving the exported configuration in front of the API's handler.
// The TLS server in front of nginx records what the browser sent, so that
// the engine's decision for it is the one the browser's verdict must match.
func TestNginxInChromium(t *testing.T) {
	b := chromium(t)
	nginxtest.Binary(t)
	const file = "../examples/admin-api-with-denies.cors"
	prog, err := compile.LoadFile(file, compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	table, err := prog.Policy(prog.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(http.HandlerFunc(serveAPI))
	defer up.Close()
	ngx := nginxtest.Start(t, func(listen, module string) ([]byte, error) {
		return nginxexport.Config(table, nginxexport.Options{Upstream: up.URL, Listen: []string{listen}, Module: module})
	}, nginxtest.Options{})
	var gateway http.Handler = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: ngx.Addr})
	b.table.Store(table)
	b.gateway.Store(&gateway)
	defer b.gateway.Store(nil)
	checked, disagreed := 0, 0
	for _, c := range matrix(table) {
		checked++
		if !b.check(t, c) {
			disagreed++
		}
	}
	// Names with a punycode label below the policy's wildcard, which the
	// module decodes and checks before the maps (SPEC.md, "Punycode
	// names"): bücher, a right-to-left label (مثال) and bücher below a
	// denied name. Chromium sends them as punycode.
	for _, origin := range []string{"https://xn--bcher-kva.corp.example.com", "https://xn--mgbh0fb.corp.example.com",
		"https://xn--bcher-kva.sandbox.corp.example.com"} {
		for _, q := range []request{
			{method: "GET", path: "/admin/x", credentials: true},
			{method: "PUT", path: "/admin/x", headers: map[string]string{"Content-Type": "application/json"}, credentials: true},
		} {
			checked++
			if !b.check(t, browserCase{origin, q}) {
				disagreed++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no case for the browser")
	}
	t.Logf("%s through nginx: %d browser-checked cases, %d disagreements", file, checked, disagreed)
}
