package probe

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corspolicy/cors/internal/goldentest"
	"golang.org/x/net/http/httpguts"
)

func answer(status int, kv ...string) *Answer {
	a := &Answer{Status: status, Header: http.Header{}}
	for i := 0; i+1 < len(kv); i += 2 {
		a.Header[kv[i]] = append(a.Header[kv[i]], kv[i+1])
	}
	return a
}

// TestCORSCheck holds the browser model to the Fetch standard's CORS
// check on the cases scanners argue about.
func TestCORSCheck(t *testing.T) {
	const o = "https://app.example.com"
	for _, tc := range []struct {
		name  string
		a     *Answer
		creds bool
		want  bool
	}{
		{"echo", answer(200, "Access-Control-Allow-Origin", o), false, true},
		{"echo without credentials header", answer(200, "Access-Control-Allow-Origin", o), true, false},
		{"echo with credentials", answer(200, "Access-Control-Allow-Origin", o, "Access-Control-Allow-Credentials", "true"), true, true},
		{"credentials not exactly true", answer(200, "Access-Control-Allow-Origin", o, "Access-Control-Allow-Credentials", "True"), true, false},
		{"star", answer(200, "Access-Control-Allow-Origin", "*"), false, true},
		{"star with credentials", answer(200, "Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"), true, false},
		{"another origin", answer(200, "Access-Control-Allow-Origin", "https://other.example.com"), false, false},
		{"case differs", answer(200, "Access-Control-Allow-Origin", "https://APP.example.com"), false, false},
		{"two lines", answer(200, "Access-Control-Allow-Origin", o, "Access-Control-Allow-Origin", o), false, false},
		{"none", answer(200), false, false},
		// A 101 to a request that asked for no upgrade: Fetch waits for a
		// final response, which never comes.
		{"switching protocols", answer(101, "Access-Control-Allow-Origin", o, "Access-Control-Allow-Credentials", "true"), true, false},
		{"switching protocols, star", answer(101, "Access-Control-Allow-Origin", "*"), false, false},
	} {
		if got, why := corsCheck(tc.a, o, tc.creds); got != tc.want {
			t.Errorf("%s: %v (%s), want %v", tc.name, got, why, tc.want)
		}
	}
}

func TestPreflightCheck(t *testing.T) {
	const o = "https://app.example.com"
	ok := func(kv ...string) *Answer {
		return answer(204, append([]string{"Access-Control-Allow-Origin", o, "Access-Control-Allow-Credentials", "true"}, kv...)...)
	}
	for _, tc := range []struct {
		name   string
		a      *Answer
		method string
		names  []string
		creds  bool
		want   bool
	}{
		{"method listed", ok("Access-Control-Allow-Methods", "GET, PUT"), "PUT", nil, true, true},
		{"method missing", ok("Access-Control-Allow-Methods", "GET"), "PUT", nil, true, false},
		{"safelisted method needs no listing", ok(), "POST", nil, true, true},
		{"methods star without credentials", ok("Access-Control-Allow-Methods", "*"), "PUT", nil, false, true},
		{"methods star with credentials", ok("Access-Control-Allow-Methods", "*"), "PUT", nil, true, false},
		{"methods compared byte for byte", ok("Access-Control-Allow-Methods", "PATCH"), "patch", nil, false, false},
		{"headers any case", ok("Access-Control-Allow-Headers", "X-Token"), "GET", []string{"x-token"}, true, true},
		{"headers star", ok("Access-Control-Allow-Headers", "*"), "GET", []string{"x-token"}, false, true},
		{"star never covers authorization", ok("Access-Control-Allow-Headers", "*"), "GET", []string{"authorization"}, false, false},
		{"status not ok", answer(403, "Access-Control-Allow-Origin", o), "GET", nil, false, false},
	} {
		if got, why := preflightCheck(tc.a, o, tc.method, tc.names, tc.creds); got != tc.want {
			t.Errorf("%s: %v (%s), want %v", tc.name, got, why, tc.want)
		}
	}
}

// TestCompareAnswers checks what counts as drift.
func TestCompareAnswers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got *Answer
		preflight bool
		differs   []string
	}{
		{"same", answer(204, "Vary", "Origin"), answer(204, "Vary", "Origin"), true, nil},
		{"status class", answer(204), answer(200), true, nil},
		{"status 2xx against 4xx", answer(204), answer(403), true, []string{"status"}},
		{"status of an actual request is the handler's", answer(0), answer(500), false, nil},
		{"methods as a set", answer(204, "Access-Control-Allow-Methods", "GET, PUT"), answer(204, "Access-Control-Allow-Methods", "PUT,GET"), true, nil},
		{"methods are case-sensitive", answer(204, "Access-Control-Allow-Methods", "PATCH"), answer(204, "Access-Control-Allow-Methods", "patch"), true, []string{"Access-Control-Allow-Methods"}},
		{"headers ignore case", answer(204, "Access-Control-Allow-Headers", "content-type"), answer(204, "Access-Control-Allow-Headers", "Content-Type"), true, nil},
		{"headers over lines", answer(204, "Access-Control-Allow-Headers", "a, b"), answer(204, "Access-Control-Allow-Headers", "b", "Access-Control-Allow-Headers", "a"), true, nil},
		{"handler's Vary names", answer(0, "Vary", "Origin"), answer(0, "Vary", "Accept-Encoding, origin"), false, nil},
		{"Vary missing", answer(0, "Vary", "Origin"), answer(0, "Vary", "Accept-Encoding"), false, []string{"Vary"}},
		{"origin exact", answer(0, "Access-Control-Allow-Origin", "https://a.example"), answer(0, "Access-Control-Allow-Origin", "https://A.example"), false, []string{"Access-Control-Allow-Origin"}},
		{"an extra header", answer(0), answer(0, "Access-Control-Allow-Credentials", "true"), false, []string{"Access-Control-Allow-Credentials"}},
	} {
		if got := compareAnswers(tc.want, tc.got, tc.preflight); !slices.Equal(got, tc.differs) {
			t.Errorf("%s: differs %q, want %q", tc.name, got, tc.differs)
		}
	}
}

// TestBattery lists the requests of the battery for two sites, so that a
// change shows in review as a change of requests.
func TestBattery(t *testing.T) {
	for _, origin := range []string{"https://www.example.com", "http://localhost:3000"} {
		s, err := ParseSite(origin)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, p := range battery(s, "/api") {
			b.WriteString(p.Check + ": " + p.Method)
			for _, o := range p.Origin {
				b.WriteString(" " + o)
			}
			if p.RequestMethod != "" {
				b.WriteString(" asking " + p.RequestMethod + " " + p.RequestHeaders)
			}
			b.WriteString("\n")
			for name, vs := range p.header() {
				for _, v := range vs {
					if !httpguts.ValidHeaderFieldValue(v) {
						t.Errorf("%s: %s %q cannot be sent", p.Check, name, v)
					}
				}
			}
		}
		name := strings.NewReplacer("://", "-", ":", "-").Replace(origin)
		goldentest.Compare(t, filepath.Join("testdata", "battery", name+".golden"), []byte(b.String()))
	}
}

func TestParseSite(t *testing.T) {
	for in, want := range map[string]Site{
		"https://www.example.com":        {"https", "www.example.com", "", "example.com"},
		"https://www.example.co.uk:8443": {"https", "www.example.co.uk", ":8443", "example.co.uk"},
		"http://WWW.Example.com:80":      {"http", "www.example.com", "", "example.com"},
		"http://127.0.0.1:8080":          {"http", "127.0.0.1", ":8080", "127.0.0.1"},
		"http://[::1]:3000":              {"http", "[::1]", ":3000", "[::1]"},
		// The ASCII form a browser sends, as a policy's origins are read.
		"https://Bücher.example:443": {"https", "xn--bcher-kva.example", "", "xn--bcher-kva.example"},
	} {
		got, err := ParseSite(in)
		if err != nil || got != want {
			t.Errorf("ParseSite(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"null", "www.example.com", "https://", "https://a.example/", "https://a.example?x", "ftp://a.example",
		"https://u@a.example", "https://a.example:0", "https://a.example:080", "https://a b.example", strings.Repeat("a", 400),
		// One byte longer than a serialised origin can be: a host of
		// 254 bytes, which no DNS name is.
		"https://" + strings.Repeat("a.", 126) + "ab:65535",
		// Bytes that are not UTF-8 once grew, lower-cased, into an
		// origin too long to read back (found by FuzzParseSite).
		"http://" + strings.Repeat("\xff", 84),
		// Hosts no browser sends, and patterns that are not one origin.
		"https://a_b!.example", "https://xn--a.example", "https://*.example.com", "https://a.example:*", "https://a.example.",
		// Short enough as written, too long in its ASCII form.
		"https://" + strings.Repeat("ü", 60) + ".example"} {
		if _, err := ParseSite(bad); err == nil {
			t.Errorf("ParseSite(%q): no error", bad)
		}
	}
}

// TestDrainBodyIsBounded checks that no more than MaxBodyBytes of a body is
// read, however long it is.
func TestDrainBodyIsBounded(t *testing.T) {
	r := &countingReader{}
	drainBody(r)
	if r.n > MaxBodyBytes || !r.closed {
		t.Errorf("read %d bytes (closed %v), want at most %d", r.n, r.closed, MaxBodyBytes)
	}
}

type countingReader struct {
	n      int
	closed bool
}

func (r *countingReader) Read(p []byte) (int, error) { r.n += len(p); return len(p), nil }
func (r *countingReader) Close() error               { r.closed = true; return nil }

func TestClip(t *testing.T) {
	long := strings.Repeat("é", MaxReportedValue)
	got := clip(long)
	if !strings.HasSuffix(got, " more bytes)") || len(got) > MaxReportedValue+32 || !strings.HasPrefix(got, "é") {
		t.Errorf("clip: %q", got[len(got)-40:])
	}
	if clip("short") != "short" {
		t.Error("clipped a short value")
	}
}

// FuzzAnswer reads any bytes as an HTTP response, as the probe's client
// does, and judges the answer every way the probe does: nothing panics, an
// answer never drifts from itself, and the header lists hold no empty or
// untrimmed item.
func FuzzAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 204 No Content\r\nAccess-Control-Allow-Origin: https://a.example\r\nAccess-Control-Allow-Methods: GET, PUT\r\nVary: Origin\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nAccess-Control-Allow-Origin: *\r\nAccess-Control-Allow-Origin: null\r\nAccess-Control-Allow-Headers: ,, *,authorization\r\nAccess-Control-Allow-Credentials: true\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 403 x\r\nVary: *\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		resp, err := http.ReadResponse(bufio.NewReader(io.LimitReader(bytes.NewReader(raw), MaxHeaderBytes)), nil)
		if err != nil {
			return
		}
		a := answerOf(resp)
		drainBody(resp.Body)
		if d := compareAnswers(a, a, true); len(d) != 0 {
			t.Fatalf("an answer differs from itself in %q", d)
		}
		for _, name := range corsHeaders {
			for _, item := range headerList(a.Header[name]) {
				if item == "" || strings.Trim(item, " \t") != item || strings.Contains(item, ",") {
					t.Fatalf("list item %q", item)
				}
			}
		}
		for _, o := range []string{"https://a.example", "null", ""} {
			corsCheck(a, o, true)
			corsCheck(a, o, false)
			preflightCheck(a, o, "PUT", []string{"authorization", "x-a"}, true)
			preflightCheck(a, o, "GET", nil, false)
		}
		p := &Probe{Check: checkSite, Method: "GET", Path: "/", Origin: []string{"https://a.example"}, Answer: a}
		analyse("http://service.test/", Site{Scheme: "https", Host: "a.example", Registrable: "a.example"}, []*Probe{p})
	})
}

// FuzzParseSite reads any string as a site and derives the battery from
// it: no panic, and every header of every request is one Go's client sends.
func FuzzParseSite(f *testing.F) {
	for _, s := range []string{"https://www.example.com", "http://localhost:3000", "http://[::1]", "https://a.b.c.d.example.co.uk:8443", "https://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		s, err := ParseSite(origin)
		if err != nil {
			return
		}
		if _, err := ParseSite(s.Origin()); err != nil {
			t.Fatalf("the site %q does not parse back: %v", s.Origin(), err)
		}
		for _, p := range battery(s, "/") {
			for name, vs := range p.header() {
				for _, v := range vs {
					if !httpguts.ValidHeaderFieldValue(v) {
						t.Fatalf("%s: %s %q cannot be sent", p.Check, name, v)
					}
				}
			}
		}
	})
}

// TestIntervalIsAWait checks that a rate, however small, spaces requests
// by a wait: a time between two requests too long for a Duration must not
// wrap around into none at all.
func TestIntervalIsAWait(t *testing.T) {
	for _, rate := range []float64{10, 1e-9, 1e-12, 1e-300, math.SmallestNonzeroFloat64} {
		if d := interval(rate); d <= 0 {
			t.Errorf("interval(%g) = %v, want a wait", rate, d)
		}
	}
}

// TestOneRequestPerConnection checks the client under the budget: over
// https to a service that offers HTTP/2 it speaks HTTP/1.1, whose
// connections carry one request each, since Go's HTTP/2 client resends a
// request the service refuses (REFUSED_STREAM, GOAWAY) on a new
// connection by itself, outside the probe's count.
func TestOneRequestPerConnection(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 {
			t.Errorf("the probe spoke %s", r.Proto)
		}
	}))
	srv.EnableHTTP2 = true
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.StartTLS()
	defer srv.Close()
	client := newClient(time.Second)
	tr := client.Transport.(*http.Transport)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	tr.TLSClientConfig = &tls.Config{RootCAs: roots}
	for range 3 {
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		drainBody(resp.Body)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("3 requests on %d connections, want one each", n)
	}
}
