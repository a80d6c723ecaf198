package eval

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/compile"
)

// Reference answers a request from the rules of t alone, the slow and
// obvious way: no index, no precomputed grants, every rule tried in turn and
// every header value built anew. It exists to be compared with Evaluate,
// which must give the same Decision for every request; a differential fuzz
// test does so. It allocates freely and is not for serving.
func Reference(t *compile.Table, r *Request) Decision {
	d := reference(t, r)
	if d.Kind == Actual && !d.Allowed {
		// Where every origin gets the same answer, a denial keeps it.
		public := func(rule *compile.Rule) bool { return rule.Any }
		dependent := slices.ContainsFunc(t.Rules, func(rule *compile.Rule) bool { return !rule.Any && ruleCoversPath(rule, r.Path) })
		if g := refGrant(t.Rules, public, r.Path); !dependent && g != nil && g.public && refHasMethod(g, r.Method) &&
			!refDenied(t.Rules, public, r.Path, r.Method) {
			d.AllowOrigin, d.ExposeHeaders = "*", g.expose
		}
	}
	return d
}

func reference(t *compile.Table, r *Request) Decision {
	var d Decision
	dependent := false
	for _, rule := range t.Rules {
		if !rule.Any && ruleCoversPath(rule, r.Path) {
			dependent = true
		}
	}
	switch {
	case len(r.Origin) == 0:
		d.Kind, d.Allowed = NotCORS, true
		if !dependent {
			if g := refGrant(t.Rules, func(rule *compile.Rule) bool { return rule.Any }, r.Path); g != nil &&
				g.public && refHasMethod(g, r.Method) && !refDenied(t.Rules, func(rule *compile.Rule) bool { return rule.Any }, r.Path, r.Method) {
				d.AllowOrigin, d.ExposeHeaders = "*", g.expose
			}
		} else {
			d.Vary = "Origin"
		}
		return d
	case r.Method == "OPTIONS" && r.RequestMethod != nil:
		d.Kind = Preflight
		d.Vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
		if slices.ContainsFunc(t.Rules, func(rule *compile.Rule) bool { return rule.PrivateNetwork }) {
			d.Vary += ", Access-Control-Request-Private-Network"
		}
	default:
		d.Kind = Actual
		if dependent {
			d.Vary = "Origin"
		}
	}
	if len(r.Origin) != 1 || !refIsOrigin(r.Origin[0]) {
		d.deny(CheckOrigin, "", nil)
		return d
	}
	origin := r.Origin[0]
	matches := func(rule *compile.Rule) bool { return refMatchesOrigin(rule, origin) }
	method := r.Method
	if d.Kind == Preflight {
		if len(r.RequestMethod) != 1 || r.RequestMethod[0] == "" {
			d.deny(CheckMethod, "", nil)
			return d
		}
		method = r.RequestMethod[0]
	}
	for _, rule := range t.Rules {
		if rule.Effect == compile.Deny && matches(rule) && ruleCoversPath(rule, r.Path) &&
			(rule.Methods == nil || slices.Contains(rule.Methods, method)) {
			d.deny(CheckOrigin, "", []*compile.Rule{rule})
			return d
		}
	}
	g := refGrant(t.Rules, matches, r.Path)
	if g == nil {
		d.deny(CheckOrigin, "", nil)
		return d
	}
	d.Rules = g.rules
	if !refHasMethod(g, method) {
		d.deny(CheckMethod, "", nil)
		return d
	}
	if r.Credentials && !g.credentials {
		d.deny(CheckCredentials, "", nil)
		return d
	}
	if d.Kind == Preflight {
		var names []string
		for _, line := range r.RequestHeaders {
			for _, n := range strings.Split(line, ",") {
				if n = strings.Trim(n, " \t"); n != "" {
					names = append(names, n)
				}
			}
		}
		if len(strings.Join(r.RequestHeaders, "")) > MaxRequestHeadersBytes || len(names) > MaxRequestHeaderNames {
			d.deny(CheckHeader, "", nil)
			return d
		}
		for _, n := range names {
			lower := strings.ToLower(n)
			named := slices.Contains(g.headers, lower)
			if !compile.IsToken(n) || !named && !(g.anyHeader && lower != "authorization") {
				d.deny(CheckHeader, "", nil)
				return d
			}
		}
		if r.PrivateNetwork == "true" {
			if !g.privateNetwork {
				d.deny(CheckPrivateNetwork, "", nil)
				return d
			}
			d.AllowPrivateNetwork = "true"
		}
	}
	d.Allowed = true
	d.AllowOrigin = origin
	if g.public {
		d.AllowOrigin = "*"
	}
	if g.credentials {
		d.AllowCredentials = "true"
	}
	if d.Kind == Actual {
		d.ExposeHeaders = g.expose
		return d
	}
	d.Status = g.status
	// Allow-Methods offers what the rules grant less what deny rules on
	// this path take away; with "*", the requested method instead.
	var denied []string
	for _, rule := range t.Rules {
		if rule.Effect == compile.Deny && matches(rule) && ruleCoversPath(rule, r.Path) && rule.Methods != nil && !rule.AnyMethod {
			denied = append(denied, rule.Methods...)
		}
	}
	d.AllowMethods = g.allowMethods
	if !g.anyMethod {
		var offered []string
		for _, m := range g.methods {
			if !slices.Contains(denied, m) {
				offered = append(offered, m)
			}
		}
		d.AllowMethods = strings.Join(offered, ", ")
	}
	if g.anyMethod && (g.credentials || len(denied) > 0) {
		d.AllowMethods = method
	}
	d.AllowHeaders = g.allowHeaders
	if g.anyHeader && g.credentials && len(r.RequestHeaders) > 0 {
		d.echoHeaders = r.RequestHeaders
	}
	d.MaxAge = g.maxAge
	return d
}

// refGrant is a grant computed from scratch.
type refGrantT struct {
	rules                               []*compile.Rule
	methods, headers                    []string
	anyMethod, anyHeader                bool
	credentials, privateNetwork, public bool
	allowMethods, allowHeaders, expose  string
	maxAge                              string
	status                              int
}

func refGrant(rules []*compile.Rule, matches func(*compile.Rule) bool, path string) *refGrantT {
	g := &refGrantT{status: 204, public: true}
	var expose []string
	anyExpose := false
	maxAge := -1
	for _, rule := range rules {
		if rule.Effect != compile.Allow || !matches(rule) || !ruleCoversPath(rule, path) {
			continue
		}
		g.rules = append(g.rules, rule)
		g.methods = append(g.methods, rule.Methods...)
		g.anyMethod = g.anyMethod || rule.AnyMethod
		g.headers = append(g.headers, rule.Headers...)
		g.anyHeader = g.anyHeader || rule.AnyHeader
		expose = append(expose, rule.Expose...)
		anyExpose = anyExpose || rule.AnyExpose
		g.credentials = g.credentials || rule.Credentials
		g.privateNetwork = g.privateNetwork || rule.PrivateNetwork
		if rule.MaxAge >= 0 && (maxAge < 0 || rule.MaxAge < maxAge) {
			maxAge = rule.MaxAge
		}
		if rule.Status == 200 {
			g.status = 200
		}
		g.public = g.public && rule.Any
	}
	if len(g.rules) == 0 {
		return nil
	}
	g.public = g.public && !g.credentials
	uniq := func(s []string, fold bool) []string {
		var out []string
		for _, x := range s {
			if !slices.ContainsFunc(out, func(y string) bool { return x == y || fold && strings.EqualFold(x, y) }) {
				out = append(out, x)
			}
		}
		slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		return out
	}
	g.methods = uniq(g.methods, false)
	slices.Sort(g.methods)
	g.headers = uniq(g.headers, false)
	expose = uniq(expose, true)
	switch {
	case g.anyMethod && !g.credentials:
		g.allowMethods = "*"
	default:
		g.allowMethods = strings.Join(g.methods, ", ")
	}
	switch {
	case g.anyHeader && !g.credentials && slices.Contains(g.headers, "authorization"):
		g.allowHeaders = "*, authorization"
	case g.anyHeader && !g.credentials:
		g.allowHeaders = "*"
	default:
		g.allowHeaders = strings.Join(g.headers, ", ")
	}
	if anyExpose && !g.credentials {
		g.expose = "*"
	} else {
		g.expose = strings.Join(expose, ", ")
	}
	if maxAge >= 0 {
		g.maxAge = strconv.Itoa(maxAge)
	}
	return g
}

func refHasMethod(g *refGrantT, m string) bool { return g.anyMethod || slices.Contains(g.methods, m) }

func refDenied(rules []*compile.Rule, matches func(*compile.Rule) bool, path, method string) bool {
	for _, rule := range rules {
		if rule.Effect == compile.Deny && matches(rule) && ruleCoversPath(rule, path) &&
			(rule.Methods == nil || slices.Contains(rule.Methods, method)) {
			return true
		}
	}
	return false
}

func ruleCoversPath(rule *compile.Rule, path string) bool {
	return rule.Paths == nil || slices.ContainsFunc(rule.Paths, func(p *compile.PathPattern) bool { return p.Match(path) })
}

// refIsOrigin checks that s is a serialised origin by parsing it as a URL
// and serialising it again, as a browser would.
func refIsOrigin(s string) bool {
	if s == "null" {
		return true
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawPath != "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || u.OmitHost {
		return false
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(host, ":") {
		if strings.Trim(host, "0123456789abcdef:.") != "" {
			return false
		}
	} else {
		labels := strings.Split(host, ".")
		for _, l := range labels {
			if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				return false
			}
		}
		if len(host) > 253 {
			return false
		}
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port || port == map[string]string{"http": "80", "https": "443"}[u.Scheme] {
			return false
		}
	}
	return u.Scheme+"://"+u.Host == s
}

func refMatchesOrigin(rule *compile.Rule, origin string) bool {
	if rule.Any {
		return true
	}
	if origin == "null" {
		return rule.Null
	}
	u, _ := url.Parse(origin)
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port := map[string]int{"http": 80, "https": 443}[u.Scheme]
	if p := u.Port(); p != "" {
		port, _ = strconv.Atoi(p)
	}
	for _, p := range rule.Origins {
		if p.Scheme != u.Scheme || p.Port != compile.AnyPort && p.Port != port {
			continue
		}
		if !p.Wildcard && host == p.Host || p.Wildcard && strings.HasSuffix(host, "."+p.Host) {
			return true
		}
	}
	return false
}
