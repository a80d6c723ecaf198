package bench

import (
	"net/http"
	"testing"
)

// BenchmarkFloor times hand-written handlers, one per scenario of the base
// policy, that do only the work no correct and safe middleware can skip:
// read the request headers the answer needs, look the origin up in a map,
// set each response header the scenario calls for (Vary included, on
// preflights too), from one slice made for the response, since no handler
// may be given a header slice that other requests share. They decide
// nothing else (no parsing of the origin, no path, no policy), so they
// bound from below what any middleware can reach in this harness; the
// ratio of a floor to the faster peer is the best ratio there is.
func BenchmarkFloor(b *testing.B) {
	noopH := noop
	varyPre := "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	cases := []struct {
		name string
		req  *http.Request
		h    http.HandlerFunc
	}{
		{"nonCORS", scenarios[0].req, func(w http.ResponseWriter, r *http.Request) {
			if r.Header["Origin"] == nil {
				w.Header()["Vary"] = []string{"Origin"}
			}
			noopH.ServeHTTP(w, r)
		}},
		{"actualAllowed", scenarios[1].req, func(w http.ResponseWriter, r *http.Request) {
			o := r.Header["Origin"]
			if _, ok := exactSet[o[0]]; ok {
				h := w.Header()
				buf := []string{o[0], "true", "X-Request-Id", "Origin"}
				h["Access-Control-Allow-Origin"] = buf[0:1:1]
				h["Access-Control-Allow-Credentials"] = buf[1:2:2]
				h["Access-Control-Expose-Headers"] = buf[2:3:3]
				h["Vary"] = buf[3:4:4]
			}
			noopH.ServeHTTP(w, r)
		}},
		{"actualDenied", scenarios[2].req, func(w http.ResponseWriter, r *http.Request) {
			o := r.Header["Origin"]
			if _, ok := exactSet[o[0]]; !ok {
				w.Header()["Vary"] = []string{"Origin"}
			}
			noopH.ServeHTTP(w, r)
		}},
		{"preflightAllowed", scenarios[3].req, func(w http.ResponseWriter, r *http.Request) {
			o := r.Header["Origin"]
			m := r.Header["Access-Control-Request-Method"]
			hs := r.Header["Access-Control-Request-Headers"]
			pn := r.Header["Access-Control-Request-Private-Network"]
			if _, ok := exactSet[o[0]]; ok && m[0] == "PUT" && hs[0] == "authorization,content-type" && pn == nil {
				h := w.Header()
				buf := []string{o[0], "true", "DELETE, GET, POST, PUT", "authorization, content-type, x-request-id", "600", varyPre}
				h["Access-Control-Allow-Origin"] = buf[0:1:1]
				h["Access-Control-Allow-Credentials"] = buf[1:2:2]
				h["Access-Control-Allow-Methods"] = buf[2:3:3]
				h["Access-Control-Allow-Headers"] = buf[3:4:4]
				h["Access-Control-Max-Age"] = buf[4:5:5]
				h["Vary"] = buf[5:6:6]
				w.WriteHeader(204)
			}
		}},
		{"preflightDenied", scenarios[4].req, func(w http.ResponseWriter, r *http.Request) {
			o := r.Header["Origin"]
			m := r.Header["Access-Control-Request-Method"]
			if _, ok := exactSet[o[0]]; !ok && m != nil {
				w.Header()["Vary"] = []string{varyPre}
				w.WriteHeader(403)
			}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			w := &rw{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				c.h.ServeHTTP(w, c.req)
			}
		})
	}
}

// exactSet is the base policy's origins, as the floors look them up.
var exactSet = func() map[string]bool {
	m := map[string]bool{}
	for _, o := range basePolicy.exact {
		m[o] = true
	}
	return m
}()
