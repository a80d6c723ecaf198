package probe

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/corspolicy/cors/compile"
)

// Site is the origin whose trust the battery tests: the origin a service is
// meant to share its responses with, or the service's own. Every crafted
// origin is derived from its host.
type Site struct {
	Scheme      string // "http" or "https"
	Host        string // lower-case, without port
	Port        string // ":8443", or "" for the scheme's default
	Registrable string // the host's registrable domain (example.com for www.example.com), or the host itself
}

// Origin returns the site's serialised origin.
func (s Site) Origin() string { return s.Scheme + "://" + s.Host + s.Port }

// with returns an origin of the site's scheme and port on another host.
func (s Site) with(host string) string { return s.Scheme + "://" + host + s.Port }

// ParseSite reads a serialised origin: scheme http or https, a host, an
// optional port; nothing else. The host is judged as a policy's origins
// are (compile.ParsePattern): an internationalised name is turned into the
// ASCII form a browser sends, and a host no browser sends is refused. It
// accepts at most compile.MaxOriginLength bytes, before and after that
// conversion, the longest a serialised origin can be.
func ParseSite(origin string) (Site, error) {
	if len(origin) > compile.MaxOriginLength {
		return Site{}, fmt.Errorf("an origin is at most %d bytes", compile.MaxOriginLength)
	}
	pattern, perr := compile.ParsePattern(origin)
	switch {
	case perr != nil:
		return Site{}, fmt.Errorf("%q is not an origin: %s", origin, perr.Msg)
	case pattern.Wildcard || pattern.Port == compile.AnyPort:
		return Site{}, fmt.Errorf("%q is not an origin: a site is one origin, without wildcards", origin)
	}
	s := Site{Scheme: pattern.Scheme, Host: pattern.Host, Registrable: pattern.Host}
	if pattern.Port != compile.DefaultPort(pattern.Scheme) {
		s.Port = ":" + strconv.Itoa(pattern.Port)
	}
	if len(s.Origin()) > compile.MaxOriginLength {
		return Site{}, fmt.Errorf("%q is not an origin: in the ASCII form a browser sends, it is longer than %d bytes", origin, compile.MaxOriginLength)
	}
	if net.ParseIP(strings.Trim(s.Host, "[]")) == nil && strings.Contains(s.Host, ".") {
		if d, err := publicsuffix.EffectiveTLDPlusOne(s.Host); err == nil {
			s.Registrable = d
		}
	}
	return s, nil
}

// Attacker is the registrable domain the battery puts under an attacker's
// control: the arbitrary origin, and the domain the prefix and special
// character variants end in.
const Attacker = "evil.net"

// specialCharacters are put right after the site's host, before
// "."+Attacker, as CORScanner's special_characters_bypass does (Corsy's
// "unrecognized underscore" and "broken parser" are "_" and "%60", sent
// here as the backtick itself and as the three characters %60). Browsers
// differ in which of them they allow in a host name. A vertical tab, also in
// CORScanner's list, is a control character Go's HTTP client refuses to
// send; the three characters "%0b" go instead.
var specialCharacters = []string{"_", "-", `"`, "{", "}", "+", "^", "`", "%60", "!", "~", ";", "|", "&", "'", "(", ")", "*", ",", "$", "=", "%0b"}

// thirdParties are origins anyone can publish a page on: static hosting
// under a shared suffix, and the code playgrounds of CORScanner's
// custom_third_parties list.
var thirdParties = []string{
	"https://" + probeLabel + ".github.io",
	"https://" + probeLabel + ".s3.amazonaws.com",
	"https://" + probeLabel + ".herokuapp.com",
	"https://codepen.io",
	"https://jsfiddle.net",
	"http://jsbin.com",
	"https://repl.it",
}

// probeLabel is the DNS label the battery puts in front of a host.
const probeLabel = "evil"

// manyHeaders is the request header list of the many-headers preflight:
// names no service grants, as a browser sends them (lower-case, sorted).
var manyHeaders = func() string {
	var names []string
	for i := range 32 {
		names = append(names, fmt.Sprintf("x-corsfmt-probe-%02d", i))
	}
	return strings.Join(names, ",")
}()

// credentialHeaders is what the write preflights ask for: the headers that
// carry a caller's identity or an anti-CSRF token.
const credentialHeaders = "authorization,content-type,x-csrf-token"

// Checks of the battery, one request each (per path). The special character
// and third-party checks are families: their IDs carry the character or
// origin after a colon.
const (
	checkSite          = "site"
	checkNoOrigin      = "no-origin"
	checkArbitrary     = "arbitrary"
	checkNull          = "null"
	checkSuffix        = "suffix"
	checkSuffixHost    = "suffix-host"
	checkPrefix        = "prefix"
	checkPrefixDomain  = "prefix-registrable"
	checkDotFirst      = "unescaped-dot-first"
	checkDotLast       = "unescaped-dot-last"
	checkSpecial       = "special:"
	checkSubstringHead = "substring-head"
	checkSubstringTail = "substring-tail"
	checkSibling       = "subdomain-sibling"
	checkChild         = "subdomain-child"
	checkThirdParty    = "third-party:"
	checkHTTP          = "http"
	checkUpperCase     = "upper-case"
	checkTrailingDot   = "trailing-dot"
	checkTwoOrigins    = "two-origins"
	checkSitePut       = "preflight-site-put"
	checkArbitraryPut  = "preflight-arbitrary-put"
	checkAuthorization = "preflight-authorization"
	checkManyHeaders   = "preflight-many-headers"
)

// battery returns the crafted requests for one path, derived from the site.
// Variants that would repeat another (a host that is its own registrable
// domain) are left out.
func battery(s Site, path string) []*Probe {
	var out []*Probe
	seen := map[string]bool{}
	get := func(check string, origins ...string) {
		key := strings.Join(origins, "\n")
		if seen[key] {
			return
		}
		seen[key] = true
		out = append(out, &Probe{Check: check, Method: "GET", Path: path, Origin: origins})
	}
	preflight := func(check, origin, method, headers string) {
		out = append(out, &Probe{Check: check, Method: "OPTIONS", Path: path, Origin: []string{origin},
			RequestMethod: method, RequestHeaders: headers})
	}
	h, d := s.Host, s.Registrable
	arbitrary := s.Scheme + "://" + Attacker
	out = append(out, &Probe{Check: checkNoOrigin, Method: "GET", Path: path})
	get(checkSite, s.Origin())
	get(checkArbitrary, arbitrary)
	get(checkNull, "null")
	get(checkSuffix, s.with(probeLabel+d))
	get(checkSuffixHost, s.with(probeLabel+h))
	get(checkPrefix, s.with(h+"."+Attacker))
	get(checkPrefixDomain, s.with(d+"."+Attacker))
	if strings.Count(h, ".") >= 2 {
		get(checkDotFirst, s.with(strings.Replace(h, ".", "x", 1)))
	}
	if i := strings.LastIndexByte(h, '.'); i > 0 && !strings.HasPrefix(h, "[") {
		get(checkDotLast, s.with(h[:i]+"a"+h[i+1:]))
	}
	for _, c := range specialCharacters {
		get(checkSpecial+c, s.with(h+c+"."+Attacker))
	}
	if len(d) > 3 && !strings.HasPrefix(d, "[") {
		get(checkSubstringHead, s.with(d[1:]))
		get(checkSubstringTail, s.with(d[:len(d)-1]))
	}
	if h != d {
		if _, parent, ok := strings.Cut(h, "."); ok {
			get(checkSibling, s.with(probeLabel+"."+parent))
		}
	}
	get(checkChild, s.with(probeLabel+"."+h))
	for _, o := range thirdParties {
		get(checkThirdParty+o, o)
	}
	if s.Scheme == "https" {
		get(checkHTTP, "http://"+h+s.Port)
	}
	get(checkUpperCase, s.with(strings.ToUpper(h)))
	if !strings.HasPrefix(h, "[") {
		get(checkTrailingDot, s.with(h+"."))
	}
	get(checkTwoOrigins, s.Origin(), arbitrary)
	preflight(checkSitePut, s.Origin(), "PUT", credentialHeaders)
	preflight(checkArbitraryPut, arbitrary, "PUT", credentialHeaders)
	preflight(checkAuthorization, s.Origin(), "GET", "authorization")
	preflight(checkManyHeaders, s.Origin(), "GET", manyHeaders)
	return out
}
