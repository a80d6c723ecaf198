package bench

import (
	"net/http"
	"strings"
	"testing"
)

// floorHandler returns a handler written by hand for the benchmark's
// policies that does only the work no correct middleware can skip: read the
// request headers the answer needs, bound the values it compares, look the
// origin up in a map of the exact origins and, when that misses, its parent
// host in a map of the wildcards' bases, and set each response header the
// answer calls for (Vary included, on preflights too). It decides nothing
// else (no parsing of the origin beyond its first label, no path, no policy
// language): the grants are those of every benchmark policy, the requested
// method and headers compared as one string each. So it bounds from below
// what a middleware can reach in this harness.
//
// With fresh, every value comes from one slice made for the response, as no
// handler may be given a header slice that other requests share: the floor
// of a safe middleware. Without, every request is handed the same slices
// made once (the Origin aside), as rs/cors does: not safe, and measured only
// to price the per-response slice.
func floorHandler(p policy, fresh bool, next http.Handler) http.Handler {
	exact := map[string]bool{}
	for _, o := range p.exact {
		exact[o] = true
	}
	wild := map[string]bool{} // the hosts after "https://*."
	for _, o := range p.wild {
		wild[strings.TrimPrefix(o, "https://*.")] = true
	}
	known := func(origin string) bool {
		if len(origin) > maxOrigin {
			return false
		}
		if exact[origin] {
			return true
		}
		if len(wild) == 0 || !strings.HasPrefix(origin, "https://") {
			return false
		}
		host := origin[len("https://"):]
		i := strings.IndexByte(host, '.')
		return i > 0 && wild[host[i+1:]]
	}
	// The values of each answer, an empty first one standing for the origin.
	var (
		varyOrigin      = []string{"Origin"}
		varyPreflight   = []string{varyPre}
		actualValues    = []string{"", "true", "X-Request-Id", "Origin"}
		preflightValues = []string{"", "true", "DELETE, GET, POST, PUT", "authorization, content-type, x-request-id", "600", varyPre}
	)
	shared := func(values []string) [][]string {
		out := make([][]string, len(values))
		for i, v := range values {
			out[i] = []string{v}
		}
		return out
	}
	sharedActual, sharedPreflight := shared(actualValues), shared(preflightValues)
	set := func(h http.Header, names, values []string, sharedValues [][]string, origin string) {
		if fresh {
			buf := make([]string, len(values))
			copy(buf, values)
			buf[0] = origin
			for i, name := range names {
				h[name] = buf[i : i+1 : i+1]
			}
			return
		}
		for i, name := range names {
			h[name] = sharedValues[i]
		}
		h[names[0]] = []string{origin}
	}
	vary := func(h http.Header, v []string) {
		if fresh {
			h["Vary"] = []string{v[0]}
			return
		}
		h["Vary"] = v
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		o := r.Header["Origin"]
		if o == nil {
			vary(h, varyOrigin)
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodOptions {
			if m := r.Header["Access-Control-Request-Method"]; m != nil {
				hs := r.Header["Access-Control-Request-Headers"]
				pn := r.Header["Access-Control-Request-Private-Network"]
				if len(o) == 1 && known(o[0]) && len(m) == 1 && m[0] == "PUT" &&
					len(hs) == 1 && len(hs[0]) <= 4096 && hs[0] == normalACRH && pn == nil {
					set(h, preflightNames, preflightValues, sharedPreflight, o[0])
					w.WriteHeader(http.StatusNoContent)
					return
				}
				vary(h, varyPreflight)
				w.WriteHeader(http.StatusForbidden)
				return
			}
		}
		if len(o) == 1 && known(o[0]) {
			set(h, actualNames, actualValues, sharedActual, o[0])
		} else {
			vary(h, varyOrigin)
		}
		next.ServeHTTP(w, r)
	})
}

// maxOrigin is the longest serialised origin: scheme, a 253-byte host and
// a port.
const maxOrigin = len("https://") + 253 + len(":65535")

const varyPre = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"

var (
	actualNames = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Expose-Headers", "Vary"}
	preflightNames = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Vary"}
)

// BenchmarkFloor times the floor of every scenario twice: with a fresh
// slice per response, as BenchmarkMiddleware's "floor" does, and with
// shared slices, which prices the per-response slice.
func BenchmarkFloor(b *testing.B) {
	for _, sc := range scenarios {
		for _, variant := range []string{"fresh", "shared"} {
			b.Run(sc.name+"/"+variant, func(b *testing.B) {
				h := floorHandler(policyNamed(sc.policy), variant == "fresh", noop)
				w := &rw{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(w.h)
					h.ServeHTTP(w, sc.req)
				}
			})
		}
	}
}
