package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/eval"
)

// TestPolicy runs the policy's fixtures, as every service that embeds a
// policy should in its own go test.
func TestPolicy(t *testing.T) {
	corstest.Run(t, "api.cors", "api.fixtures")
	corstest.Run(t, "api.cors", "api.dev.fixtures")
}

// TestDemo runs the README's main command in-process: the embedded policy
// answers through a real server, and each decision is logged.
func TestDemo(t *testing.T) {
	var out, logs bytes.Buffer
	if err := run("", "", "", true, slog.New(slog.NewTextHandler(&logs, nil)), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"HTTP 204 No Content\nAccess-Control-Allow-Credentials: true",
		"# another site tries to read them\nGET /api/items  Origin: https://evil.example.net\nHTTP 200 OK\nVary: Origin\nX-Cors-Denied: origin",
		"# any site reads the status\nGET /status  Origin: https://news.example.org\nHTTP 200 OK\nAccess-Control-Allow-Origin: *",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(logs.String(), "msg=\"cors "); n != 4 {
		t.Errorf("%d decisions logged, want 4:\n%s", n, logs.String())
	}
}

// TestLoad serves the same handler through a real http.Server on loopback,
// with and without the middleware, and reports requests per second and the
// 99th-percentile latency of each, and the overhead. It is bounded: 20 000
// requests or 10 s a side, whichever comes first. It measures; it asserts
// nothing about time.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test; -short skips it")
	}
	prog, err := compile.LoadFS(policies, "api.cors", compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	table, _ := prog.Policy("api")
	plain := routes()
	measure := func(h http.Handler) (rps float64, p99 time.Duration) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h}
		go srv.Serve(ln)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
		url := "http://" + ln.Addr().String() + "/api/items"
		const total, workers = 20000, 4
		var mu sync.Mutex
		var lat []time.Duration
		var wg sync.WaitGroup
		deadline := time.Now().Add(10 * time.Second)
		start := time.Now()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := make([]time.Duration, 0, total/workers)
				for range total / workers {
					if time.Now().After(deadline) {
						break
					}
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Origin", "https://app.example.com")
					t0 := time.Now()
					resp, err := client.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		slices.Sort(lat)
		return float64(len(lat)) / elapsed.Seconds(), lat[len(lat)*99/100]
	}
	baseRPS, baseP99 := measure(plain)
	corsRPS, corsP99 := measure(eval.NewMiddleware(table).Wrap(plain))
	t.Logf("without the middleware: %.0f requests/s, p99 %v", baseRPS, baseP99)
	t.Logf("with the middleware:    %.0f requests/s, p99 %v", corsRPS, corsP99)
	t.Logf("overhead: throughput x%.3f, p99 x%.3f", corsRPS/baseRPS, float64(corsP99)/float64(baseP99))
}
