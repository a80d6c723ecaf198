package bench

import (
	"net/http"
	"testing"
)

func BenchmarkFloor(b *testing.B) {
	noopH := noop
	cases := []struct {
		name string
		req  *http.Request
		h    http.HandlerFunc
	}{
		{"empty", scenarios[0].req, func(w http.ResponseWriter, r *http.Request) { noopH.ServeHTTP(w, r) }},
		{"nonCORS-shared", scenarios[0].req, func(w http.ResponseWriter, r *http.Request) {
			if r.Header["Origin"] == nil {
				w.Header()["Vary"] = sharedVary
			}
			noopH.ServeHTTP(w, r)
		}},
		{"nonCORS-alloc", scenarios[0].req, func(w http.ResponseWriter, r *http.Request) {
			if r.Header["Origin"] == nil {
				w.Header()["Vary"] = []string{"Origin"}
			}
			noopH.ServeHTTP(w, r)
		}},
		{"actualAllowed-alloc", scenarios[1].req, func(w http.ResponseWriter, r *http.Request) {
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

var sharedVary = []string{"Origin"}
var exactSet = map[string]bool{"https://app.example.com": true, "https://admin.example.com": true}
