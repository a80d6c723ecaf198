package eval

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestMiddleware(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	var reached *http.Request
	handler := NewMiddleware(tab).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	for in, want := range map[string]string{
		"/a/b": "/a/b", "/a/b/": "/a/b/", "/a/../b": "/b", "/a//b": "/a/b", "/a/./b/": "/a/b/", "/..": "/", "": "/",
	} {
		r := &http.Request{URL: mustURL(t, in)}
		if got := requestPath(r); got != want {
			t.Errorf("requestPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func mustURL(t *testing.T, p string) *url.URL {
	t.Helper()
	return &url.URL{Path: p}
}
