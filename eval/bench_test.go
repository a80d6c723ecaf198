package eval

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/corspolicy/cors/compile"
)

const benchPolicy = `cors 1

policy api {
    allow "https://app.example.com", "https://admin.example.com" {
        methods     "GET", "POST", "PUT", "DELETE"
        headers     "Authorization", "Content-Type", "X-Request-Id"
        expose      "X-Request-Id"
        credentials
        max-age     10m
    }
}
`

// benchRequests are the requests of the peer comparison in bench/, for
// timing the evaluator and the header writer apart from the middleware.
var benchRequests = []struct {
	name string
	req  Request
}{
	{"nonCORS", Request{Method: "GET", Path: "/items/42"}},
	{"actualAllowed", Request{Method: "GET", Path: "/items/42", Origin: []string{"https://app.example.com"}}},
	{"actualDenied", Request{Method: "GET", Path: "/items/42", Origin: []string{"https://evil.example.net"}}},
	{"preflightAllowed", Request{Method: "OPTIONS", Path: "/items/42", Origin: []string{"https://app.example.com"},
		RequestMethod: []string{"PUT"}, RequestHeaders: []string{"authorization,content-type"}}},
	{"preflightDenied", Request{Method: "OPTIONS", Path: "/items/42", Origin: []string{"https://evil.example.net"},
		RequestMethod: []string{"PUT"}, RequestHeaders: []string{"authorization,content-type"}}},
}

func benchTable(b *testing.B) *compile.Table {
	prog, err := compile.CompileSource("bench.cors", []byte(benchPolicy), compile.Options{})
	if err != nil {
		b.Fatal(err)
	}
	tab, err := prog.Policy("api")
	if err != nil {
		b.Fatal(err)
	}
	return tab
}

// BenchmarkEvaluate times deciding alone.
func BenchmarkEvaluate(b *testing.B) {
	tab := benchTable(b)
	for _, br := range benchRequests {
		b.Run(br.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Evaluate(tab, &br.req)
			}
		})
	}
}

// BenchmarkWrite times writing a decision's headers into an empty map.
func BenchmarkWrite(b *testing.B) {
	tab := benchTable(b)
	for _, br := range benchRequests {
		d := Evaluate(tab, &br.req)
		b.Run(br.name, func(b *testing.B) {
			h := http.Header{}
			b.ReportAllocs()
			for b.Loop() {
				clear(h)
				d.write(h)
			}
		})
	}
}

// BenchmarkMiddleware times the whole middleware on the same requests.
func BenchmarkMiddleware(b *testing.B) {
	tab := benchTable(b)
	h := NewMiddleware(tab).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, br := range benchRequests {
		r := httptest.NewRequest(br.req.Method, "https://api.example.com"+br.req.Path, nil)
		if br.req.Origin != nil {
			r.Header["Origin"] = br.req.Origin
		}
		if br.req.RequestMethod != nil {
			r.Header["Access-Control-Request-Method"] = br.req.RequestMethod
			r.Header["Access-Control-Request-Headers"] = br.req.RequestHeaders
		}
		b.Run(br.name, func(b *testing.B) {
			w := &headerOnlyWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

// headerOnlyWriter keeps the headers and drops the rest.
type headerOnlyWriter struct{ h http.Header }

func (w *headerOnlyWriter) Header() http.Header         { return w.h }
func (w *headerOnlyWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerOnlyWriter) WriteHeader(int)             {}
