package bench

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
)

// rw is the response writer of the benchmarks: it keeps the headers and
// throws everything else away, so that only the middleware is measured.
type rw struct{ h http.Header }

func (w *rw) Header() http.Header         { return w.h }
func (w *rw) Write(b []byte) (int, error) { return len(b), nil }
func (w *rw) WriteHeader(int)             {}

// decision is what a browser would make of a response, as the Fetch
// standard's CORS check and CORS-preflight fetch do for a credentialed
// request: allowed when Access-Control-Allow-Origin is the request's origin
// and Access-Control-Allow-Credentials is "true"; for a preflight, also a 2xx
// status, the requested method in Access-Control-Allow-Methods and every
// requested header in Access-Control-Allow-Headers.
type decision struct {
	allowed bool
	status  int
	acao    string
}

func decide(t *testing.T, h http.Handler, sc scenario) decision {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, sc.req)
	res := w.Result()
	acao := res.Header.Get("Access-Control-Allow-Origin")
	d := decision{status: res.StatusCode, acao: acao}
	d.allowed = acao != "" && acao == sc.req.Header.Get("Origin") &&
		res.Header.Get("Access-Control-Allow-Credentials") == "true"
	if sc.req.Method == http.MethodOptions {
		ok := res.StatusCode >= 200 && res.StatusCode <= 299
		acam := listOf(res.Header.Values("Access-Control-Allow-Methods"), false)
		ok = ok && acam[sc.req.Header.Get("Access-Control-Request-Method")]
		acah := listOf(res.Header.Values("Access-Control-Allow-Headers"), true)
		for name := range listOf(sc.req.Header.Values("Access-Control-Request-Headers"), true) {
			ok = ok && acah[name]
		}
		d.allowed = d.allowed && ok
	}
	return d
}

// listOf splits comma-separated header lines into a set of trimmed names,
// lower-cased when fold is set.
func listOf(lines []string, fold bool) map[string]bool {
	set := map[string]bool{}
	for _, l := range lines {
		for v := range strings.SplitSeq(l, ",") {
			v = strings.TrimSpace(v)
			if fold {
				v = strings.ToLower(v)
			}
			if v != "" {
				set[v] = true
			}
		}
	}
	return set
}

// TestSameDecisions checks that, for every scenario, the three middleware
// allow or deny alike (and as the policy says), so that the benchmarks
// compare the same work.
func TestSameDecisions(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			// A preflight is the middleware's to answer; every other
			// request goes on to the handler.
			wantNext := sc.req.Method != http.MethodOptions
			for _, im := range impls {
				called := false
				next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true })
				h, err := handlerFor(sc.policy, im, next)
				if err != nil {
					t.Fatalf("%s: %v", im.name, err)
				}
				d := decide(t, h, sc)
				t.Logf("%-6s allowed=%-5v status=%d next=%-5v acao=%q", im.name, d.allowed, d.status, called, d.acao)
				if d.allowed != sc.allowed {
					t.Errorf("%s: allowed = %v, want %v", im.name, d.allowed, sc.allowed)
				}
				if called != wantNext {
					t.Errorf("%s: handler called = %v, want %v", im.name, called, wantNext)
				}
			}
		})
	}
}

func BenchmarkMiddleware(b *testing.B) {
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			for _, im := range impls {
				b.Run(im.name, func(b *testing.B) {
					h, err := handlerFor(sc.policy, im, nil)
					if err != nil {
						b.Fatal(err)
					}
					w := &rw{h: http.Header{}}
					req := sc.req
					b.ReportAllocs()
					for b.Loop() {
						clear(w.h)
						h.ServeHTTP(w, req)
					}
				})
			}
		})
	}
}

// BenchmarkBuild measures building each middleware for the policy of N
// exact origins and 100 wildcard patterns. For ours this includes parsing
// the .cors source text, which is rendered beforehand. Besides the time and
// what building allocates, it reports kept-B: the bytes of heap the built
// middleware keeps alive, measured once after the timed loop.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []string{"100", "10000", "100000"} {
		b.Run(n, func(b *testing.B) {
			pol := policyNamed("origins" + n)
			for _, im := range impls {
				if im.name == "floor" {
					continue
				}
				b.Run(im.name, func(b *testing.B) {
					build := im.prepare(pol)
					b.ReportAllocs()
					for b.Loop() {
						if _, err := build(noop); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(kept(b, build)), "kept-B")
				})
			}
			// Ours again from the parsed file: the compile alone, which
			// ours less this prices the parse.
			b.Run("ours-parsed", func(b *testing.B) {
				f, err := lang.Parse("bench.cors", []byte(pol.source()))
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					prog, err := compile.Compile(f, compile.Options{})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := prog.Policy("api"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// kept returns the bytes of heap that a middleware built by build keeps
// alive.
func kept(b *testing.B, build func(http.Handler) (http.Handler, error)) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	h, err := build(noop)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(h)
	if after.HeapAlloc < before.HeapAlloc {
		return 0
	}
	return after.HeapAlloc - before.HeapAlloc
}

// TestFloorWritesOurHeaders checks that the floor answers every scenario
// with the status and headers ours answers it with, so that ours ÷ floor
// compares the same output. It also logs which peers write the same
// headers: ours ÷ peer compares like with like only for those.
func TestFloorWritesOurHeaders(t *testing.T) {
	for _, sc := range scenarios {
		answers := map[string]*httptest.ResponseRecorder{}
		for _, im := range impls {
			h, err := handlerFor(sc.policy, im, nil) // built once, around noop
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, sc.req)
			answers[im.name] = w
		}
		same := func(a, b *httptest.ResponseRecorder) bool {
			if a.Code != b.Code || len(a.Header()) != len(b.Header()) {
				return false
			}
			for k, v := range a.Header() {
				if strings.Join(v, ", ") != strings.Join(b.Header()[k], ", ") {
					return false
				}
			}
			return true
		}
		if ours, floor := answers["ours"], answers["floor"]; !same(ours, floor) {
			t.Errorf("%s: ours answers %d %v, the floor %d %v", sc.name, ours.Code, ours.Header(), floor.Code, floor.Header())
		}
		var alike []string
		for _, peer := range []string{"rscors", "jub0bs"} {
			if same(answers["ours"], answers[peer]) {
				alike = append(alike, peer)
			}
		}
		t.Logf("%-28s peers writing the same headers as ours: %v", sc.name, alike)
	}
}
