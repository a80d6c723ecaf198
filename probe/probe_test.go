package probe_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/probe"
)

// recorder serves as h and records what each request looked like.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	h    http.Handler
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, r.Clone(context.Background()))
	rec.mu.Unlock()
	if rec.h != nil {
		rec.h.ServeHTTP(w, r)
	}
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

// TestRateLimit checks that requests start one interval apart, by the
// clock the probe is given: 4 a second means a wait of 250 ms before every
// request but the first, and a probe that takes as long.
func TestRateLimit(t *testing.T) {
	clock := newFakeClock()
	rep := run(t, http.NotFoundHandler(), probe.Config{Site: site, Rate: 4, Clock: clock})
	if rep.Requests < 2 {
		t.Fatalf("%d requests", rep.Requests)
	}
	if len(clock.sleeps) != rep.Requests-1 {
		t.Errorf("%d waits for %d requests, want one before each but the first", len(clock.sleeps), rep.Requests)
	}
	for _, d := range clock.sleeps {
		if d != 250*time.Millisecond {
			t.Fatalf("waited %v, want 250ms", d)
		}
	}
	if want := time.Duration(rep.Requests-1) * 250 * time.Millisecond; rep.Elapsed != want {
		t.Errorf("elapsed %v, want %v", rep.Elapsed, want)
	}
}

// TestBudgetRefusedBeforeSending checks that a probe needing more requests
// than its budget sends none.
func TestBudgetRefusedBeforeSending(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	_, err := probe.Run(context.Background(), probe.Config{URL: srv.URL, Site: site, Budget: 10, Clock: newFakeClock()})
	var be *probe.BudgetError
	if !errors.As(err, &be) || be.Budget != 10 || be.Needed <= 10 {
		t.Fatalf("error %v, want a BudgetError", err)
	}
	if n := rec.count(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// Exactly the budget is enough.
	rep, err := probe.Run(context.Background(), probe.Config{URL: srv.URL, Site: site, Budget: be.Needed, Clock: newFakeClock()})
	if err != nil || rep.Requests != be.Needed || rec.count() != be.Needed {
		t.Errorf("with a budget of %d: %v, %d requests", be.Needed, err, rec.count())
	}
}

// connRequests is the key of a connection's request count in its context.
type connRequests struct{}

// TestBudgetCountsEveryRequestOnTheWire checks the budget against what the
// service sees, with a service that answers the first request of each
// connection and resets the connection on the second: Go's transport
// used to resend such a GET or OPTIONS on a new connection by itself,
// nearly doubling the requests the service saw, while the report counted
// each once.
func TestBudgetCountsEveryRequestOnTheWire(t *testing.T) {
	var seen atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		if r.Context().Value(connRequests{}).(*atomic.Int32).Add(1) == 1 {
			return
		}
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		c.(*net.TCPConn).SetLinger(0) // a reset, not a clean close
		c.Close()
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connRequests{}, new(atomic.Int32))
	}
	srv.Start()
	defer srv.Close()
	_, err := probe.Run(context.Background(), probe.Config{URL: srv.URL, Site: site, Budget: 1, Clock: newFakeClock()})
	var be *probe.BudgetError
	if !errors.As(err, &be) {
		t.Fatalf("error %v, want a BudgetError", err)
	}
	rep, err := probe.Run(context.Background(), probe.Config{URL: srv.URL, Site: site, Budget: be.Needed, Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	if n := int(seen.Load()); n != rep.Requests || n > be.Needed {
		t.Errorf("the service saw %d requests, the report says %d, the budget is %d", n, rep.Requests, be.Needed)
	}
}

// TestPolite checks what the service sees: the tool's User-Agent, no body,
// only GET, HEAD and OPTIONS unless Methods says more, and with a policy
// the witnesses of other methods counted as not sent.
func TestPolite(t *testing.T) {
	tab := example(t, "spa-with-cookies.cors", "")
	for _, extra := range [][]string{nil, {"POST", "DELETE"}} {
		rec := &recorder{h: eval.NewMiddleware(tab).Wrap(http.NotFoundHandler())}
		rep := run(t, rec, probe.Config{Site: "https://app.example.com", Paths: []string{"/api/x"}, Policy: tab, Methods: extra, Rate: -1})
		methods := map[string]bool{}
		for _, r := range rec.reqs {
			methods[r.Method] = true
			if ua := r.Header.Get("User-Agent"); ua != probe.DefaultUserAgent {
				t.Errorf("User-Agent %q", ua)
			}
			if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
				t.Errorf("%s %s has a body", r.Method, r.URL.Path)
			}
		}
		// The policy grants no HEAD: no witness asks for it.
		want := append([]string{"GET", "OPTIONS"}, extra...)
		if got := slices.Sorted(maps.Keys(methods)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("with Methods %q: methods sent %q, want %q", extra, got, want)
		}
		if len(rec.reqs) != rep.Requests {
			t.Errorf("the service saw %d requests, the report says %d", len(rec.reqs), rep.Requests)
		}
		if extra == nil && rep.Skipped == 0 {
			t.Error("no witness counted as not sent, though the policy grants PUT")
		}
	}
}

// TestRedirectsNotFollowed checks that a redirect, to another host or the
// same, is judged as it is and never followed.
func TestRedirectsNotFollowed(t *testing.T) {
	other := &recorder{}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	rec := &recorder{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Origin") == "null" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		http.Redirect(w, r, otherSrv.URL+"/x", http.StatusFound)
	})}
	rep := run(t, rec, probe.Config{Site: site, Rate: -1})
	if n := other.count(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	for _, r := range rec.reqs {
		if r.URL.Path == "/elsewhere" {
			t.Error("a redirect on the same host was followed")
		}
	}
	for _, p := range rep.Probes {
		if p.Answer == nil || p.Answer.Status != http.StatusFound {
			t.Fatalf("%s: answer %+v, want the redirect itself", p.Check, p.Answer)
		}
	}
}

// TestBoundedAnswers checks that an answer whose headers are over the
// bound, and one that never comes, are reported without stopping the
// probe, within its timeout.
func TestBoundedAnswers(t *testing.T) {
	done := make(chan struct{})
	defer close(done)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Origin") {
		case "null":
			select { // never answers
			case <-done:
			case <-r.Context().Done():
			}
		case "https://evil.net":
			w.Header().Set("X-Big", strings.Repeat("a", probe.MaxHeaderBytes+1))
		}
	})
	start := time.Now()
	rep := run(t, h, probe.Config{Site: site, Rate: -1, Timeout: 300 * time.Millisecond})
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if got := codes(rep); !slices.Equal(got, []string{"P002 warning"}) {
		t.Fatalf("findings %q", got)
	}
	f := rep.Findings[0]
	// The null origin's request, and the two from https://evil.net: the
	// arbitrary origin's and its preflight.
	if !strings.HasPrefix(f.Message, "3 of ") {
		t.Errorf("message %q, want 3 requests without an answer", f.Message)
	}
}

// TestUnreachable checks that a service that does not answer the first
// request ends the probe with an error.
func TestUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := probe.Run(context.Background(), probe.Config{URL: url, Site: site, Clock: newFakeClock()})
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("error %v", err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, cfg := range []probe.Config{
		{URL: "ftp://example.com"},
		{URL: "http://"},
		{URL: "http://example.com", Site: "https://www.example.com/path"},
		{URL: "http://example.com", Site: "null"},
		{URL: "http://example.com", Paths: []string{"api"}},
	} {
		cfg.Clock = newFakeClock()
		if _, err := probe.Run(context.Background(), cfg); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}

// answerOf evaluates a probe's request with a table, reading it as the
// middleware does, and returns the decision's status class and headers.
func answerOf(t *compile.Table, p *probe.Probe) (int, http.Header) {
	req := &http.Request{Method: p.Method, URL: mustPath(p.Path), Header: http.Header{}}
	if p.Origin != nil {
		req.Header["Origin"] = p.Origin
	}
	if p.RequestMethod != "" {
		req.Header.Set("Access-Control-Request-Method", p.RequestMethod)
	}
	if p.RequestHeaders != "" {
		req.Header.Set("Access-Control-Request-Headers", p.RequestHeaders)
	}
	if p.PrivateNetwork {
		req.Header.Set("Access-Control-Request-Private-Network", "true")
	}
	if p.Cookie {
		req.Header.Set("Cookie", probe.ProbeCookie)
	}
	r := eval.RequestOf(req)
	d := eval.Evaluate(t, &r)
	return d.Status / 100, d.Header()
}

// TestDrift serves one policy and probes with a slightly different one:
// the drift reported is exactly the regions, and the battery requests,
// that the two policies answer differently (what corsfmt diff would
// report), computed here by evaluating both on each request sent and
// comparing the answers whole.
func TestDrift(t *testing.T) {
	served := compileSource(t, driftServed)
	given := compileSource(t, driftGiven)
	rep := run(t, eval.NewMiddleware(served).Wrap(http.NotFoundHandler()),
		probe.Config{Site: "https://app.example.com", Paths: []string{"/api/x"}, Policy: given, Rate: -1, Budget: 5000})
	var want []string
	for _, p := range rep.Probes {
		sa, ha := answerOf(served, p)
		sb, hb := answerOf(given, p)
		if (p.Method == "OPTIONS" && sa != sb) || !maps.EqualFunc(ha, hb, slices.Equal) {
			if p.Region != nil {
				want = append(want, p.Region.String())
			} else {
				want = append(want, "battery "+p.Check)
			}
		}
	}
	var got []string
	for _, d := range rep.Drift {
		got = append(got, d.Region)
	}
	if !slices.Equal(got, want) {
		t.Errorf("drift in\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// What the two policies say apart, checked by hand: the staging origin
	// only the given policy names, X-Request-Id only the served one grants.
	for _, region := range []string{
		"https://staging.example.com | /api/x | actual GET",
		"https://staging.example.com | /api/x | preflight PUT",
		"https://app.example.com | /api/x | preflight PUT | headers content-type",
		"https://app.example.com | /api/x | preflight PUT",
	} {
		if !slices.Contains(got, region) {
			t.Errorf("no drift in %s", region)
		}
	}
	if slices.Contains(got, "no Origin | /api/x | no Origin") || slices.Contains(got, "https://app.example.com | / | actual GET") {
		t.Error("drift where both policies answer alike")
	}
	if len(rep.Findings) != 0 {
		t.Errorf("findings %q: where the two policies differ, neither is a misconfiguration", codes(rep))
	}
	if !rep.Failed() {
		t.Error("a report with drift does not fail")
	}
}

const driftServed = `cors 1

policy api {
    allow "https://app.example.com" {
        paths   "/api/**"
        methods "GET", "PUT"
        headers "Content-Type", "X-Request-Id"
        credentials
    }
}
`

const driftGiven = `cors 1

policy api {
    allow "https://app.example.com", "https://staging.example.com" {
        paths   "/api/**"
        methods "GET", "PUT"
        headers "Content-Type"
        credentials
    }
}
`

func compileSource(t *testing.T, src string) *compile.Table {
	t.Helper()
	prog, err := compile.CompileSource("api.cors", []byte(src), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy("api")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func ExampleRun() {
	// A service that copies any Origin into its answer, with credentials.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Origin")
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
	}))
	defer srv.Close()
	rep, err := probe.Run(context.Background(), probe.Config{URL: srv.URL + "/api/items", Site: "https://app.example.com", Rate: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range rep.Findings {
		fmt.Printf("%s: %s (%s)\n", f.Severity, f.Message, f.Code)
	}
	fmt.Println(rep.Requests, "requests; exit status 1:", rep.Failed())
	// Output:
	// error: any origin is trusted: Origin https://evil.net is answered with itself, with credentials (P101)
	// 51 requests; exit status 1: true
}

// TestQueryNotSent checks that the URL's query, which may hold a token,
// is never sent: every request goes to the path alone.
func TestQueryNotSent(t *testing.T) {
	rec := &recorder{}
	run(t, rec, probe.Config{URL: "/items?token=secret", Site: site, Rate: -1})
	if rec.count() == 0 {
		t.Fatal("no request")
	}
	for _, r := range rec.reqs {
		if r.URL.RawQuery != "" || r.URL.Path != "/items" {
			t.Errorf("a request went to %s, want /items without its query", r.URL.RequestURI())
		}
	}
}

// TestRateNotANumber checks that a rate that is not a number is refused
// before anything is sent, rather than read as no limit at all.
func TestRateNotANumber(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	_, err := probe.Run(context.Background(), probe.Config{URL: srv.URL, Rate: math.NaN(), Clock: newFakeClock()})
	if err == nil || !strings.Contains(err.Error(), "rate") || rec.count() != 0 {
		t.Errorf("Run with a rate of NaN: %v, %d requests sent; want an error about the rate and none sent", err, rec.count())
	}
}
