package eval

import (
	"strings"

	"github.com/corspolicy/cors/compile"
)

// Limits on Access-Control-Request-Headers. Browsers send a handful of
// names; a value past these limits is denied without being read further, so
// that a hostile preflight costs time linear in a bounded length.
const (
	MaxRequestHeadersBytes = 4096
	MaxRequestHeaderNames  = 64
)

const (
	varyPreflight    = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	varyPreflightPNA = varyPreflight + ", Access-Control-Request-Private-Network"
)

// Evaluate answers a request with the policy compiled in t. It does not
// allocate.
func Evaluate(t *compile.Table, r *Request) Decision {
	var d Decision
	decide(t, r, &d)
	return d
}

// decide is Evaluate filling in d, which starts as the zero Decision: the
// middleware keeps its Decision on its own stack and spares the copy.
func decide(t *compile.Table, r *Request, d *Decision) {
	dependent := t.OriginDependent(r.Path)
	evaluate(t, r, dependent, d)
	if !dependent && (d.Kind == NotCORS || d.Kind == Actual && !d.Allowed) {
		// Every origin gets the same answer here, so every response but
		// a preflight carries it: without an Origin, and on a denied
		// request too (the browser refuses it to that request all the
		// same: credentials beside "*", or an Origin that is not one), so
		// that a cache holding any of them serves the others right.
		if g := grantFor(t.Public(), r.Path, r.Method); g != nil && g.Public {
			d.AllowOrigin, d.ExposeHeaders = "*", g.ExposeHeaders
		}
	}
}

// evaluate fills in d, which starts as the zero Decision; filling it in
// place spares copying the Decision at every return. dependent says
// whether the answer for the path can depend on the origin.
func evaluate(t *compile.Table, r *Request, dependent bool, d *Decision) {
	switch {
	case len(r.Origin) == 0:
		d.Kind = NotCORS
	case r.Method == "OPTIONS" && r.RequestMethod != nil:
		d.Kind = Preflight
		d.Vary = varyPreflight
		if t.PrivateNetwork {
			d.Vary = varyPreflightPNA
		}
	default:
		d.Kind = Actual
	}
	if d.Kind != Preflight && dependent {
		d.Vary = "Origin"
	}
	if d.Kind == NotCORS {
		d.Allowed = true // CORS does not apply
		return
	}
	if len(r.Origin) > 1 {
		d.deny(CheckOrigin, "several Origin headers", nil)
		return
	}
	origin := r.Origin[0]
	cell, ok := t.Lookup(origin)
	if !ok {
		d.deny(CheckOrigin, "not a serialised origin", nil)
		return
	}
	method := r.Method
	if d.Kind == Preflight {
		if len(r.RequestMethod) != 1 || r.RequestMethod[0] == "" {
			d.deny(CheckMethod, "Access-Control-Request-Method must be one method", nil)
			return
		}
		method = r.RequestMethod[0]
	}
	for i, rule := range cell.Deny {
		if coversRequest(rule, r.Path, method) {
			// A window of the cell's own list names the rule: no
			// allocation.
			d.deny(CheckOrigin, "denied by rule", cell.Deny[i:i+1:i+1])
			return
		}
	}
	g := grantFor(cell, r.Path, "")
	if g == nil {
		d.deny(CheckOrigin, "no allow rule covers this origin and path", nil)
		return
	}
	d.Rules = g.Rules
	if !g.HasMethod(method) {
		d.deny(CheckMethod, method, nil)
		return
	}
	if !g.Credentials && r.credentials() {
		d.deny(CheckCredentials, "credentials are not granted", nil)
		return
	}
	var requestHeaders []string // of a preflight, read once
	if d.Kind == Preflight {
		requestHeaders = r.requestHeaders()
		if name, ok := checkRequestHeaders(g, requestHeaders); !ok {
			d.deny(CheckHeader, name, nil)
			return
		}
		if r.privateNetwork() == "true" {
			if !g.PrivateNetwork {
				d.deny(CheckPrivateNetwork, "private network access is not granted", nil)
				return
			}
			d.AllowPrivateNetwork = "true"
		}
	}
	d.Allowed = true
	d.AllowOrigin = origin
	if g.Public {
		d.AllowOrigin = "*"
	}
	if g.Credentials {
		d.AllowCredentials = "true"
	}
	if d.Kind == Actual {
		d.ExposeHeaders = g.ExposeHeaders
		return
	}
	d.Status = g.Status
	d.AllowMethods = g.AllowMethods
	if g.EchoMethod {
		d.AllowMethods = method
	}
	d.AllowHeaders = g.AllowHeaders
	if g.AnyHeader && g.Credentials && len(requestHeaders) > 0 {
		d.echoHeaders = requestHeaders
	}
	d.MaxAge = g.MaxAgeValue
}

// deny turns d into a denial, decided by rules when they are given. A
// denied response keeps only its Vary header.
func (d *Decision) deny(check Check, detail string, rules []*compile.Rule) {
	d.Allowed, d.Failed, d.Detail = false, check, detail
	if rules != nil {
		d.Rules = rules
	}
	if d.Kind == Preflight {
		d.Status = 403
	}
	d.AllowOrigin, d.AllowCredentials, d.AllowMethods, d.AllowHeaders = "", "", "", ""
	d.ExposeHeaders, d.MaxAge, d.AllowPrivateNetwork, d.echoHeaders = "", "", "", nil
}

// coversRequest reports whether a deny rule covers the path and method.
func coversRequest(r *compile.Rule, path, method string) bool {
	return r.CoversPath(path) && r.CoversMethod(method)
}

// grantFor returns what the allow rules of the cell covering path grant
// together, or nil when none covers it. With a method, it also requires the
// grant to cover the method; the public answer uses that.
func grantFor(c *compile.Cell, path, method string) *compile.Grant {
	var mask, scoped uint64
	if len(c.Allow) > 64 || len(c.Scoped) > 64 {
		var rules, deny []*compile.Rule
		for _, r := range c.Allow {
			if r.CoversPath(path) {
				rules = append(rules, r)
			}
		}
		if len(rules) == 0 {
			return nil
		}
		for _, r := range c.Scoped {
			if r.CoversPath(path) {
				deny = append(deny, r)
			}
		}
		return compile.GrantOf(rules, deny)
	}
	for i, r := range c.Allow {
		if r.CoversPath(path) {
			mask |= 1 << i
		}
	}
	if mask == 0 {
		return nil
	}
	for i, r := range c.Scoped {
		if r.CoversPath(path) {
			scoped |= 1 << i
		}
	}
	g := c.Grant(mask, scoped)
	if method == "" {
		return g
	}
	if !g.HasMethod(method) {
		return nil
	}
	for _, r := range c.Deny {
		if coversRequest(r, path, method) {
			return nil
		}
	}
	return g
}

// checkRequestHeaders checks every name of the Access-Control-Request-Headers
// lines against the grant. It returns the first name not granted, or a
// reason, and false. It takes time linear in the lines' length, which the
// limits bound, and allocates nothing.
func checkRequestHeaders(g *compile.Grant, lines []string) (string, bool) {
	total, names := 0, 0
	for _, line := range lines {
		total += len(line)
		if total > MaxRequestHeadersBytes {
			return "Access-Control-Request-Headers is longer than 4096 bytes", false
		}
		for line != "" {
			name, rest, _ := strings.Cut(line, ",")
			line = rest
			lo, hi := 0, len(name)
			for lo < hi && (name[lo] == ' ' || name[lo] == '\t') {
				lo++
			}
			for hi > lo && (name[hi-1] == ' ' || name[hi-1] == '\t') {
				hi--
			}
			if lo == hi {
				continue
			}
			if names++; names > MaxRequestHeaderNames {
				return "Access-Control-Request-Headers has more than 64 names", false
			}
			if name := name[lo:hi]; !g.AllowsHeader(name) {
				return name, false
			}
		}
	}
	return "", true
}
