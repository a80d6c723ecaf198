package nginx_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/export/nginx/nginxtest"
)

// BenchmarkNginx measures nginx on loopback with the exported configuration
// of the SPA example and with a configuration that only passes requests
// on, the same client (net/http, keep-alive, as many goroutines as
// GOMAXPROCS) sending the same requests: an allowed actual GET, and an
// allowed preflight, which the export answers itself and plain nginx
// passes on; and a GET from a name of two punycode labels, which the
// module decodes and checks in full (SPEC.md, "Punycode names") before the
// policy denies it; the same with three labels of 59 ü each, the most code
// points 63 bytes of punycode hold; and with the costliest name we found,
// 253 bytes of four labels of ṏ, the Balinese vowel sign U+1B35 and ứ,
// which the module decomposes (ṏ and ứ to three runes each) and composes
// again, rune by rune, after a failed search for each pair. It reports
// requests per second; their ratio is the cost of the policy.
func BenchmarkNginx(b *testing.B) {
	nginxtest.Binary(b)
	prog, err := compile.LoadFile("../../examples/spa-with-cookies.cors", compile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	table, err := prog.Policy("spa-api")
	if err != nil {
		b.Fatal(err)
	}
	up := httptest.NewServer(&upstream{})
	defer up.Close()
	configs := []struct {
		name     string
		generate func(listen, module string) ([]byte, error)
	}{
		{"cors", func(listen, module string) ([]byte, error) {
			return nginxexport.Config(table, nginxexport.Options{Upstream: up.URL, Listen: []string{listen}, Module: module})
		}},
		{"plain", func(listen, module string) ([]byte, error) {
			return fmt.Appendf(nil, "server {\n    listen %s;\n    location / {\n        proxy_pass %s;\n    }\n}\n", listen, up.URL), nil
		}},
	}
	requests := []struct {
		name   string
		method string
		header http.Header
	}{
		{"actual", "GET", http.Header{"Origin": {"https://app.example.com"}}},
		{"preflight", "OPTIONS", http.Header{"Origin": {"https://app.example.com"}, "Access-Control-Request-Method": {"PUT"},
			"Access-Control-Request-Headers": {"content-type,x-csrf-token"}}},
		{"punycode", "GET", http.Header{"Origin": {"https://xn--bcher-kva.xn--mnchen-3ya.example.com"}}},
		{"punycode-longest", "GET", http.Header{"Origin": {"https://" + strings.Repeat("xn--tda"+strings.Repeat("a", 56)+".", 3) + "example.com"}}},
		{"punycode-costliest", "GET", http.Header{"Origin": {"https://" + strings.Repeat("xn--mufaaaaaaaaaaaaaaa695kbabbbbbbbbbbbbbbb913ccacccccccccccccc.", 3) +
			"xn--mufaaaaaaaaaaaaaaa695kbabbbbbbbbbbbbbb761ccaccccccccccccc"}}},
	}
	for _, c := range configs {
		srv := nginxtest.Start(b, c.generate, nginxtest.Options{})
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		for _, rq := range requests {
			b.Run(c.name+"/"+rq.name, func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req, _ := http.NewRequest(rq.method, "http://"+srv.Addr+"/api/orders", nil)
						req.Header = rq.header.Clone()
						resp, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			})
		}
	}
}
