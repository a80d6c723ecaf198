package eval

import (
	"context"
	"net/http"
	"path"
	"strings"
	"sync/atomic"

	"github.com/corspolicy/cors/compile"
)

// Middleware answers CORS for the handlers it wraps, with one policy.
//
// Preflights are answered directly, with the policy's status (204 unless
// the policy says 200) or 403, and never reach the wrapped handler. Other
// requests get their CORS headers and go on to the handler, allowed or
// not: the browser, not the server, withholds a denied response. A handler
// finds the Decision of a CORS request with FromContext.
type Middleware struct {
	table atomic.Pointer[compile.Table]
}

// NewMiddleware returns a middleware that answers with the policy in t.
func NewMiddleware(t *compile.Table) *Middleware {
	m := &Middleware{}
	m.table.Store(t)
	return m
}

// Swap replaces the policy, atomically: each request is answered wholly by
// the old table or wholly by the new one.
func (m *Middleware) Swap(t *compile.Table) { m.table.Store(t) }

// Wrap returns next wrapped in the middleware.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := RequestOf(r)
		d := Evaluate(m.table.Load(), &req)
		d.write(w.Header())
		if d.Kind == Preflight {
			w.WriteHeader(d.Status)
			return
		}
		if d.Kind == Actual {
			// The Decision costs two allocations here (the context and
			// the request copy); non-CORS requests and preflights are
			// spared them.
			// A copy goes into the context, so that d itself stays on
			// the stack for the other kinds of request.
			dc := d
			r = r.WithContext(context.WithValue(r.Context(), decisionKey{}, &dc))
		}
		next.ServeHTTP(w, r)
	})
}

// RequestOf returns what Evaluate needs of an HTTP request, as the
// middleware reads it: the header lines as received, credentials meaning a
// Cookie header, and the path with dot segments resolved.
func RequestOf(r *http.Request) Request {
	req := Request{
		Method:         r.Method,
		Path:           requestPath(r),
		Origin:         r.Header["Origin"],
		RequestMethod:  r.Header["Access-Control-Request-Method"],
		RequestHeaders: r.Header["Access-Control-Request-Headers"],
		Credentials:    len(r.Header["Cookie"]) > 0,
	}
	if v := r.Header["Access-Control-Request-Private-Network"]; len(v) > 0 {
		req.PrivateNetwork = v[0]
	}
	return req
}

type decisionKey struct{}

// FromContext returns the Decision the middleware made for the request whose
// context this is, or nil for a request that was not a CORS request.
func FromContext(ctx context.Context) *Decision {
	d, _ := ctx.Value(decisionKey{}).(*Decision)
	return d
}

// requestPath returns the path rules are matched against: the URL path with
// dot segments and repeated slashes removed, as a router would resolve it,
// so that "/public/../admin" is judged as "/admin". A trailing slash is kept.
func requestPath(r *http.Request) string {
	p := r.URL.Path
	if p == "" {
		return "/"
	}
	if !strings.Contains(p, "/.") && !strings.Contains(p, "//") && p[0] == '/' {
		return p // already clean: no allocation
	}
	clean := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && clean != "/" {
		clean += "/"
	}
	return clean
}
