package e2e

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
)

// apiHost is the host of the API under test; every other host is a page
// origin. It is https, so that pages of every scheme may call it.
const apiHost = "api.service.test"

// browser is one Chromium and the servers that play every origin.
type browser struct {
	tls, plain *httptest.Server
	ctx        context.Context
	cancel     func()

	table   atomic.Pointer[compile.Table]
	mu      sync.Mutex
	records map[string][]record // per case: what the API was asked and answered
	cookies atomic.Int64        // API requests that carried the session cookie
	// gateway, when set, answers for the API in place of the middleware:
	// a proxy to an nginx that serves the policy (see nginx_test.go).
	gateway atomic.Pointer[http.Handler]
}

var (
	shared     *browser
	sharedErr  error
	sharedOnce sync.Once
)

// chromium returns the browser, starting it on first use, or skips the
// test when Chromium is not installed (fails, when CORS_E2E=require).
func chromium(t *testing.T) *browser {
	t.Helper()
	if testing.Short() {
		t.Skip("the browser suite takes minutes; -short skips it")
	}
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CORS_E2E") == "require" {
			t.Fatal("CORS_E2E=require, but Chromium is not installed (apt-get install -y chromium)")
		}
		t.Skip("Chromium is not installed; the browser suite needs it (apt-get install -y chromium, or CHROMIUM=/path)")
	}
	sharedOnce.Do(func() { shared, sharedErr = start(path) })
	if sharedErr != nil {
		t.Fatalf("starting Chromium: %v", sharedErr)
	}
	return shared
}

// chromiumPath returns the browser the suite drives: $CHROMIUM, or
// chromium on the PATH; "" when there is neither.
func chromiumPath() string {
	if path := os.Getenv("CHROMIUM"); path != "" {
		return path
	}
	path, _ := exec.LookPath("chromium")
	return path
}

func start(path string) (*browser, error) {
	b := &browser{records: map[string][]record{}}
	certs, spki, err := newCertMinter()
	if err != nil {
		return nil, err
	}
	b.tls = httptest.NewUnstartedServer(b)
	b.tls.TLS = &tls.Config{GetCertificate: certs.get}
	b.tls.StartTLS()
	b.plain = httptest.NewServer(b)
	dir, err := os.MkdirTemp("", "cors-e2e-profile")
	if err != nil {
		return nil, err
	}
	// Every https origin, whatever its port, goes to the TLS server and
	// every http one to the plain server; no other name resolves.
	var rules []string
	for _, port := range []int{443, 8443, 8081, 8082, 4443} {
		rules = append(rules, fmt.Sprintf("MAP *:%d %s", port, b.tls.Listener.Addr()))
	}
	for _, port := range []int{80, 3000, 5173, 8080} {
		rules = append(rules, fmt.Sprintf("MAP *:%d %s", port, b.plain.Listener.Addr()))
	}
	rules = append(rules, "MAP * ~NOTFOUND")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The servers' certificates, minted per name with one key, are
		// trusted through that key: a certificate error would keep the
		// browser from caching preflights, which the suite checks.
		chromedp.Flag("ignore-certificate-errors-spki-list", spki),
		// Navigations to http pages must stay http: they are origins
		// under test, not mistakes to upgrade.
		chromedp.Flag("disable-features", "HttpsUpgrades,HttpsFirstBalancedModeAutoEnable"),
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ", ")),
		chromedp.UserDataDir(dir),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b.ctx = ctx
	b.cancel = func() { cancel(); acancel(); os.RemoveAll(dir) }
	// The session cookie the credentialed fetches carry.
	if err := chromedp.Do(ctx, chromedp.Navigate("https://"+apiHost+"/setcookie")); err != nil {
		b.cancel()
		return nil, err
	}
	return b, nil
}

func TestMain(m *testing.M) {
	flag.Parse()
	if chromiumPath() == "" && !testing.Short() && os.Getenv("CORS_E2E") != "require" {
		tellGoTest("e2e: Chromium not found; the browser suite is skipped (apt-get install -y chromium)")
	}
	code := m.Run()
	if shared != nil {
		shared.cancel()
		shared.tls.Close()
		shared.plain.Close()
	}
	os.Exit(code)
}

// exposedByAPI are the response headers the API sets, beside the CORS ones.
var exposedByAPI = []string{"X-Request-Id", "X-Total-Count", "Link", "Location", "ETag", "RateLimit-Limit",
	"Retry-After", "Traceparent", "X-Csrf-Token", "Cache-Control", "Set-Cookie"}

// ServeHTTP plays every origin: the API on apiHost, through the middleware
// with the table under test, and a blank page on every other host.
func (b *browser) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	if host == "" {
		host = r.Host
	}
	if host != apiHost {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!doctype html><title>page</title>")
		return
	}
	if r.URL.Path == "/setcookie" {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "1", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode})
		fmt.Fprint(w, "ok")
		return
	}
	t := b.table.Load()
	if t == nil {
		// Before any test has chosen a policy: the browser's own
		// requests, such as the favicon of the cookie page.
		http.NotFound(w, r)
		return
	}
	req := eval.RequestOf(r)
	d := eval.Evaluate(t, &req)
	if req.Credentials {
		b.cookies.Add(1)
	}
	b.mu.Lock()
	id := r.URL.Query().Get("case")
	b.records[id] = append(b.records[id], record{req, d})
	b.mu.Unlock()
	if gw := b.gateway.Load(); gw != nil {
		(*gw).ServeHTTP(w, r)
		return
	}
	eval.NewMiddleware(t).Wrap(http.HandlerFunc(serveAPI)).ServeHTTP(w, r)
}

// serveAPI is the API's own handler, behind the middleware or a gateway: it
// sets the headers a policy may expose, and a cookie scripts never read.
func serveAPI(w http.ResponseWriter, r *http.Request) {
	for _, h := range exposedByAPI {
		if h != "Set-Cookie" {
			w.Header().Set(h, "v")
		}
	}
	w.Header().Set("Set-Cookie", "other=1; Path=/nowhere; Secure; SameSite=None")
	fmt.Fprint(w, "ok")
}

// record is one request the API received and the engine's decision.
type record struct {
	req eval.Request
	d   eval.Decision
}

func (b *browser) take(id string) []record {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.records[id]
}

// request is one fetch a page makes.
type request struct {
	method      string
	path        string
	headers     map[string]string
	credentials bool
}

// simple reports whether a browser sends the request without a preflight
// (Fetch, "CORS-safelisted method" and "CORS-safelisted request-header").
func (q request) simple() bool {
	if q.method != "GET" && q.method != "HEAD" && q.method != "POST" {
		return false
	}
	for k, v := range q.headers {
		switch strings.ToLower(k) {
		case "accept", "accept-language", "content-language":
		case "content-type":
			if v != "text/plain" && v != "application/x-www-form-urlencoded" && v != "multipart/form-data" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// outcome is what the page saw.
type outcome struct {
	OK      bool     `json:"ok"`
	Error   string   `json:"error"`
	Headers []string `json:"headers"` // the response header names scripts can read, lower-case
}

// fetch makes the page at origin fetch the API, twice when again is set,
// and returns what it saw the first time.
func (b *browser) fetch(origin string, q request, id string, again bool) (outcome, outcome, error) {
	url := "https://" + apiHost + q.path + "?case=" + id
	hdrs := "{"
	for k, v := range q.headers {
		hdrs += strconv.Quote(k) + ":" + strconv.Quote(v) + ","
	}
	hdrs += "}"
	creds := "omit"
	if q.credentials {
		creds = "include"
	}
	js := fmt.Sprintf(`(async () => {
		const one = async () => {
			try {
				const r = await fetch(%q, {method: %q, headers: %s, credentials: %q, mode: "cors"});
				return {ok: true, headers: [...r.headers.keys()]};
			} catch (e) { return {ok: false, error: String(e), headers: []}; }
		};
		const first = await one();
		const second = %v ? await one() : null;
		return [first, second];
	})()`, url, q.method, hdrs, creds, again)
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(origin+"/page")); err != nil {
		return outcome{}, outcome{}, err
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[[]*outcome](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return outcome{}, outcome{}, err
	}
	var first, second outcome
	if len(res) > 0 && res[0] != nil {
		first = *res[0]
	}
	if len(res) > 1 && res[1] != nil {
		second = *res[1]
	}
	return first, second, nil
}

// readable returns the non-safelisted response headers a script may read
// from an answer whose Access-Control-Expose-Headers lists names: those of
// them the API sends, Set-Cookie never.
func readable(d eval.Decision) []string {
	var out []string
	for _, h := range strings.Split(d.ExposeHeaders, ",") {
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" && h != "set-cookie" && h != "cache-control" &&
			slices.ContainsFunc(exposedByAPI, func(x string) bool { return strings.EqualFold(x, h) }) {
			out = append(out, h)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}
