// Package query answers the questions a security reviewer asks of a policy
// (who may send credentials, and where; what may this origin do; who may
// make this request; who may send this header) from its decision table,
// exactly: the answer is every region of the request space (package
// partition) whose requests the question selects and the policy allows,
// merged into products of origins, paths, methods and kinds of request,
// each with a witness request written as a fixture case.
//
// A question selects requests by any of: the origin, the path, the method
// asked for (an actual request's, or the one a preflight announces),
// credentials (actual requests that carry them), and a request header (a
// preflight asking for that header alone). Requests without Origin are
// never selected: CORS does not apply to them. Every request of a region is
// allowed or denied as its witness is, so the answer misses no allowed
// request and names no denied one.
package query

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/partition"
)

// Question selects the requests to ask about; a zero field selects any.
type Question struct {
	Credentials bool   `json:"credentials,omitempty"` // actual requests carrying credentials
	Origin      string `json:"origin,omitempty"`      // requests from this origin, a serialised origin
	Path        string `json:"path,omitempty"`        // requests for this path, as sent: escapes decoded as the middleware decodes them
	Method      string `json:"method,omitempty"`      // requests with this method, or preflights announcing it
	Header      string `json:"header,omitempty"`      // preflights asking for this request header alone
}

// String says what the question asks, as a heading reads.
func (q Question) String() string {
	var parts []string
	switch {
	case q.Credentials:
		parts = append(parts, "actual requests with credentials")
	case q.Header != "":
		parts = append(parts, "preflights asking for "+q.Header)
	default:
		parts = append(parts, "requests")
	}
	if q.Origin != "" {
		parts = append(parts, "from "+q.Origin)
	}
	if q.Path != "" {
		parts = append(parts, "to "+q.Path)
	}
	if q.Method != "" {
		parts = append(parts, "with method "+q.Method)
	}
	return strings.Join(parts, " ")
}

// Result is the answer to a question.
type Result struct {
	Question Question `json:"question"`
	Policy   string   `json:"policy"`
	// Entries are the requests the question selects that the policy
	// allows, in the order of the regions.
	Entries []*Entry `json:"entries"`
	// Note says why nothing can be allowed, when the question itself
	// rules it out (a path the engine never judges).
	Note string `json:"note,omitempty"`

	space   *partition.Space
	allowed map[partition.Region]bool
	path    string // the question's path as the middleware judges it, or ""
}

// Entry is a set of regions allowed alike: every request of the origins,
// paths, methods and kinds of request it describes (a product of them)
// that the question selects is allowed, with the grant it names.
type Entry struct {
	Origins       string                  `json:"origins"`
	OriginClasses []partition.OriginClass `json:"origin_classes"`
	Paths         string                  `json:"paths"`
	Methods       string                  `json:"methods"`
	Requests      string                  `json:"requests"`
	// Grant is what the answers grant beyond the verdict: credentials,
	// the public "*", private network access.
	Grant   string  `json:"grant"`
	Witness Witness `json:"witness"`
	Regions int     `json:"regions"`
}

// Witness is a request of an entry, with the policy's answer.
type Witness struct {
	Request partition.JSONRequest `json:"request"`
	Answer  partition.Answer      `json:"answer"`
	// Case is the request as a fixture case expecting that answer.
	Case string `json:"case"`
}

// Ask answers a question about a policy. It fails on a question that
// selects nothing a browser could send (an origin that is not a serialised
// origin, a path that does not start with "/", a method or header that is
// not a token) and when the policy is past the bounds of package partition.
func Ask(t *compile.Table, q Question) (*Result, error) {
	if err := q.check(); err != nil {
		return nil, err
	}
	s, err := partition.New(t)
	if err != nil {
		return nil, fmt.Errorf("%s: policy %s: %w", t.Pos, t.Name, err)
	}
	res := &Result{Question: q, Policy: t.Name, space: s, allowed: map[partition.Region]bool{}}
	if q.Path != "" {
		if res.path, err = judgedPath(q.Path); err != nil {
			return nil, err
		}
	}
	if q.Path != "" && pathset.Unjudged(res.path) {
		res.Note = q.Path + " holds a dot segment, a backslash or an escaped slash or backslash: such a path is denied whatever the policy"
		return res, nil
	}
	// The region each exact value falls in, or -1 for any.
	group, path, method := -1, -1, -1
	probe := eval.Request{Method: "GET", Path: "/", Origin: []string{"https://example.com"}}
	if q.Origin != "" {
		probe.Origin = []string{q.Origin}
	}
	if q.Path != "" {
		probe.Path = res.path
	}
	if q.Method != "" {
		probe.Method = q.Method
	}
	r, _ := s.Locate(&probe)
	if q.Origin != "" {
		if group = r.Group; group == partition.BadOriginGroup {
			return nil, fmt.Errorf("origin %q is not a serialised origin as browsers send one (scheme://host[:port], lower case, no path)", q.Origin)
		}
	}
	if q.Path != "" {
		path = r.Path
	}
	if q.Method != "" {
		method = r.Method
	}
	var found []partition.Region
	var witnesses []eval.Request
	var decisions []eval.Decision
	var keys []string
	s.Each(func(r partition.Region) bool {
		g := s.Groups()[r.Group]
		switch {
		case g.Kind != partition.Origins, r.Method == partition.Invalid,
			group >= 0 && r.Group != group, path >= 0 && r.Path != path, method >= 0 && r.Method != method,
			q.Credentials && (r.Kind != eval.Actual || !r.Credentials),
			q.Header != "" && (r.Kind != eval.Preflight || r.Headers != g.HeaderRegionOf([]string{q.Header})):
			return true
		}
		w := res.witness(r)
		d := eval.Evaluate(t, &w)
		if !d.Allowed {
			return true
		}
		res.allowed[r] = true
		found = append(found, r)
		witnesses = append(witnesses, w)
		decisions = append(decisions, d)
		keys = append(keys, grant(partition.AnswerOf(&d)))
		return true
	})
	headers := ""
	if q.Header != "" {
		headers = q.Header
	}
	for _, p := range s.Merge(found, keys, headers) {
		w, d := witnesses[p.First], decisions[p.First]
		e := &Entry{Origins: p.Origins, OriginClasses: p.OriginClasses, Paths: p.Paths, Methods: p.Methods,
			Requests: p.Requests, Grant: p.Key, Regions: p.Regions,
			Witness: Witness{Request: partition.JSONRequestOf(&w), Answer: partition.AnswerOf(&d), Case: partition.Case(&w, &d, present(&d), nil)}}
		if q.Origin != "" {
			e.Origins = q.Origin
		}
		if q.Path != "" {
			e.Paths = q.Path
		}
		if q.Method != "" {
			e.Methods = q.Method
		}
		res.Entries = append(res.Entries, e)
	}
	return res, nil
}

// judgedPath returns the path the middleware judges for a request sent
// with path as its target: escapes decoded, never cleaned
// (eval.RequestOf), or an error when no request can send it.
func judgedPath(path string) (string, error) {
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return "", fmt.Errorf("path %q is not a path a request can send: %v", path, err)
	}
	r := eval.RequestOf(&http.Request{Method: "GET", URL: u, Header: http.Header{}})
	return r.Path, nil
}

// check refuses a question no browser request could match.
func (q Question) check() error {
	if q.Path != "" && !strings.HasPrefix(q.Path, "/") {
		return fmt.Errorf("path %q does not start with /", q.Path)
	}
	if q.Method != "" && (!compile.IsToken(q.Method) || len(q.Method) > compile.MaxMethodLength) {
		return fmt.Errorf("method %q is not a token of at most %d bytes", q.Method, compile.MaxMethodLength)
	}
	if q.Header != "" && !compile.IsToken(q.Header) {
		return fmt.Errorf("header %q is not a header name (a token)", q.Header)
	}
	return nil
}

// witness returns the witness of a region with the question's own values
// in it, so that the question selects it.
func (res *Result) witness(r partition.Region) eval.Request {
	q := res.Question
	w := res.space.Witness(r)
	if q.Origin != "" {
		w.Origin = []string{q.Origin}
	}
	if q.Path != "" {
		w.Path = res.path
	}
	if q.Method != "" {
		if r.Kind == eval.Preflight {
			w.RequestMethod = []string{q.Method}
		} else {
			w.Method = q.Method
		}
	}
	if q.Header != "" {
		w.RequestHeaders = []string{q.Header}
	}
	return w
}

// grant says what an allowing answer grants beyond the verdict.
func grant(a partition.Answer) string {
	var parts []string
	switch {
	case a.AllowCredentials:
		parts = append(parts, "allowed with credentials")
	case a.AllowOrigin == "*":
		parts = append(parts, "allowed to every origin (*), without credentials")
	default:
		parts = append(parts, "allowed without credentials")
	}
	if a.AllowPrivateNetwork {
		parts = append(parts, "private network access")
	}
	return strings.Join(parts, ", ")
}

// present returns the response headers an answer sends.
func present(d *eval.Decision) []string {
	h := d.Header()
	return slices.DeleteFunc(slices.Clone(partition.ResponseHeaders), func(name string) bool { return len(h.Values(name)) == 0 })
}

// Allows reports whether the question selects the request and the policy
// allows it: whether the answer covers it. The request is read as the
// middleware reads one; a preflight carrying credentials, which the
// middleware never presents, is not covered.
func (res *Result) Allows(req *eval.Request) bool {
	if !res.selects(req) {
		return false
	}
	r, ok := res.space.Locate(req)
	return ok && res.allowed[r]
}

// selects reports whether the question selects a request.
func (res *Result) selects(req *eval.Request) bool {
	q := res.Question
	if len(req.Origin) == 0 {
		return false
	}
	preflight := req.Method == "OPTIONS" && req.RequestMethod != nil
	method := req.Method
	if preflight {
		if len(req.RequestMethod) != 1 {
			return false
		}
		method = req.RequestMethod[0]
	}
	switch {
	case q.Origin != "" && (len(req.Origin) != 1 || req.Origin[0] != q.Origin),
		q.Path != "" && req.Path != res.path,
		q.Method != "" && method != q.Method,
		q.Credentials && (preflight || !req.Credentials):
		return false
	}
	if q.Header != "" {
		names, ok := partition.RequestHeaderNames(req.RequestHeaders)
		if !preflight || !ok || len(names) == 0 {
			return false
		}
		for _, n := range names {
			if !strings.EqualFold(n, q.Header) {
				return false
			}
		}
	}
	return true
}
