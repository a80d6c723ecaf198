package eval

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestMiddleware(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	var reached *http.Request
	handler := NewMiddleware(tab, DecisionInContext()).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = r
		w.Header().Add("Vary", "Accept-Encoding")
		w.WriteHeader(http.StatusTeapot)
	}))
	serve := func(method, target string, header map[string]string) *httptest.ResponseRecorder {
		reached = nil
		r := httptest.NewRequest(method, target, nil)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		w.Header().Set("Vary", "Cookie") // set by an outer middleware
		handler.ServeHTTP(w, r)
		return w
	}

	t.Run("an allowed preflight is answered and never reaches the handler", func(t *testing.T) {
		w := serve("OPTIONS", "/api/items", map[string]string{"Origin": app, "Access-Control-Request-Method": "PUT"})
		if reached != nil || w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != app {
			t.Errorf("reached=%v code=%d headers=%v", reached != nil, w.Code, w.Header())
		}
		if got := w.Header().Values("Vary"); len(got) != 2 || got[0] != "Cookie" {
			t.Errorf("Vary = %q; want the outer value kept and ours added", got)
		}
	})
	t.Run("a denied preflight is 403 without CORS headers", func(t *testing.T) {
		w := serve("OPTIONS", "/api/items", map[string]string{"Origin": "https://evil.example.org", "Access-Control-Request-Method": "PUT"})
		if reached != nil || w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("reached=%v code=%d headers=%v", reached != nil, w.Code, w.Header())
		}
	})
	t.Run("a Cookie on a preflight is not credentials", func(t *testing.T) {
		// Browsers never send cookies on a preflight; one that arrives
		// must not make a rule without credentials refuse it.
		w := serve("OPTIONS", "/api/items", map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PATCH", "Cookie": "session=1"})
		if reached != nil || w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
			t.Errorf("reached=%v code=%d headers=%v", reached != nil, w.Code, w.Header())
		}
	})
	t.Run("OPTIONS without Access-Control-Request-Method reaches the handler", func(t *testing.T) {
		serve("OPTIONS", "/api/items", map[string]string{"Origin": app})
		if reached == nil {
			t.Error("the handler was not called")
		}
	})
	t.Run("an actual request reaches the handler with its decision", func(t *testing.T) {
		w := serve("GET", "/api/items", map[string]string{"Origin": app})
		if reached == nil || w.Code != http.StatusTeapot {
			t.Fatalf("reached=%v code=%d", reached != nil, w.Code)
		}
		d := FromContext(reached.Context())
		if d == nil || !d.Allowed || d.Kind != Actual || len(d.Rules) != 1 {
			t.Errorf("decision = %+v", d)
		}
		if w.Header().Get("Access-Control-Allow-Origin") != app {
			t.Errorf("headers = %v", w.Header())
		}
	})
	t.Run("a denied actual request still reaches the handler, without CORS headers", func(t *testing.T) {
		w := serve("GET", "/api/items", map[string]string{"Origin": "https://evil.example.org"})
		if reached == nil || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("reached=%v headers=%v", reached != nil, w.Header())
		}
		if d := FromContext(reached.Context()); d == nil || d.Allowed || d.Failed != CheckOrigin {
			t.Errorf("decision = %+v", d)
		}
	})
	t.Run("a request without Origin has no decision in its context", func(t *testing.T) {
		serve("GET", "/api/items", nil)
		if reached == nil || FromContext(reached.Context()) != nil {
			t.Error("want the handler reached, with no decision")
		}
	})
	t.Run("dot segments are resolved before paths are matched", func(t *testing.T) {
		w := serve("OPTIONS", "/public/../api/admin/x", map[string]string{"Origin": app, "Access-Control-Request-Method": "DELETE"})
		if w.Code != 403 {
			t.Errorf("code = %d; want the deny on /api/admin/** to apply", w.Code)
		}
	})
}

func TestRequestPath(t *testing.T) {
	for _, tt := range []struct{ target, want string }{
		{"/a/b", "/a/b"},
		{"/a/b/", "/a/b/"},
		{"/a/../b", "/a/../b"},
		{"/a//b", "/a//b"},
		{"/a/%2e%2e/b", "/a/../b"},
		{"/a%2fb", "/a%2fb"},
		{"/a%2F..%2Fb", "/a%2F..%2Fb"},
		{"/a%5cb", "/a\\b"},
		{"/%61dmin", "/admin"},
		{"*", "*"},
	} {
		u, err := url.ParseRequestURI(tt.target)
		if tt.target == "*" {
			u, err = &url.URL{Path: "*"}, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := requestPath(&http.Request{URL: u}); got != tt.want {
			t.Errorf("requestPath(%q) = %q, want %q", tt.target, got, tt.want)
		}
	}
}

// TestMiddlewareAllocs pins what the middleware allocates per request: the
// one slice that holds the response's CORS header values, and nothing for a
// response that has none; two more with DecisionInContext on an actual
// request.
func TestMiddlewareAllocs(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	plain, withDecision := NewMiddleware(tab).Wrap(next), NewMiddleware(tab, DecisionInContext()).Wrap(next)
	req := func(method, target string, header map[string]string) *http.Request {
		r := httptest.NewRequest(method, target, nil)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		return r
	}
	tests := []struct {
		name    string
		handler http.Handler
		req     *http.Request
		want    float64
	}{
		{"not CORS, with Vary", plain, req("GET", "/api/items", nil), 1},
		{"not CORS, no header at all", plain, req("GET", "/other", nil), 0},
		{"actual", plain, req("GET", "/api/items", map[string]string{"Origin": app}), 1},
		{"actual with the decision in the context", withDecision, req("GET", "/api/items", map[string]string{"Origin": app}), 3},
		{"preflight", plain, req("OPTIONS", "/api/items", map[string]string{"Origin": app, "Access-Control-Request-Method": "PUT"}), 1},
		// The path kept escaped (RawPath) is checked against Path in place.
		{"actual, path with an escaped slash", plain, req("GET", "/api/a%2Fb%41c", map[string]string{"Origin": app}), 1},
	}
	for _, tt := range tests {
		w := &headerOnly{h: http.Header{}}
		got := testing.AllocsPerRun(100, func() {
			clear(w.h)
			tt.handler.ServeHTTP(w, tt.req)
		})
		if got != tt.want {
			t.Errorf("%s: %v allocations, want %v", tt.name, got, tt.want)
		}
	}
}

type headerOnly struct{ h http.Header }

func (w *headerOnly) Header() http.Header         { return w.h }
func (w *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerOnly) WriteHeader(int)             {}

// TestDecodesTo holds decodesTo to url.PathUnescape by brute force: every
// raw path it reads, against its own decoding and against a near miss.
func TestDecodesTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "%%%2fF5cC/a0gG9+"
	for range 200000 {
		b := make([]byte, rng.IntN(10))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		raw := string(b)
		decoded, err := url.PathUnescape(raw)
		for _, p := range []string{decoded, decoded + "a", strings.TrimSuffix(decoded, "/"), "/" + decoded} {
			if want := err == nil && p == decoded; decodesTo(raw, p) != want {
				t.Fatalf("decodesTo(%q, %q) = %v, want %v", raw, p, !want, want)
			}
		}
	}
}
