package compile

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// MaxOriginLength is the longest Origin value that can be a serialised
// origin a browser sends: scheme, "://", a 253-byte host or a bracketed IPv6
// address, and a port. Anything longer is refused before it is looked at.
const MaxOriginLength = len("https://") + 253 + len(":65535")

// Lookup returns the cell of the rules whose origin patterns match origin,
// the value of a request's Origin header. It reports false when origin is
// not a serialised origin as a browser sends it (lower-case, no path, no
// default port, no trailing dot...); such a request is denied and its
// Origin never reflected. Lookup does not allocate.
func (t *Table) Lookup(origin string) (*Cell, bool) { return t.lookup(origin, true) }

// LookupUnlessDenied is Lookup for a caller that needs the reason for a
// denial no more than the denial: when the cell an origin would get holds
// no allow rule, so that the origin is denied whatever it is, it returns
// that cell without reading the origin's host to tell whether it is a
// serialised origin, where Lookup would refuse one that is not. The
// middleware uses it when nothing reads its decisions.
func (t *Table) LookupUnlessDenied(origin string) (*Cell, bool) { return t.lookup(origin, false) }

// lookup is Lookup; with check unset, it is LookupUnlessDenied.
func (t *Table) lookup(origin string, check bool) (*Cell, bool) {
	if origin == "null" {
		return t.null, true
	}
	if len(origin) > MaxOriginLength {
		return nil, false // hashing it for the map would read it all
	}
	if c, ok := t.exact[origin]; ok {
		return c, true
	}
	if !check && len(t.anyCell.Allow) == 0 {
		// A host no lookup node names gets the cell of the rules that
		// name any, here none: so does every origin of a scheme with no
		// lookup node, and whatever is not an origin at all.
		switch {
		case strings.HasPrefix(origin, "https://"):
			if t.hosts[1].empty() {
				return t.anyCell, true
			}
		case strings.HasPrefix(origin, "http://"):
			if t.hosts[0].empty() {
				return t.anyCell, true
			}
		default:
			return t.anyCell, true
		}
	}
	scheme, host, port, ok := splitOrigin(origin)
	if !ok {
		return nil, false
	}
	si := schemeIndex(scheme)
	n, exact := t.hosts[si].find(host)
	if exact {
		return cellFor(n.at, port, n.atOther), true
	}
	if strings.HasPrefix(host, "[") {
		// An IPv6 literal, which splitOrigin checked: it has no parent.
		n = t.trees[si]
		return cellFor(n.below, port, n.belowO), true
	}
	// The bytes the index matched spell a node's name, a valid host: only
	// the labels in front of it are left to check.
	front := host
	if n != nil {
		front = host[:len(host)-len(n.name)-1]
	} else {
		n = t.trees[si]
	}
	c := cellFor(n.below, port, n.belowO)
	if !check && len(c.Allow) == 0 {
		return c, true
	}
	if len(host) > 253 {
		return nil, false
	}
	// The labels in front, and then, if they or the base have an xn--
	// label, the whole host: labels that are each valid may still not
	// make a host, since the Bidi rule of UTS 46 holds every label of a
	// name that has a right-to-left one (see validHost).
	if ok, punycode := hostLabels(front); !ok || (punycode || n.punycode) && !validPunycode(host) {
		return nil, false
	}
	return c, true
}

// parseOrigin splits a serialised origin into scheme, host and port (the
// default port filled in), and reports whether it is one: scheme http or
// https; a host of lower-case DNS labels, a dotted IPv4 address or a
// bracketed IPv6 address; a port without leading zeros, not the default.
func parseOrigin(s string) (scheme, host string, port int, ok bool) {
	scheme, host, port, ok = splitOrigin(s)
	if !ok || !strings.HasPrefix(host, "[") && !validHost(host) {
		return "", "", 0, false
	}
	return scheme, host, port, true
}

// splitOrigin is parseOrigin but for the check of a host that is not an IP
// literal, which it leaves to the caller.
func splitOrigin(s string) (scheme, host string, port int, ok bool) {
	if len(s) > MaxOriginLength {
		return "", "", 0, false
	}
	switch {
	case strings.HasPrefix(s, "https://"):
		scheme, s, port = "https", s[8:], 443
	case strings.HasPrefix(s, "http://"):
		scheme, s, port = "http", s[7:], 80
	default:
		return "", "", 0, false
	}
	host = s
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", 0, false
		}
		if !serialisedIPv6(s[1:end]) {
			return "", "", 0, false
		}
		host, s = s[:end+1], s[end+1:]
	} else if i := strings.IndexByte(s, ':'); i >= 0 {
		host, s = s[:i], s[i:]
	} else {
		s = ""
	}
	if s != "" {
		if s[0] != ':' || len(s) < 2 || len(s) > 6 || s[1] == '0' {
			return "", "", 0, false
		}
		n := 0
		for i := 1; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return "", "", 0, false
			}
			n = n*10 + int(c-'0')
		}
		if n > 65535 || n == port {
			return "", "", 0, false // out of range, or a default port a browser leaves out
		}
		port = n
	}
	return scheme, host, port, true
}

// serialisedIPv6 reports whether s is an IPv6 address in the one form the
// URL Standard serialises it in, which browsers send: eight pieces of
// lower-case hex without leading zeros, the first longest run of two or
// more zero pieces written "::", never a dotted IPv4 tail. "0::1",
// "::ffff:1.2.3.4" (sent as "::ffff:102:304") and "1" are not origins'
// hosts.
func serialisedIPv6(s string) bool {
	addr, err := netip.ParseAddr(s)
	if err != nil || !addr.Is6() || addr.Zone() != "" || len(s) > 39 {
		return false
	}
	var buf [39]byte
	return string(appendIPv6(buf[:0], addr)) == s
}

// appendIPv6 appends addr as the URL Standard serialises an IPv6 address.
// netip's String differs for an IPv4-mapped address, which it writes with
// a dotted tail ("::ffff:1.2.3.4") where a browser writes hex.
func appendIPv6(out []byte, addr netip.Addr) []byte {
	b := addr.As16()
	var pieces [8]uint16
	for i := range pieces {
		pieces[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	// The first longest run of zero pieces, if two or more long.
	run, runLen := -1, 1
	for i := 0; i < 8; {
		j := i
		for j < 8 && pieces[j] == 0 {
			j++
		}
		if j-i > runLen {
			run, runLen = i, j-i
		}
		if j == i {
			j++
		}
		i = j
	}
	start := len(out)
	for i := 0; i < 8; i++ {
		if i == run {
			out = append(out, "::"...)
			i += runLen - 1
			continue
		}
		if len(out) > start && out[len(out)-1] != ':' {
			out = append(out, ':')
		}
		out = strconv.AppendUint(out, uint64(pieces[i]), 16)
	}
	return out
}

// validHost reports whether host is a name as this engine defines one, in
// the form a browser serialises it (SPEC.md, "Hosts"): labels of 1 to 63
// bytes of lower-case letters, digits, hyphens and underscores, joined by
// dots, at most 253 bytes, without a trailing dot; a label that starts with
// "xn--" must be punycode that IDNA accepts and that encodes back to
// itself. A dotted IPv4 address passes too. The compiler checks the hosts
// of patterns with it, and Lookup the labels of a request's host that no
// pattern names, so the two never disagree. Ordinary labels are checked
// with one table load per byte and no allocation; only a host with an xn--
// label is decoded, and then whole: UTS 46's Bidi rule (CheckBidi, which
// the URL Standard sets) binds every label of a name that holds a
// right-to-left one, so "xn--0xb.0" is no host although "xn--0xb" and "0"
// are labels. A host of ASCII labels only has no right-to-left label.
func validHost(host string) bool {
	ok, punycode := hostLabels(host)
	return ok && (!punycode || validPunycode(host))
}

// hostLabels reports whether host is labels of SPEC.md's bytes and lengths
// joined by dots, at most 253 bytes, and whether one of them starts with
// xn--, which validHost then decodes.
func hostLabels(host string) (ok, punycode bool) {
	if host == "" || len(host) > 253 {
		return false, false
	}
	tab, rest := &hostByte, host
	for {
		label := rest
		// Four bytes a step: the classes AND to labelByte only when all
		// four are label bytes.
		for len(rest) >= 4 && tab[rest[0]]&tab[rest[1]]&tab[rest[2]]&tab[rest[3]] == labelByte {
			rest = rest[4:]
		}
		for len(rest) > 0 && tab[rest[0]] == labelByte {
			rest = rest[1:]
		}
		label = label[:len(label)-len(rest)]
		if n := len(label); n == 0 || n > 63 {
			return false, false
		} else if n >= 4 && label[:4] == "xn--" {
			punycode = true
		}
		if rest == "" {
			return true, punycode
		}
		if tab[rest[0]] != dotByte {
			return false, false
		}
		rest = rest[1:]
	}
}

// validPunycode reports whether a host (or a label) of xn-- labels decodes
// to a name IDNA accepts and encodes back to itself: what a browser's URL
// parser, which refuses a host with a bad one, could have sent.
func validPunycode(host string) bool {
	ascii, err := idnaProfile.ToASCII(host)
	return err == nil && ascii == host
}

// hasPunycodeLabel reports whether a host has a label that starts with
// "xn--".
func hasPunycodeLabel(host string) bool {
	return strings.HasPrefix(host, "xn--") || strings.Contains(host, ".xn--")
}

// hostProblem says why validHost refuses host, for an error message.
func hostProblem(host string) string {
	switch {
	case host == "":
		return "the host is empty"
	case len(host) > 253:
		return "a host name has at most 253 bytes"
	}
	for _, label := range strings.Split(host, ".") {
		switch {
		case label == "":
			return "a host name has no empty label"
		case len(label) > 63:
			return fmt.Sprintf("label %q is longer than 63 bytes", label)
		case strings.HasPrefix(label, "xn--") && !validPunycode(label):
			return fmt.Sprintf("label %q is not punycode that IDNA accepts", label)
		}
		for i := 0; i < len(label); i++ {
			if hostByte[label[i]] != labelByte {
				return fmt.Sprintf("%q is not allowed in a host: names hold letters, digits, hyphens and underscores", label[i])
			}
		}
	}
	if hasPunycodeLabel(host) && !validPunycode(host) {
		return "a name with a right-to-left label must meet the Bidi rule of IDNA in every label"
	}
	return "not a host name"
}

// The classes of bytes in a serialised host, as bits: labelByte is the
// AND of classes only when every one is labelByte.
const (
	otherByte = 0
	labelByte = 1 // a lower-case letter, a digit, a hyphen or an underscore
	dotByte   = 2
)

// hostByte classifies each byte, so that a host is checked with one load
// and one comparison per byte.
var hostByte = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_':
			t[c] = labelByte
		case c == '.':
			t[c] = dotByte
		}
	}
	return t
}()
