package compile

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"

	"github.com/corspolicy/cors/lang"
)

// Codes of the trust checks: findings that refuse a policy, since a policy
// that cannot be trusted does not compile. The lint reports the same codes
// as warnings where the same finding is less grave (without credentials,
// or in a development build). SPEC.md has a section for each.
const (
	CodePublicSuffixCreds = "S101" // credentials for a wildcard over a public suffix
	CodeNull              = "S103" // the null origin allowed (with credentials: here)
	CodeInsecureCreds     = "S104" // an http origin granted credentials outside a development build
	CodeLocal             = "S105" // a local origin granted credentials outside a development build
	CodeForbiddenHeader   = "S106" // a request header browsers never let scripts send
	CodeForbiddenMethod   = "S107" // CONNECT, TRACE or TRACK
	CodeSilenceReason     = "X001" // a silence without a reason
)

// trust makes the trust checks over every rule of every policy, and reports
// the silences that have no reason. A finding is silenced by a silence of
// its code, with a reason, above its rule (lang.Silence).
func (c *compiler) trust(f *lang.File, res *Resolution) {
	silences := f.Silences()
	for _, s := range silences {
		if s.Reason == "" {
			c.errs = append(c.errs, &lang.Error{Pos: s.Comment.Pos, End: s.Comment.EndPos, Code: CodeSilenceReason,
				Msg: fmt.Sprintf("corsfmt:ignore %s needs a reason after the code", s.Code), Fix: "say why the finding does not apply"})
		}
	}
	report := func(r *Rule, n lang.Node, code, fix, format string, args ...any) {
		for _, s := range silences {
			if s.Code == code && s.Reason != "" && s.Covers(r.Pos) {
				if !slices.Contains(res.Silenced, s) {
					res.Silenced = append(res.Silenced, s)
				}
				return
			}
		}
		c.errs = append(c.errs, &lang.Error{Pos: n.Start(), End: n.End(), Code: code, Msg: fmt.Sprintf(format, args...) + r.Through(n), Fix: fix})
	}
	for _, p := range res.Policies {
		for _, r := range p.Rules {
			if r.Effect == Allow {
				trustRule(p, r, report)
			}
		}
	}
}

func trustRule(p *Policy, r *Rule, report func(r *Rule, n lang.Node, code, fix, format string, args ...any)) {
	if r.Null && r.Credentials {
		report(r, r.NullNode(), CodeNull, "name the origins that need access",
			"the null origin is allowed with credentials: sandboxed iframes, file: pages and some redirects send it, so any site can act as the signed-in user")
	}
	for i, o := range r.Origins {
		if !r.Credentials {
			break
		}
		// The node a finding points at, found only for a finding.
		n := func() lang.Node {
			if i < len(r.originSources) {
				if n := r.at(r.originSources[i]); n != nil {
					return n
				}
			}
			return r.Node
		}
		switch {
		case o.CoversPublicSuffix():
			report(r, Within(n(), "*."), CodePublicSuffixCreds, "list the exact origins",
				"%s covers %s, a public suffix under which anyone can register a site, and the rule grants credentials", o, o.Host)
		case o.IsLocal() && !r.Dev:
			report(r, n(), CodeLocal, devFix(p, r),
				"%s is a local origin granted credentials outside a development build: any program on a visitor's machine or network can serve it", o)
		case o.Scheme == "http" && !o.IsLocal() && !r.Dev:
			report(r, Within(n(), "http:"), CodeInsecureCreds, "use https",
				"%s is granted credentials over plain http: anyone on the network path can send requests as that origin", o)
		}
	}
	for _, h := range r.Headers {
		if IsForbiddenRequestHeader(h) {
			report(r, r.ValueNode("headers "+h, "headers"), CodeForbiddenHeader, "remove it",
				"%s is a forbidden request header: browsers never let a script send it, so granting it does nothing", h)
		}
	}
	for _, m := range r.Methods {
		if upper := strings.ToUpper(m); (upper == "CONNECT" || upper == "TRACE" || upper == "TRACK") && r.At("method "+m) != nil {
			report(r, r.At("method "+m), CodeForbiddenMethod, "remove it", "%s is a forbidden method: browsers never send it", m)
		}
	}
}

// devFix says how to make a rule with a local origin and credentials part
// of development builds only: never "move it into a profile" when it is in
// one already.
func devFix(p *Policy, r *Rule) string {
	if r.Profiles == nil {
		return "move the rule into a profile block, and name that profile in the policy's dev-profiles if it is a development build"
	}
	var notDev []string
	for _, name := range r.Profiles {
		if !slices.Contains(p.DevProfiles, name) {
			notDev = append(notDev, name)
		}
	}
	if len(notDev) == 1 {
		return fmt.Sprintf("if %s is a development build, say so: dev-profiles %s; otherwise remove the credentials", notDev[0], notDev[0])
	}
	return fmt.Sprintf("if %s are development builds, say so: dev-profiles %s; otherwise remove the credentials",
		strings.Join(notDev, " and "), strings.Join(notDev, ", "))
}

// NullNode returns the node of the null keyword in the rule's origins, or
// the rule.
func (r *Rule) NullNode() lang.Node {
	for _, v := range r.Node.Origins {
		if v.Keyword == "null" {
			return v
		}
	}
	return r.Node
}

// OriginNode returns the node that wrote pattern p in the rule (see At), or
// the rule.
func (r *Rule) OriginNode(p Pattern) lang.Node {
	if n := r.at(r.originSource(p)); n != nil {
		return n
	}
	return r.Node
}

// ValueNode returns the node of the value key (see At), or else the
// rule's clause of the given keyword, or else the rule.
func (r *Rule) ValueNode(key, keyword string) lang.Node {
	if n := r.At(key); n != nil {
		return n
	}
	return r.Clause(keyword)
}

// Clause returns the clause of the rule with the given keyword, its own or
// its bundle's, or the rule.
func (r *Rule) Clause(keyword string) lang.Node {
	if r.Node.Block != nil {
		for _, c := range r.Node.Block.Clauses {
			if lang.Keyword(c) == keyword {
				return c
			}
		}
	}
	if r.Bundle != nil && r.Bundle.Pos.Filename == r.Pos.Filename {
		for _, c := range r.Bundle.Block.Clauses {
			if lang.Keyword(c) == keyword {
				return c
			}
		}
	}
	if r.Grants != nil {
		return r.Grants
	}
	return r.Node
}

// Within returns the span of the text after prefix inside the string
// literal n, so that a finding points at the part of an origin at fault
// (for "*.", the text after it); or n itself when n is not a literal or has
// no such prefix.
func Within(n lang.Node, prefix string) lang.Node {
	s, ok := n.(*lang.String)
	if !ok {
		return n
	}
	i := strings.Index(s.Value, prefix)
	if i < 0 {
		return n
	}
	if prefix == "*." {
		i += len(prefix)
	}
	start := s.Pos
	start.Offset += 1 + i
	start.Column += 1 + utf8.RuneCountInString(s.Value[:i])
	end := s.EndPos
	end.Offset--
	end.Column--
	return lang.Span{Pos: start, EndPos: end}
}

// CoversPublicSuffix reports whether p is a wildcard over a public suffix:
// "*.com", "*.co.uk", "*.github.io". A single label counts as one,
// localhost aside.
func (p Pattern) CoversPublicSuffix() bool {
	if !p.Wildcard {
		return false
	}
	if !strings.Contains(p.Host, ".") {
		return p.Host != "localhost"
	}
	suffix, _ := publicsuffix.PublicSuffix(p.Host)
	return suffix == p.Host
}

// IsLocal reports whether p names this machine or a network no one
// reaches across the internet: localhost and its subdomains, loopback,
// private, link-local and unspecified addresses, and the ranges of
// localRanges.
func (p Pattern) IsLocal() bool {
	if p.Host == "localhost" || strings.HasSuffix(p.Host, ".localhost") {
		return true
	}
	if p.Host == "" || p.Host[0] != '[' && (p.Host[0] < '0' || p.Host[0] > '9') {
		return false // a name: no IP address starts so
	}
	addr, err := netip.ParseAddr(strings.Trim(p.Host, "[]"))
	if err != nil {
		return false
	}
	// A mapped address reaches the IPv4 address it maps, and so may one
	// that carries an IPv4 address to a NAT64 translator or a tunnel.
	addr = embeddedIPv4(addr.Unmap())
	if addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsUnspecified() {
		return true
	}
	for _, r := range localRanges {
		if r.Contains(addr) {
			return true
		}
	}
	return false
}

// embeddedIPv4 returns the IPv4 address an IPv6 address carries in its
// last 32 bits under NAT64's well-known prefix 64:ff9b::/96 (RFC 6052) or
// in the deprecated IPv4-compatible form ::a.b.c.d (RFC 4291), which a
// translator or an automatic tunnel on the visitor's network may carry to
// that address; any other address as it is.
func embeddedIPv4(addr netip.Addr) netip.Addr {
	if !nat64WellKnown.Contains(addr) && !ipv4Compatible.Contains(addr) || addr.IsUnspecified() || addr.IsLoopback() {
		return addr
	}
	b := addr.As16()
	return netip.AddrFrom4([4]byte(b[12:]))
}

var (
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
	ipv4Compatible = netip.MustParsePrefix("::/96")
)

// localRanges are the ranges, beside those net/netip names, that the IANA
// special-purpose registries (RFC 6890) mark as not reachable across the
// internet, so that whoever shares the network can serve an origin there:
// the shared space of carrier-grade NAT (RFC 6598), benchmarking (RFC
// 2544), "this network" (RFC 1122), IPv6 site-local (RFC 3879) and NAT64's
// local-use prefix (RFC 8215).
var localRanges = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// forbiddenHeaders are the request header names browsers never let a
// script set (Fetch, "forbidden request-header"), besides those starting
// with proxy- or sec-.
var forbiddenHeaders = []string{"accept-charset", "accept-encoding", "access-control-request-headers",
	"access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date", "dnt",
	"expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
	"transfer-encoding", "upgrade", "via"}

// IsForbiddenRequestHeader reports whether the lower-case header name is
// one browsers never let a script send.
func IsForbiddenRequestHeader(name string) bool {
	return slices.Contains(forbiddenHeaders, name) || strings.HasPrefix(name, "proxy-") || strings.HasPrefix(name, "sec-")
}
