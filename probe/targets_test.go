package probe_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/probe"
	"github.com/corspolicy/cors/stdlib"
)

// fakeClock is a Clock whose Sleep advances its time at once and records
// how long it was asked to wait: no test sleeps.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

// naive is a CORS handler written by hand, as services not written with
// this project do: it trusts the origins allow accepts, echoing them.
type naive struct {
	allow       func(origin string) bool
	credentials bool
	vary        bool
}

func (n naive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n.vary {
		w.Header().Add("Vary", "Origin")
	}
	origin := r.Header.Get("Origin")
	if origin != "" && n.allow(origin) {
		w.Header().Set("Access-Control-Allow-Origin", origin)
		if n.credentials {
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method == http.MethodOptions {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	w.Write([]byte("ok"))
}

const site = "https://www.example.com"

// codes returns the findings of a report as "CODE severity", in order.
func codes(r *probe.Report) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Code+" "+f.Severity.String())
	}
	return out
}

// run probes the handler, served on loopback, with a fake clock.
func run(t *testing.T, h http.Handler, cfg probe.Config) *probe.Report {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL + cfg.URL
	if cfg.Clock == nil {
		cfg.Clock = newFakeClock()
	}
	rep, err := probe.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestHandWrittenTargets probes services with a known misconfiguration
// each, written by hand as services not written with this project are, and
// expects exactly the findings that name it.
func TestHandWrittenTargets(t *testing.T) {
	targets := []struct {
		name string
		h    http.Handler
		want []string
	}{
		{"* with credentials", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}), []string{"P103 warning"}},
		{"null trusted", naive{allow: func(o string) bool { return o == site || o == "null" }, credentials: true, vary: true},
			[]string{"P102 error"}},
		{"suffix match", naive{allow: func(o string) bool { return strings.HasSuffix(o, "example.com") }, credentials: true, vary: true},
			[]string{"P104 error", "P109 error"}},
		{"no Vary", naive{allow: func(o string) bool { return o == site }, credentials: true},
			[]string{"P130 warning"}},
		{"exact list done right", naive{allow: func(o string) bool { return o == site }, credentials: true, vary: true},
			nil},
		{"regex with an unescaped dot", naive{allow: func(o string) bool {
			return o == site || o == "https://wwwxexample.com"
		}, vary: true}, []string{"P106 warning"}},
		{"prefix match", naive{allow: func(o string) bool { return strings.HasPrefix(o, site) }, credentials: true, vary: true},
			[]string{"P105 error"}},
		{"any subdomain", naive{allow: func(o string) bool { return o == site || strings.HasSuffix(o, ".example.com") }, credentials: true, vary: true},
			[]string{"P108 warning", "P109 error"}}, // the scheme is not checked either
		{"reflection", naive{allow: func(string) bool { return true }, credentials: true, vary: true},
			[]string{"P101 error"}},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, tc.h, probe.Config{Site: site})
			if got := codes(rep); !slices.Equal(got, tc.want) {
				var b strings.Builder
				rep.WriteText(&b)
				t.Errorf("findings %q, want %q\n%s", got, tc.want, b.String())
			}
		})
	}
}

// example compiles a policy of examples/ for a profile.
func example(t testing.TB, file, profile string) *compile.Table {
	t.Helper()
	prog, err := compile.LoadFile(filepath.Join("..", "examples", file), compile.Options{Profile: profile, Importer: stdlib.Importer{}})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy(prog.Names()[0])
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// examples are the example policies, the profiles their fixtures test, and
// the origin the battery derives its origins from: one each policy trusts.
var examples = []struct {
	file, profile, site string
	paths               []string
}{
	{"spa-with-cookies.cors", "", "https://app.example.com", []string{"/api/x", "/auth/session"}},
	{"public-read-only-api.cors", "", "https://api.transit.example.org", []string{"/v1/x"}},
	{"gateway-microservices.cors", "", "https://www.example.com", []string{"/catalog/x", "/orders/x", "/partner/v2/x"}},
	{"embeddable-widget.cors", "", "https://dashboard.example.net", []string{"/widget/v1/reviews", "/dashboard/api/x"}},
	{"dev-and-prod-profiles.cors", "", "https://www.example.com", []string{"/api/x"}},
	{"dev-and-prod-profiles.cors", "dev", "https://www.example.com", []string{"/api/x"}},
	{"dev-and-prod-profiles.cors", "staging", "https://www.example.com", []string{"/api/x"}},
	{"admin-api-with-denies.cors", "", "https://console.corp.example.com", []string{"/admin/x", "/admin/audit/x"}},
}

// TestExamplesWithTheirPolicy serves each example policy through the
// middleware and probes it with the same policy: no finding, no drift.
func TestExamplesWithTheirPolicy(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.file+"/"+ex.profile, func(t *testing.T) {
			tab := example(t, ex.file, ex.profile)
			rep := run(t, eval.NewMiddleware(tab).Wrap(http.NotFoundHandler()),
				probe.Config{Site: ex.site, Paths: ex.paths, Policy: tab, Budget: 5000, Rate: -1})
			if len(rep.Findings) > 0 || len(rep.Drift) > 0 {
				var b strings.Builder
				rep.WriteText(&b)
				t.Errorf("%d findings, %d drifts:\n%s", len(rep.Findings), len(rep.Drift), b.String())
			}
			if rep.Drift == nil {
				t.Error("no drift check")
			}
			t.Logf("%s", rep.Summary())
		})
	}
}

// TestExamplesWithoutPolicy probes the same services without their
// policies: the battery alone finds nothing, but in the admin API, whose
// policy trusts every subdomain of corp.example.com with credentials on
// purpose (its comments say why), the subdomain trust it was written to
// have.
func TestExamplesWithoutPolicy(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.file+"/"+ex.profile, func(t *testing.T) {
			tab := example(t, ex.file, ex.profile)
			rep := run(t, eval.NewMiddleware(tab).Wrap(http.NotFoundHandler()),
				probe.Config{Site: ex.site, Paths: ex.paths, Rate: -1})
			var want []string
			if ex.file == "admin-api-with-denies.cors" {
				want = []string{"P108 warning", "P108 warning"} // one per path
			}
			if got := codes(rep); !slices.Equal(got, want) {
				var b strings.Builder
				rep.WriteText(&b)
				t.Errorf("findings %q, want %q\n%s", got, want, b.String())
			}
		})
	}
}

func mustPath(p string) *url.URL { return &url.URL{Path: p} }

// switching answers a GET that has an Origin with 101 Switching Protocols,
// trusting the origin with credentials, and then keeps the connection open,
// silent, until done is closed; other requests get a plain 200.
func switching(t *testing.T, done chan struct{}) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if o == "" || r.Method != http.MethodGet {
			return
		}
		c, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Access-Control-Allow-Origin: " + o + "\r\nAccess-Control-Allow-Credentials: true\r\n\r\n")
		buf.Flush()
		<-done
	})
}

// TestSwitchingProtocolsIsUnreadable checks that a 101 answer to a GET
// that asked for no protocol switch is not judged as a response a page
// reads: Fetch waits for a final response after it, which never comes, so
// the page gets a network error, however the headers trust its origin.
func TestSwitchingProtocolsIsUnreadable(t *testing.T) {
	done := make(chan struct{})
	srv := httptest.NewServer(switching(t, done))
	defer srv.Close()
	defer close(done)
	type result struct {
		rep *probe.Report
		err error
	}
	finished := make(chan result, 1)
	go func() {
		rep, err := probe.Run(context.Background(), probe.Config{URL: srv.URL, Site: site, Timeout: time.Second, Clock: newFakeClock()})
		finished <- result{rep, err}
	}()
	var rep *probe.Report
	select {
	case r := <-finished:
		if r.err != nil {
			t.Fatal(r.err)
		}
		rep = r.rep
	case <-time.After(30 * time.Second): // a deadline for a hang, not a measure
		t.Fatal("the probe still waits, 30 s on, with a -timeout of 1 s: it reads on after a 101 from a service gone silent")
	}
	if got := codes(rep); len(got) > 0 {
		var b strings.Builder
		rep.WriteText(&b)
		t.Errorf("findings %q for answers no page can read:\n%s", got, b.String())
	}
}
