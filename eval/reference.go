package eval

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/idna"

	"github.com/corspolicy/cors/compile"
)

// Reference answers a request from the rules of t alone, the slow and
// obvious way: no index, no precomputed grants, every rule tried in turn,
// path globs matched by a naive matcher of its own, and every header value
// built anew. It exists to be compared with Evaluate, which must give the
// same Decision for every request; a differential fuzz test does so. It
// allocates freely and is not for serving.
func Reference(t *compile.Table, r *Request) Decision {
	d := reference(t, r)
	dependent := refUnjudgeable(r.Path) || slices.ContainsFunc(t.Rules, func(rule *compile.Rule) bool { return !rule.Any && refCoversPath(rule, r.Path) })
	if !dependent && (d.Kind == NotCORS || d.Kind == Actual && !d.Allowed) {
		// Where every origin gets the same answer, every response but a
		// preflight carries it.
		public := func(rule *compile.Rule) bool { return rule.Any }
		var granting []*compile.Rule
		for _, rule := range t.Rules {
			if rule.Effect == compile.Allow && rule.Any && refCoversPath(rule, r.Path) && refGrantsMethod(rule, r.Method) {
				granting = append(granting, rule)
			}
		}
		if len(granting) > 0 && refDenyRule(t.Rules, public, r.Path, r.Method) == nil {
			if g := refCombine(granting); g.public {
				d.AllowOrigin, d.ExposeHeaders = "*", g.expose
			}
		}
	}
	return d
}

func reference(t *compile.Table, r *Request) Decision {
	var d Decision
	dependent := refUnjudgeable(r.Path) || slices.ContainsFunc(t.Rules, func(rule *compile.Rule) bool { return !rule.Any && refCoversPath(rule, r.Path) })
	switch {
	case len(r.Origin) == 0:
		d.Kind, d.Allowed = NotCORS, true
		if dependent {
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
	if refUnjudgeable(r.Path) {
		d.deny(CheckPath, "", nil)
		return d
	}
	if len(r.Origin) != 1 || !refIsOrigin(r.Origin[0]) {
		d.deny(CheckOrigin, "", nil)
		return d
	}
	origin := r.Origin[0]
	matches := func(rule *compile.Rule) bool { return refMatchesOrigin(rule, origin) }
	method := r.Method
	if d.Kind == Preflight {
		if len(r.RequestMethod) != 1 || !refIsMethod(r.RequestMethod[0]) {
			d.deny(CheckMethod, "", nil)
			return d
		}
		method = r.RequestMethod[0]
	}
	if rule := refDenyRule(t.Rules, matches, r.Path, method); rule != nil {
		d.deny(CheckOrigin, "", []*compile.Rule{rule})
		return d
	}

	// The candidates: every allow rule that covers the origin and the
	// path; each check keeps those that pass it.
	var candidates []*compile.Rule
	for _, rule := range t.Rules {
		if rule.Effect == compile.Allow && matches(rule) && refCoversPath(rule, r.Path) {
			candidates = append(candidates, rule)
		}
	}
	if len(candidates) == 0 {
		d.deny(CheckOrigin, "", nil)
		return d
	}
	keep := func(check Check, pass func(*compile.Rule) bool) bool {
		var left []*compile.Rule
		for _, rule := range candidates {
			if pass(rule) {
				left = append(left, rule)
			}
		}
		if len(left) == 0 {
			d.deny(check, "", candidates)
			return false
		}
		candidates = left
		return true
	}
	if !keep(CheckMethod, func(rule *compile.Rule) bool { return refGrantsMethod(rule, method) }) {
		return d
	}
	if r.Credentials && !keep(CheckCredentials, func(rule *compile.Rule) bool { return rule.Credentials }) {
		return d
	}
	if d.Kind == Preflight {
		names, ok := refRequestHeaderNames(r.RequestHeaders)
		if !ok {
			d.deny(CheckHeader, "", candidates)
			return d
		}
		if !keep(CheckHeader, func(rule *compile.Rule) bool {
			for _, n := range names {
				lower := strings.ToLower(n)
				if !compile.IsToken(n) || !slices.Contains(rule.Headers, lower) && !(rule.AnyHeader && lower != "authorization") {
					return false
				}
			}
			return true
		}) {
			return d
		}
		if r.PrivateNetwork == "true" {
			if !keep(CheckPrivateNetwork, func(rule *compile.Rule) bool { return rule.PrivateNetwork }) {
				return d
			}
			d.AllowPrivateNetwork = "true"
		}
		if slices.ContainsFunc(candidates, func(rule *compile.Rule) bool { return rule.Credentials }) {
			keep(CheckCredentials, func(rule *compile.Rule) bool { return rule.Credentials })
		}
	}
	g := refCombine(candidates)
	d.Rules = candidates
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
		if rule.Effect == compile.Deny && matches(rule) && refCoversPath(rule, r.Path) && rule.Methods != nil && !rule.AnyMethod {
			denied = append(denied, rule.Methods...)
		}
	}
	if g.anyMethod {
		d.AllowMethods = "*"
		if g.credentials || len(denied) > 0 {
			d.AllowMethods = method
		}
	} else {
		var offered []string
		for _, m := range g.methods {
			if !slices.Contains(denied, m) {
				offered = append(offered, m)
			}
		}
		d.AllowMethods = strings.Join(offered, ", ")
	}
	d.AllowHeaders = g.allowHeaders
	if g.anyHeader && g.credentials && len(r.RequestHeaders) > 0 {
		d.echoHeaders = r.RequestHeaders
	}
	d.MaxAge = g.maxAge
	return d
}

// refUnjudgeable reports whether a path is one routers read in different
// ways: not starting with /, with a dot segment, a backslash, a NUL byte,
// or an escaped slash or backslash in either case.
func refUnjudgeable(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return true
	}
	lower := strings.ToLower(p)
	if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return true
	}
	return slices.ContainsFunc(strings.Split(p, "/"), func(seg string) bool { return seg == "." || seg == ".." })
}

// refIsMethod reports whether m is a token (RFC 9110: letters, digits and
// !#$%&'*+-.^_`|~) of 1 to 64 bytes.
func refIsMethod(m string) bool {
	return m != "" && len(m) <= 64 && strings.IndexFunc(m, func(c rune) bool {
		return !strings.ContainsRune("!#$%&'*+-.^_`|~", c) && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9')
	}) < 0
}

// refRequestHeaderNames splits Access-Control-Request-Headers lines into
// names, and reports false past the bounds: 64 lines, 64 names, 4096 bytes
// once the lines are joined with commas.
func refRequestHeaderNames(lines []string) ([]string, bool) {
	var names []string
	for _, line := range lines {
		for _, n := range strings.Split(line, ",") {
			if n = strings.Trim(n, " \t"); n != "" {
				names = append(names, n)
			}
		}
	}
	ok := len(lines) <= MaxRequestHeaderNames && len(names) <= MaxRequestHeaderNames &&
		len(strings.Join(lines, ",")) <= MaxRequestHeadersBytes
	return names, ok
}

// refGrantT is a grant computed from scratch.
type refGrantT struct {
	methods                      []string
	anyMethod, anyHeader         bool
	credentials, public          bool
	allowHeaders, expose, maxAge string
	status                       int
}

// refCombine unites the grants of rules as SPEC.md's table says.
func refCombine(rules []*compile.Rule) refGrantT {
	g := refGrantT{status: 204, public: true}
	var headers, expose []string
	anyExpose := false
	maxAge := -1
	for _, rule := range rules {
		g.methods = append(g.methods, rule.Methods...)
		g.anyMethod = g.anyMethod || rule.AnyMethod
		headers = append(headers, rule.Headers...)
		g.anyHeader = g.anyHeader || rule.AnyHeader
		expose = append(expose, rule.Expose...)
		anyExpose = anyExpose || rule.AnyExpose
		g.credentials = g.credentials || rule.Credentials
		if rule.MaxAge >= 0 && (maxAge < 0 || rule.MaxAge < maxAge) {
			maxAge = rule.MaxAge
		}
		if rule.Status == 200 {
			g.status = 200
		}
		g.public = g.public && rule.Any
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
	headers = uniq(headers, false)
	expose = uniq(expose, true)
	switch {
	case g.anyHeader && !g.credentials && slices.Contains(headers, "authorization"):
		g.allowHeaders = "*, authorization"
	case g.anyHeader && !g.credentials:
		g.allowHeaders = "*"
	default:
		g.allowHeaders = strings.Join(headers, ", ")
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

func refGrantsMethod(rule *compile.Rule, m string) bool {
	return rule.AnyMethod || slices.Contains(rule.Methods, m)
}

// refDenyRule returns the first deny rule that matches and covers the path
// and method, or nil.
func refDenyRule(rules []*compile.Rule, matches func(*compile.Rule) bool, path, method string) *compile.Rule {
	for _, rule := range rules {
		if rule.Effect == compile.Deny && matches(rule) && refCoversPath(rule, path) &&
			(rule.Methods == nil || rule.AnyMethod || slices.Contains(rule.Methods, method)) {
			return rule
		}
	}
	return nil
}

func refCoversPath(rule *compile.Rule, path string) bool {
	return rule.Paths == nil || slices.ContainsFunc(rule.Paths, func(p *compile.PathPattern) bool { return refGlob(p.Text, path) })
}

// refGlob matches a path against a path glob by backtracking over
// segments: "**" as a segment takes any number of them, "*" any run of
// characters within one. It is exponential at worst and is meant for the
// short globs and paths of tests, not for serving.
func refGlob(glob, path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	var match func(pat, segs []string) bool
	match = func(pat, segs []string) bool {
		switch {
		case len(pat) == 0:
			return len(segs) == 0
		case pat[0] == "**":
			for i := 0; i <= len(segs); i++ {
				if match(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		case len(segs) == 0:
			return false
		}
		return refSegment(pat[0], segs[0]) && match(pat[1:], segs[1:])
	}
	return match(strings.Split(glob[1:], "/"), strings.Split(path[1:], "/"))
}

func refSegment(pat, s string) bool {
	switch {
	case pat == "":
		return s == ""
	case pat[0] == '*':
		for i := 0; i <= len(s); i++ {
			if refSegment(pat[1:], s[i:]) {
				return true
			}
		}
		return false
	}
	return s != "" && pat[0] == s[0] && refSegment(pat[1:], s[1:])
}

// refIDNA is UTS 46 as the URL Standard's domain to ASCII applies it.
var refIDNA = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.ValidateLabels(true),
	idna.CheckHyphens(false), idna.CheckJoiners(true), idna.StrictDomainName(false))

// refIPv6 returns the URL Standard's serialisation of the IPv6 address in
// s, or "" when s is not one: the eight pieces in hex, the first of the
// longest runs of two or more zero pieces written "::", tried naively.
func refIPv6(s string) string {
	ip := net.ParseIP(s)
	if ip == nil || strings.Contains(s, "%") {
		return ""
	}
	ip = ip.To16()
	var pieces []string
	for i := 0; i < 16; i += 2 {
		pieces = append(pieces, fmt.Sprintf("%x", int(ip[i])<<8|int(ip[i+1])))
	}
	bestStart, bestLen := -1, 0
	for start := 0; start < 8; start++ {
		n := 0
		for start+n < 8 && pieces[start+n] == "0" {
			n++
		}
		if n >= 2 && n > bestLen {
			bestStart, bestLen = start, n
		}
	}
	if bestStart < 0 {
		return strings.Join(pieces, ":")
	}
	return strings.Join(pieces[:bestStart], ":") + "::" + strings.Join(pieces[bestStart+bestLen:], ":")
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
	if port == "" && strings.HasSuffix(u.Host, ":") {
		// url.Parse takes "http://host:" with an empty port; the URL
		// Standard drops the colon, so a browser never sends one.
		return false
	}
	if strings.Contains(host, ":") {
		if refIPv6(host) != host {
			return false
		}
	} else {
		labels := strings.Split(host, ".")
		for _, l := range labels {
			if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
				return false
			}
			if strings.HasPrefix(l, "xn--") {
				// Punycode that the URL Standard's domain to ASCII accepts
				// and that encodes back to the same label.
				u, err := refIDNA.ToUnicode(l)
				if a, err2 := refIDNA.ToASCII(u); err != nil || err2 != nil || a != l {
					return false
				}
			}
		}
		if len(host) > 253 {
			return false
		}
		if strings.HasPrefix(host, "xn--") || strings.Contains(host, ".xn--") {
			// The Bidi rule binds every label of a name that has a
			// right-to-left one: the name is decoded whole too.
			u, err := refIDNA.ToUnicode(host)
			if a, err2 := refIDNA.ToASCII(u); err != nil || err2 != nil || a != host {
				return false
			}
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
