package bench

import (
	"net/http"
	"testing"
)

// BenchmarkFloor times hand-written handlers, one per scenario of the base
// policy, that do only the work no correct middleware can skip: read the
// request headers the answer needs, look the origin up in a map, and set
// each response header the scenario calls for (Vary included, on
// preflights too). They decide nothing else (no parsing of the origin, no
// path, no policy), so they bound from below what a middleware can reach
// in this harness.
//
// Each runs twice. "fresh" takes every value from one slice made for the
// response, as no handler may be given a header slice that other requests
// share: the floor of a safe middleware. "shared" hands every request the
// same slices made once (the Origin aside), as rs/cors does: it is not
// safe, and is measured only to price the per-response slice.
func BenchmarkFloor(b *testing.B) {
	const varyPre = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	cases := []struct {
		name   string
		req    *http.Request
		names  []string // the headers to set
		values []string // their values, an empty first one standing for the origin
		status int      // of a preflight
		// match reads what the answer needs and reports whether the
		// request gets it, and the origin to reflect.
		match func(r *http.Request) (string, bool)
	}{
		{"nonCORS", scenarios[0].req, []string{"Vary"}, []string{"Origin"}, 0,
			func(r *http.Request) (string, bool) { return "", r.Header["Origin"] == nil }},
		{"actualAllowed", scenarios[1].req, actualNames, []string{"", "true", "X-Request-Id", "Origin"}, 0,
			func(r *http.Request) (string, bool) {
				o := r.Header["Origin"]
				return o[0], exactSet[o[0]]
			}},
		{"actualDenied", scenarios[2].req, []string{"Vary"}, []string{"Origin"}, 0,
			func(r *http.Request) (string, bool) { return "", !exactSet[r.Header["Origin"][0]] }},
		{"preflightAllowed", scenarios[3].req, preflightNames, []string{"", "true", "DELETE, GET, POST, PUT",
			"authorization, content-type, x-request-id", "600", varyPre}, 204,
			func(r *http.Request) (string, bool) {
				o := r.Header["Origin"]
				m := r.Header["Access-Control-Request-Method"]
				hs := r.Header["Access-Control-Request-Headers"]
				pn := r.Header["Access-Control-Request-Private-Network"]
				return o[0], exactSet[o[0]] && m[0] == "PUT" && hs[0] == normalACRH && pn == nil
			}},
		{"preflightDenied", scenarios[4].req, []string{"Vary"}, []string{varyPre}, 403,
			func(r *http.Request) (string, bool) {
				m := r.Header["Access-Control-Request-Method"]
				return "", !exactSet[r.Header["Origin"][0]] && m != nil
			}},
	}
	for _, c := range cases {
		// The slices the shared variant hands every request.
		shared := make([][]string, len(c.values))
		for i, v := range c.values {
			shared[i] = []string{v}
		}
		for _, variant := range []string{"fresh", "shared"} {
			b.Run(c.name+"/"+variant, func(b *testing.B) {
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					origin, ok := c.match(r)
					if !ok {
						b.Fatal("the scenario's request does not get its answer")
					}
					h := w.Header()
					if variant == "fresh" {
						buf := make([]string, len(c.values))
						copy(buf, c.values)
						if origin != "" {
							buf[0] = origin
						}
						for i, name := range c.names {
							h[name] = buf[i : i+1 : i+1]
						}
					} else {
						for i, name := range c.names {
							h[name] = shared[i]
						}
						if origin != "" {
							h[c.names[0]] = []string{origin}
						}
					}
					if c.status != 0 {
						w.WriteHeader(c.status)
						return
					}
					noop.ServeHTTP(w, r)
				})
				w := &rw{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, c.req)
				}
			})
		}
	}
}

var (
	actualNames = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Expose-Headers", "Vary"}
	preflightNames = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary"}
)

// exactSet is the base policy's origins, as the floors look them up.
var exactSet = func() map[string]bool {
	m := map[string]bool{}
	for _, o := range basePolicy.exact {
		m[o] = true
	}
	return m
}()
