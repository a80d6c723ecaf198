package eval

import (
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
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
	decide(t, r, &d, false, nil)
	return d
}

// decide is Evaluate filling in d, which starts as the zero Decision: the
// middleware keeps its Decision on its own stack and spares the copy.
//
// With quick, only the response headers and status of d are to be right:
// where a request is denied whatever else it holds, because no allow rule
// matches its origin, d may give another reason than Evaluate's (the
// origin's rather than the path's, or no rule's rather than a malformed
// origin's), and the checks that only choose among reasons are skipped.
// The middleware decides so when nothing reads its decisions; FuzzEvaluate
// and FuzzDifferential hold its headers to Evaluate's.
//
// With quick, cell, when set, is what LookupUnlessDenied returned for the
// request's one Origin, which the middleware looked up already.
func decide(t *compile.Table, r *Request, d *Decision, quick bool, cell *compile.Cell) {
	// A path that routers could read as another has no public answer:
	// which resource it reaches is not known. Only a CORS request, or a
	// path whose answer does not depend on the origin otherwise, needs the
	// path read for that; and quick, only a CORS request some allow rule
	// may let through (see evaluate).
	dependent := t.OriginDependent(r.Path)
	problem, pending := "", false
	if !dependent || len(r.Origin) > 0 && !quick {
		problem = pathset.Problem(r.Path)
		dependent = dependent || problem != ""
	} else if len(r.Origin) > 0 {
		pending = true
	}
	evaluate(t, r, dependent, problem, pending, cell, d)
	if !dependent && (d.Kind == NotCORS || d.Kind == Actual && !d.Allowed) {
		// Every origin gets the same answer here, so every response but
		// a preflight carries it: without an Origin, and on a denied
		// request too (the browser refuses it to that request all the
		// same: credentials beside "*", or an Origin that is not one), so
		// that a cache holding any of them serves the others right.
		if g := publicGrant(t.Public(), r.Path, r.Method); g != nil && g.Public {
			d.AllowOrigin, d.ExposeHeaders = "*", g.ExposeHeaders
		}
	}
}

// evaluate fills in d, which starts as the zero Decision; filling it in
// place spares copying the Decision at every return. dependent says
// whether the answer for the path can depend on the origin, and problem
// why the path cannot be judged, if it cannot; with pending, problem is yet
// to be found, which evaluate does once an allow rule matches the origin,
// and it looks the origin up with LookupUnlessDenied (decide's quick),
// unless found is what that returned.
//
// A request is allowed when one allow rule on its own covers all of it:
// the candidates are the allow rules that cover the origin and the path,
// and each check keeps those that pass it, as a bitmask over the cell's
// rules. The first check that leaves none is the one the request failed.
func evaluate(t *compile.Table, r *Request, dependent bool, problem string, pending bool, found *compile.Cell, d *Decision) {
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
	if problem != "" {
		d.refuse(CheckPath, problem, nil)
		return
	}
	if len(r.Origin) > 1 {
		d.refuse(CheckOrigin, "several Origin headers", nil)
		return
	}
	origin := r.Origin[0]
	var cell *compile.Cell
	var ok bool
	if pending {
		if found != nil {
			cell, ok = found, true
		} else {
			cell, ok = t.LookupUnlessDenied(origin)
		}
		if !ok || len(cell.Allow) == 0 {
			// Denied whatever its path: the Origin is not one, or no
			// allow rule matches it.
			d.refuse(CheckOrigin, "no allow rule covers this origin", nil)
			return
		}
		if problem = pathset.Problem(r.Path); problem != "" {
			d.refuse(CheckPath, problem, nil)
			return
		}
	} else {
		cell, ok = t.Lookup(origin)
	}
	if !ok {
		d.refuse(CheckOrigin, "not a serialised origin", nil)
		return
	}
	method := r.Method
	if d.Kind == Preflight {
		if len(r.RequestMethod) != 1 || !isMethod(r.RequestMethod[0]) {
			d.refuse(CheckMethod, "Access-Control-Request-Method must be one method, a token of at most 64 bytes", nil)
			return
		}
		method = r.RequestMethod[0]
	}
	for i, rule := range cell.Deny {
		if coversRequest(rule, r.Path, method) {
			// A window of the cell's own list names the rule: no
			// allocation.
			d.refuse(CheckOrigin, "denied by rule", cell.Deny[i:i+1:i+1])
			return
		}
	}
	candidates := cell.Covering(r.Path)
	if candidates == 0 {
		d.refuse(CheckOrigin, "no allow rule covers this origin and path", nil)
		return
	}
	left := candidates & cell.MethodRules(method)
	if left == 0 {
		d.refuse(CheckMethod, method, cell.Rules(candidates))
		return
	}
	candidates = left
	// Credentials narrow the candidates only when some of them do not
	// grant them: otherwise the Cookie header need not be read.
	if candidates&^cell.CredentialRules() != 0 && r.credentials() {
		left = candidates & cell.CredentialRules()
		if left == 0 {
			d.refuse(CheckCredentials, "credentials are not granted", cell.Rules(candidates))
			return
		}
		candidates = left
	}
	var requestHeaders []string // of a preflight, read once
	if d.Kind == Preflight {
		requestHeaders = r.requestHeaders()
		left, name, ok := checkRequestHeaders(cell, candidates, requestHeaders)
		if !ok {
			d.refuse(CheckHeader, name, cell.Rules(candidates))
			return
		}
		candidates = left
		if r.privateNetwork() == "true" {
			left = candidates & cell.PrivateNetworkRules()
			if left == 0 {
				d.refuse(CheckPrivateNetwork, "private network access is not granted", cell.Rules(candidates))
				return
			}
			candidates = left
			d.AllowPrivateNetwork = "true"
		}
		// A preflight does not say whether the request it announces will
		// carry credentials, and the browser caches the methods and
		// headers of the answer with its credentials flag. Where some
		// candidates grant credentials and others do not, the answer is
		// the former's: everything it lists is then granted with
		// credentials by a rule that covers the request.
		if withCredentials := candidates & cell.CredentialRules(); withCredentials != 0 {
			candidates = withCredentials
		}
	}
	g := cell.Grant(candidates, cell.ScopedCovering(r.Path))
	d.Rules = g.Rules
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

// isMethod reports whether m may be a requested method: a token of at most
// compile.MaxMethodLength bytes. Nothing else is ever echoed.
func isMethod(m string) bool {
	return len(m) <= compile.MaxMethodLength && compile.IsToken(m)
}

// deny turns d into a denial, decided by rules when they are given. A
// denied response keeps only its Vary header.
func (d *Decision) deny(check Check, detail string, rules []*compile.Rule) {
	d.refuse(check, detail, rules)
	d.AllowOrigin, d.AllowCredentials, d.AllowMethods, d.AllowHeaders = "", "", "", ""
	d.ExposeHeaders, d.MaxAge, d.AllowPrivateNetwork, d.echoHeaders = "", "", "", nil
}

// refuse is deny for evaluate, which denies before it sets any header of
// the answer: it leaves the headers as they are, Vary included.
func (d *Decision) refuse(check Check, detail string, rules []*compile.Rule) {
	d.Allowed, d.Failed, d.Detail = false, check, detail
	if rules != nil {
		d.Rules = rules
	}
	if d.Kind == Preflight {
		d.Status = 403
	}
}

// coversRequest reports whether a deny rule covers the path and method.
func coversRequest(r *compile.Rule, path, method string) bool {
	return r.CoversPath(path) && r.CoversMethod(method)
}

// publicGrant returns what the rules naming any that cover path and grant
// method answer together, or nil when none does or a deny rule takes the
// request away: the answer every origin gets.
func publicGrant(c *compile.Cell, path, method string) *compile.Grant {
	candidates := c.Covering(path) & c.MethodRules(method)
	if candidates == 0 {
		return nil
	}
	for _, r := range c.Deny {
		if coversRequest(r, path, method) {
			return nil
		}
	}
	return c.Grant(candidates, c.ScopedCovering(path))
}

// checkRequestHeaders keeps, of the candidate rules, those that grant every
// name of the Access-Control-Request-Headers lines. When none is left, it
// returns the name at which none was, or the bound the lines broke, and
// false. Every line counts against the bounds, an empty one too, so that
// the time it takes is linear in a bounded length; it allocates nothing.
func checkRequestHeaders(c *compile.Cell, candidates uint64, lines []string) (uint64, string, bool) {
	// A browser's list, as Fetch writes it, of names the cell's rules
	// grant: its rules are known. A denial is read again, for the name
	// at fault; a line past the bound is not looked up, which would hash
	// it whole.
	if len(lines) == 1 && len(lines[0]) <= MaxRequestHeadersBytes {
		if mask, ok := c.HeaderListRules(lines[0]); ok && candidates&mask != 0 {
			return candidates & mask, "", true
		}
	}
	if len(lines) > MaxRequestHeaderNames {
		return 0, "Access-Control-Request-Headers has more than 64 lines", false
	}
	total, names := 0, 0
	for _, line := range lines {
		total += len(line) + 1 // the comma that joins it to the next
		if total > MaxRequestHeadersBytes+1 {
			return 0, "Access-Control-Request-Headers is longer than 4096 bytes", false
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
				return 0, "Access-Control-Request-Headers has more than 64 names", false
			}
			name = name[lo:hi]
			if candidates &= c.HeaderRules(name); candidates == 0 {
				return 0, name, false
			}
		}
	}
	return candidates, "", true
}
