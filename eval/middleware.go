package eval

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/corspolicy/cors/compile"
)

// Middleware answers CORS for the handlers it wraps, with one policy.
//
// Preflights are answered directly, with the policy's status (204 unless
// the policy says 200) or 403, and never reach the wrapped handler. Other
// requests get their CORS headers and go on to the handler, allowed or
// not: the browser, not the server, withholds a denied response. With the
// DecisionInContext option, a handler finds the Decision of a CORS request
// with FromContext.
type Middleware struct {
	table     atomic.Pointer[compile.Table]
	inContext bool
	log       *decisionLog
}

// An Option configures a Middleware.
type Option func(*Middleware)

// DecisionInContext makes the middleware put the Decision of every actual
// CORS request in the request's context, for FromContext. It is an option
// because it costs two allocations per such request (Go's
// http.Request.WithContext copies the request), which a service that does
// not read the Decision should not pay.
func DecisionInContext() Option {
	return func(m *Middleware) { m.inContext = true }
}

// NewMiddleware returns a middleware that answers with the policy in t.
func NewMiddleware(t *compile.Table, opts ...Option) *Middleware {
	m := &Middleware{}
	m.table.Store(t)
	for _, o := range opts {
		o(m)
	}
	return m
}

// Table returns the policy the middleware answers with now.
func (m *Middleware) Table() *compile.Table { return m.table.Load() }

// Swap replaces the policy, atomically: each request is answered wholly by
// the old table or wholly by the new one.
func (m *Middleware) Swap(t *compile.Table) { m.table.Store(t) }

// Wrap returns next wrapped in the middleware.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := m.table.Load()
		// Without a log or a handler to read it, the decision need only
		// be right in its headers; and some answers need none.
		quick := m.log == nil && !m.inContext
		var cell *compile.Cell // of the Origin, when answered looked it up
		var req Request
		if quick && t.OriginDependentEverywhere() {
			a, c, origin := answered(w, r, t)
			switch a {
			case answeredPreflight:
				w.WriteHeader(http.StatusForbidden)
				return
			case answeredOther:
				next.ServeHTTP(w, r)
				return
			}
			cell = c
			req.readWith(r, origin)
		} else {
			req.read(r)
		}
		var d Decision
		decide(t, &req, &d, quick, cell)
		if m.log != nil {
			m.log.record(r, &req, &d)
		}
		d.write(w.Header())
		if d.Kind == Preflight {
			w.WriteHeader(d.Status)
			return
		}
		if d.Kind == Actual && m.inContext {
			// One allocation holds the context and a copy of the
			// decision, so that d itself stays on the stack.
			r = r.WithContext(&decisionContext{Context: r.Context(), d: d})
		}
		next.ServeHTTP(w, r)
	})
}

// What answered did.
const (
	answeredNone = iota
	answeredPreflight
	answeredOther
)

// answered writes the answer to a request that needs no decision, when the
// table varies on the origin on every path and nothing reads decisions: a
// request without Origin, which gets Vary: Origin; and a request whose
// Origin no allow rule matches (or that is no origin, or several), which
// is denied, with Vary alone. It reports what it answered, if anything
// (the caller then sends a preflight's 403 or calls the handler), and when
// it answered nothing, the cell of the one Origin it looked up and the
// Origin lines, so that they are not looked up again. These are
// the answers decide gives them (FuzzEvaluate and FuzzDifferential hold
// the middleware's to Evaluate's), without reading what would only choose
// the reason for a denial: the path, the Origin's syntax.
func answered(w http.ResponseWriter, r *http.Request, t *compile.Table) (int, *compile.Cell, []string) {
	origin := r.Header["Origin"]
	if len(origin) == 1 {
		if c, ok := t.LookupUnlessDenied(origin[0]); ok && len(c.Allow) > 0 {
			return answeredNone, c, origin // some rule may allow it: decide
		}
	}
	h := w.Header()
	fresh := len(h) == 0
	switch {
	case len(origin) == 0:
		addVary(h, fresh, []string{"Origin"})
	case r.Method == http.MethodOptions && r.Header["Access-Control-Request-Method"] != nil:
		vary := varyPreflight
		if t.PrivateNetwork {
			vary = varyPreflightPNA
		}
		addVary(h, fresh, []string{vary})
		return answeredPreflight, nil, nil
	default:
		addVary(h, fresh, []string{"Origin"})
	}
	return answeredOther, nil, nil
}

// RequestOf returns what Evaluate needs of an HTTP request, as the
// middleware reads it: the header lines as received, credentials meaning a
// Cookie header, and the path as sent, decoded but for escaped slashes. It looks up only
// the headers the kind of request needs: none past Origin for a request
// without one, the preflight headers only for OPTIONS.
func RequestOf(r *http.Request) Request {
	var req Request
	req.read(r)
	req.resolve()
	return req
}

// read fills in req, which starts as the zero Request, from r, leaving to
// Evaluate the headers it may not need (see Request.header).
func (req *Request) read(r *http.Request) { req.readWith(r, r.Header["Origin"]) }

// readWith is read given the Origin lines, already looked up.
func (req *Request) readWith(r *http.Request, origin []string) {
	req.Method, req.Path, req.Origin = r.Method, requestPath(r), origin
	if req.Origin == nil {
		return
	}
	if r.Method == http.MethodOptions {
		req.RequestMethod = r.Header["Access-Control-Request-Method"]
	}
	req.header = r.Header
}

type decisionKey struct{}

// decisionContext carries a Decision; it is its own context value, so that
// carrying one costs one allocation.
type decisionContext struct {
	context.Context
	d Decision
}

func (c *decisionContext) Value(key any) any {
	if key == (decisionKey{}) {
		return &c.d
	}
	return c.Context.Value(key)
}

// FromContext returns the Decision the middleware made for the actual CORS
// request whose context this is, or nil: for a request that was not one, or
// when the middleware was made without DecisionInContext.
func FromContext(ctx context.Context) *Decision {
	d, _ := ctx.Value(decisionKey{}).(*Decision)
	return d
}

// requestPath returns the path rules are matched against: the URL path as
// the request sent it, decoded, and never cleaned. Routers disagree on dot
// segments, repeated slashes and escaped slashes, so the middleware does not
// guess which of them a router resolves: it judges the path as sent, and
// Evaluate denies a path that routers could read as another (see
// pathset.Problem). An escaped slash is kept escaped, so that Evaluate sees
// it; but only from a RawPath that still encodes Path: a layer in front that
// rewrote Path (stripping a prefix, say) leaves a stale RawPath, which
// URL.EscapedPath, and so ServeMux, ignore, and judging it would judge
// another path than the one served.
func requestPath(r *http.Request) string {
	p := r.URL.Path
	if raw := r.URL.RawPath; raw != "" && strings.Count(raw, "/") != strings.Count(p, "/") {
		if decodesTo(raw, p) {
			return raw // it holds %2F: decoding it would split a segment in two
		}
	}
	if p == "" {
		return "/"
	}
	return p
}

// decodesTo reports whether the escaped path raw decodes to p, as
// url.PathUnescape would decode it, without making the decoded copy: the
// request path is read on every request.
func decodesTo(raw, p string) bool {
	j := 0
	for i := 0; i < len(raw); i, j = i+1, j+1 {
		c := raw[i]
		if c == '%' {
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return false
			}
			c, i = unhex(raw[i+1])<<4|unhex(raw[i+2]), i+2
		}
		if j == len(p) || p[j] != c {
			return false
		}
	}
	return j == len(p)
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
