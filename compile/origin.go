package compile

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Port values of a Pattern besides 1-65535.
const (
	// AnyPort is the port of a pattern written with ":*".
	AnyPort = -1
)

// Pattern is a validated, normalised origin pattern.
type Pattern struct {
	Scheme   string // "http" or "https"
	Host     string // lower-case ASCII; for a wildcard, the part after "*."
	Wildcard bool   // the host was written "*.Host": one or more labels in front of Host
	Port     int    // the port, the scheme's default filled in; or AnyPort
}

// String returns the pattern in its normalised form, as a policy would
// write it: default ports left out.
func (p Pattern) String() string {
	var b strings.Builder
	b.WriteString(p.Scheme)
	b.WriteString("://")
	if p.Wildcard {
		b.WriteString("*.")
	}
	b.WriteString(p.Host)
	switch {
	case p.Port == AnyPort:
		b.WriteString(":*")
	case p.Port != DefaultPort(p.Scheme):
		b.WriteString(":" + strconv.Itoa(p.Port))
	}
	return b.String()
}

// DefaultPort returns the port a browser leaves out of an origin of the
// scheme: 443 for https, 80 for http.
func DefaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// patternError is a problem at byte offset Offset of a pattern's text.
type patternError struct {
	Offset int
	Msg    string
}

// idnaProfile converts internationalised host names to the ASCII form a
// browser sends, and checks them as the URL Standard's domain to ASCII
// does (UTS 46 with CheckHyphens off, so "-a" and "ab--c" are names, and
// CheckBidi and CheckJoiners on). The bytes a name may hold are then
// checked by validHost, as they are at request time.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.ValidateLabels(true),
	idna.CheckHyphens(false),
	idna.CheckJoiners(true),
	idna.VerifyDNSLength(true),
	idna.StrictDomainName(false),
)

// ParsePattern validates and normalises an origin pattern written in a
// policy. On failure it returns the byte offset in text of the character at
// fault and a message; the offset lets an error point inside the string.
func ParsePattern(text string) (Pattern, *patternError) {
	fail := func(off int, format string, args ...any) (Pattern, *patternError) {
		return Pattern{}, &patternError{off, fmt.Sprintf(format, args...)}
	}
	if text == "" {
		return fail(0, "empty origin")
	}
	if strings.EqualFold(text, "null") {
		return fail(0, `the null origin is written with the keyword null, without quotes`)
	}
	if text == "*" {
		return fail(0, `every origin is written with the keyword any, without quotes`)
	}
	if i := strings.IndexFunc(text, func(r rune) bool { return r == ' ' }); i >= 0 {
		return fail(i, "space in origin")
	}
	sep := strings.Index(text, "://")
	if sep < 0 {
		return fail(0, `missing scheme: an origin is scheme://host, as in "https://%s"`, text)
	}
	var p Pattern
	switch strings.ToLower(text[:sep]) {
	case "http":
		p.Scheme = "http"
	case "https":
		p.Scheme = "https"
	default:
		return fail(0, "scheme %q: CORS origins here are http or https", text[:sep])
	}
	rest, base := text[sep+3:], sep+3
	if i := strings.IndexAny(rest, "/?#@\\"); i >= 0 {
		switch c := rest[i]; {
		case c == '/' && i == len(rest)-1:
			return fail(base+i, "an origin has no trailing slash; remove it")
		case c == '/':
			return fail(base+i, "an origin has no path; use a paths clause to scope a rule")
		case c == '?':
			return fail(base+i, "an origin has no query")
		case c == '#':
			return fail(base+i, "an origin has no fragment")
		case c == '@':
			return fail(base, "an origin has no user information")
		default:
			return fail(base+i, "unexpected %q in origin", c)
		}
	}
	// Split host and port; an IPv6 literal has colons of its own.
	host, port, portOff := rest, "", -1
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return fail(base, "IPv6 address without its closing ]")
		}
		host = rest[:end+1]
		switch after := rest[end+1:]; {
		case after == "":
		case after[0] == ':':
			port, portOff = after[1:], base+end+2
		default:
			return fail(base+end+1, "unexpected %q after the IPv6 address", after[:1])
		}
	} else if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port, portOff = rest[:i], rest[i+1:], base+i+1
	}
	if host == "" {
		return fail(base, "missing host")
	}

	// The port: a number, or * for any port.
	p.Port = DefaultPort(p.Scheme)
	if portOff >= 0 {
		switch {
		case port == "*":
			p.Port = AnyPort
		case port == "":
			return fail(portOff, "missing port after ':'")
		default:
			n, err := strconv.Atoi(port)
			if err != nil || port[0] == '+' || port[0] == '-' {
				return fail(portOff, "port %q is not a number", port)
			}
			if port[0] == '0' || n < 1 || n > 65535 {
				return fail(portOff, "port %s: ports are 1 to 65535, without leading zeros", port)
			}
			p.Port = n
		}
	}

	// The host: an IP address, a DNS name, or *. and a DNS name.
	switch {
	case strings.HasPrefix(host, "["):
		addr, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return fail(base+1, "%s is not an IPv6 address a browser would send", host)
		}
		p.Host = "[" + string(appendIPv6(nil, addr)) + "]"
		return p, nil
	case strings.HasPrefix(host, "*."):
		p.Wildcard = true
		host, base = host[2:], base+2
	}
	if i := strings.IndexByte(host, '*'); i >= 0 {
		return fail(base+i, "a wildcard stands only as the leftmost whole label, as in https://*.example.com")
	}
	if host == "" {
		return fail(base, "missing host after *.")
	}
	if strings.HasSuffix(host, ".") {
		return fail(base+len(host)-1, "remove the trailing dot: browsers send the host without it")
	}
	// The URL Standard maps a name to ASCII before it asks whether it is
	// an IPv4 address, so "１０.０.０.１" is 10.0.0.1 to a browser: the
	// address is judged on the mapped name, never on the text as written.
	ascii, err := host, error(nil)
	if !plainHost(host) {
		ascii, err = idnaProfile.ToASCII(host)
	}
	if err != nil && !endsInDigitLabel(host) {
		return fail(base, "invalid host name %q: %v", host, idnaReason(err))
	}
	if err != nil || endsInDigitLabel(ascii) {
		// No top-level domain starts with a digit: this is an IPv4 address.
		if p.Wildcard {
			return fail(base-2, "a wildcard cannot stand in an IP address")
		}
		addr, perr := netip.ParseAddr(ascii)
		if err != nil || perr != nil || !addr.Is4() || addr.String() != ascii {
			shown := host
			if err == nil && ascii != host {
				shown = fmt.Sprintf("%s (%s once mapped to ASCII)", host, ascii)
			}
			return fail(base, "%s is not an IPv4 address in the dotted form browsers send", shown)
		}
		p.Host = ascii
		return p, nil
	}
	if !validHost(ascii) {
		return fail(base, "invalid host name %q: %s", host, hostProblem(ascii))
	}
	p.Host = ascii
	return p, nil
}

// endsInDigitLabel reports whether host's last label starts with an ASCII
// digit, which makes it an IPv4 address or nothing: no top-level domain
// starts with one, and the URL Standard parses a host that ends in a
// number as an address.
func endsInDigitLabel(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	return last != "" && last[0] >= '0' && last[0] <= '9'
}

// plainHost reports whether host is a name in the form a browser sends,
// none of whose labels starts with xn--: lower-case ASCII letters, digits,
// hyphens and underscores that validHost accepts. IDNA maps such a name to
// itself, so it needs no conversion (TestPlainHost holds this).
func plainHost(host string) bool {
	if !validHost(host) {
		return false
	}
	for label := range strings.SplitSeq(host, ".") {
		if strings.HasPrefix(label, "xn--") {
			return false
		}
	}
	return true
}

// idnaReason shortens the idna package's error text.
func idnaReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}
