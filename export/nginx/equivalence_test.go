package nginx_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/eval"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/export/nginx/nginxtest"
	"github.com/corspolicy/cors/lang"
)

// build is one example policy compiled for one profile, with the fixture
// files written for that build.
type build struct {
	file, profile, name string
	table               *compile.Table
	fixtures            []string
}

func (b build) String() string {
	s := filepath.Base(b.file)
	if b.profile != "" {
		s += "@" + b.profile
	}
	return s + "/" + b.name
}

// examples returns every build of every example policy, and of
// testdata/edge.cors: production and each profile the file declares
// (compile.Resolution.Builds), each policy that has the build, with the
// fixture file written for it when there is one (NAME.fixtures,
// NAME.PROFILE.fixtures).
func examples(t *testing.T) []build {
	t.Helper()
	files, _ := filepath.Glob("../../examples/*.cors")
	// edge.cors holds what the examples do not: echoed request headers,
	// expose any, a $ in a header name, null, IPv6 and any-port origins.
	files = append(files, "../../examples/service/api.cors", "testdata/edge.cors")
	var out []build
	for _, file := range files {
		base := strings.TrimSuffix(file, ".cors")
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := lang.Parse(file, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, profile := range compile.Resolve(parsed, compile.Options{}).Builds() {
			prog, err := compile.LoadFile(file, compile.Options{Profile: profile})
			if err != nil {
				t.Fatal(err)
			}
			fixtures := base + ".fixtures"
			if profile != "" {
				fixtures = base + "." + profile + ".fixtures"
			}
			for _, name := range prog.Names() {
				table, err := prog.Policy(name)
				var e *lang.Error
				if errors.As(err, &e) && e.Code == compile.CodeProfile {
					continue // a policy without this profile: no such build
				} else if err != nil {
					t.Fatal(err)
				}
				b := build{file: file, profile: profile, name: name, table: table}
				if _, err := os.Stat(fixtures); err == nil {
					b.fixtures = []string{fixtures}
				}
				out = append(out, b)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no example policies found")
	}
	return out
}

// upstream is the service behind nginx and behind the Go middleware: it
// answers every request with 200, a Vary of its own and a body, and counts
// the preflights that reach it, which must be none.
type upstream struct {
	preflights atomic.Int64
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions && r.Header["Origin"] != nil && r.Header["Access-Control-Request-Method"] != nil {
		u.preflights.Add(1)
	}
	w.Header().Add("Vary", "Accept-Encoding")
	w.Header().Set("X-Request-Id", "42")
	io.WriteString(w, "ok\n")
}

// answer is what a comparison looks at in a response.
type answer struct {
	status int
	cors   map[string]string // each CORS header's lines, joined with ", "
	vary   []string          // the names of every Vary line, lower-case, sorted, once each
}

var corsNames = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers",
	"Access-Control-Max-Age", "Access-Control-Allow-Private-Network"}

func (a answer) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", a.status)
	for _, n := range corsNames {
		if v, ok := a.cors[n]; ok {
			fmt.Fprintf(&b, "\n\t%s: %s", n, v)
		}
	}
	fmt.Fprintf(&b, "\n\tVary: %s", strings.Join(a.vary, ", "))
	return b.String()
}

func (a answer) equal(b answer) bool {
	if a.status != b.status || !slices.Equal(a.vary, b.vary) || len(a.cors) != len(b.cors) {
		return false
	}
	for k, v := range a.cors {
		if w, ok := b.cors[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// send writes the probe's bytes to addr on a connection of their own and
// reads the response head.
func send(addr string, p corstest.Probe) (answer, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return answer{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(p.Raw("service.test")); err != nil {
		return answer{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: p.Method})
	if err != nil {
		return answer{}, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	a := answer{status: resp.StatusCode, cors: map[string]string{}}
	for _, n := range corsNames {
		if v := resp.Header.Values(n); len(v) > 0 {
			a.cors[n] = strings.Join(v, ", ")
		}
	}
	for _, line := range resp.Header.Values("Vary") {
		for _, n := range strings.Split(line, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" && !slices.Contains(a.vary, n) {
				a.vary = append(a.vary, n)
			}
		}
	}
	slices.Sort(a.vary)
	return a, nil
}

// pair is nginx with a build's exported configuration and the Go
// middleware with the same table, each in front of its own upstream.
type pair struct {
	nginx, goAddr string
	prefix        string // nginx's prefix directory, its logs below
	up            *upstream
	table         *compile.Table
}

func startPair(t *testing.T, table *compile.Table) *pair {
	t.Helper()
	up := &upstream{}
	upSrv := httptest.NewServer(up)
	t.Cleanup(upSrv.Close)
	goSrv := httptest.NewServer(eval.NewMiddleware(table).Wrap(&upstream{}))
	t.Cleanup(goSrv.Close)
	ngx := nginxtest.Start(t, func(listen, module string) ([]byte, error) {
		return nginxexport.Config(table, nginxexport.Options{Upstream: upSrv.URL, Listen: []string{listen}, Module: module})
	}, nginxtest.Options{})
	return &pair{nginx: ngx.Addr, prefix: ngx.Prefix, goAddr: goSrv.Listener.Addr().String(), up: up, table: table}
}

// counts are what compare found.
type counts struct {
	compared int // requests sent to both
	differed int // answered differently
	// refused were refused by nginx's HTTP parser before its
	// configuration ran, where the engine denies.
	refused int
	// punycode had an Origin whose host has a label starting with
	// xn--, which the module decodes and checks (idnaHost).
	punycode int
}

// punycodeOrigin matches an Origin whose host has a label that starts with
// xn--.
var punycodeOrigin = regexp.MustCompile(`^https?://(?:[^/:.]*\.)*xn--`)

// singleOrigin returns the value of the probe's Origin line when it has
// exactly one.
func singleOrigin(p corstest.Probe) (string, bool) {
	var values []string
	for _, h := range p.Header {
		if strings.EqualFold(h[0], "Origin") {
			values = append(values, h[1])
		}
	}
	if len(values) != 1 {
		return "", false
	}
	return values[0], true
}

// compare sends every probe to both and reports each difference. A request
// nginx's parser refuses before its configuration runs is counted apart,
// held to what SPEC.md, "Export to nginx", says of it: the engine must deny
// it and nginx's answer carry no CORS header.
func (p *pair) compare(t *testing.T, probes []corstest.Probe) counts {
	t.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	var c counts
	next := atomic.Int64{}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(probes) {
					return
				}
				pr := probes[i]
				origin, single := singleOrigin(pr)
				want, err1 := send(p.goAddr, pr)
				got, err2 := send(p.nginx, pr)
				mu.Lock()
				c.compared++
				if single && punycodeOrigin.MatchString(origin) {
					c.punycode++
				}
				switch {
				case err1 != nil || err2 != nil:
					c.differed++
					t.Errorf("%s: Go: %v, nginx: %v", pr.Name, err1, err2)
				case got.status == http.StatusBadRequest && want.status != http.StatusBadRequest &&
					len(got.cors) == 0 && want.cors["Access-Control-Allow-Origin"] == "":
					// nginx's parser refused the request line (a dot
					// segment above the root) before any configuration
					// ran; the engine denies it all the same.
					c.refused++
					t.Logf("refused by nginx's HTTP parser, denied by the engine: %s", pr.Name)
				case !want.equal(got):
					c.differed++
					if c.differed <= 20 {
						t.Errorf("%s:\n%q\nGo middleware: %s\nnginx:         %s", pr.Name, pr.Raw("service.test"), want, got)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return c
}

// TestEquivalence starts nginx with the exported configuration of every
// example build and sends the same bytes to it and to the Go middleware:
// every fixture case, a witness of every decision region (see
// corstest.RegionProbes) and the hostile set (corstest.HostileProbes).
// Status and every CORS response header must be equal, Vary as a set of
// names, and no preflight may reach nginx's upstream, but for the requests
// nginx's parser refuses, which compare counts apart.
func TestEquivalence(t *testing.T) {
	nginxtest.Binary(t)
	var fixtures, regions, hostile, differed, refused, punycode atomic.Int64
	t.Run("builds", func(t *testing.T) {
		for _, b := range examples(t) {
			t.Run(b.String(), func(t *testing.T) {
				t.Parallel()
				p := startPair(t, b.table)
				var fx []corstest.Probe
				for _, f := range b.fixtures {
					s, err := corstest.Load(b.file, f)
					if err != nil {
						t.Fatal(err)
					}
					fx = append(fx, s.FixtureProbes()...)
				}
				for _, set := range []struct {
					count  *atomic.Int64
					probes []corstest.Probe
				}{{&fixtures, fx}, {&regions, corstest.RegionProbes(b.table)}, {&hostile, corstest.HostileProbes(b.table)}} {
					c := p.compare(t, set.probes)
					set.count.Add(int64(c.compared - c.refused))
					differed.Add(int64(c.differed))
					refused.Add(int64(c.refused))
					punycode.Add(int64(c.punycode))
				}
				if n := p.up.preflights.Load(); n > 0 {
					t.Errorf("%d preflights reached nginx's upstream", n)
				}
			})
		}
	})
	if punycode.Load() == 0 {
		t.Error("no request with an xn-- label in its Origin was compared: the probes no longer try the module's punycode check")
	}
	summary := fmt.Sprintf("requests compared with the Go middleware: %d fixture cases, %d region witnesses, %d hostile, %d of all these with an xn-- label in the Origin; "+
		"%d disagreements; %d more refused by nginx's HTTP parser where the engine denies",
		fixtures.Load(), regions.Load(), hostile.Load(), punycode.Load(), differed.Load(), refused.Load())
	t.Log(summary)
}

// TestUpstreamResponses checks what only a gateway can get wrong: the
// policy's headers on the upstream's error responses and on nginx's own
// when the upstream is down, the upstream's Vary kept beside the policy's,
// and the upstream's own CORS headers never reaching the client.
func TestUpstreamResponses(t *testing.T) {
	prog, err := compile.LoadFile("../../examples/spa-with-cookies.cors", compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	table, err := prog.Policy("spa-api")
	if err != nil {
		t.Fatal(err)
	}
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Add("Vary", "Accept-Encoding")
		w.Header().Add("Vary", "Cookie")
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	defer up.Close()
	down := nginxtest.FreePort(t) // nothing listens there
	for _, tc := range []struct {
		name, upstream string
		status         int
		vary           []string
	}{
		{"an upstream error", up.URL, http.StatusInternalServerError, []string{"accept-encoding", "cookie", "origin"}},
		{"no upstream", "http://" + down, http.StatusBadGateway, []string{"origin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ngx := nginxtest.Start(t, func(listen, module string) ([]byte, error) {
				return nginxexport.Config(table, nginxexport.Options{Upstream: tc.upstream, Listen: []string{listen}, Module: module})
			}, nginxtest.Options{})
			got, err := send(ngx.Addr, corstest.Probe{Method: "GET", Target: "/api/orders", Header: [][2]string{{"Origin", "https://app.example.com"}}})
			if err != nil {
				t.Fatal(err)
			}
			want := answer{status: tc.status, vary: tc.vary, cors: map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    "Location, X-Request-Id",
			}}
			if !got.equal(want) {
				t.Errorf("got %s\nwant %s", got, want)
			}
			denied, err := send(ngx.Addr, corstest.Probe{Method: "GET", Target: "/api/orders", Header: [][2]string{{"Origin", "https://evil.example"}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(denied.cors) != 0 {
				t.Errorf("a denied origin got CORS headers: %s", denied)
			}
		})
	}
}
