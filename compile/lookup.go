package compile

import "strings"

// MaxOriginLength is the longest Origin value that can be a serialised
// origin a browser sends: scheme, "://", a 253-byte host or a bracketed IPv6
// address, and a port. Anything longer is refused before it is looked at.
const MaxOriginLength = len("https://") + 253 + len(":65535")

// Lookup returns the cell of the rules whose origin patterns match origin,
// the value of a request's Origin header. It reports false when origin is
// not a serialised origin as a browser sends it (lower-case, no path, no
// default port, no trailing dot...); such a request is denied and its
// Origin never reflected. Lookup does not allocate.
func (t *Table) Lookup(origin string) (*Cell, bool) {
	if origin == "null" {
		return t.null, true
	}
	if c, ok := t.exact[origin]; ok {
		return c, true
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
	if len(host) > 253 || !validHost(front) {
		return nil, false
	}
	return cellFor(n.below, port, n.belowO), true
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
		for i := 1; i < end; i++ {
			if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.') {
				return "", "", 0, false
			}
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

// validHost reports whether host is a sequence of non-empty labels of
// lower-case letters, digits and hyphens, each at most 63 bytes, as a
// browser serialises a host (an IPv4 address passes too).
func validHost(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	start := 0 // of the current label
	for i := 0; i < len(host); i++ {
		switch hostByte[host[i]] {
		case labelByte:
		case dotByte:
			if i == start || i-start > 63 {
				return false
			}
			start = i + 1
		default:
			return false
		}
	}
	return start < len(host) && len(host)-start <= 63
}

// The classes of bytes in a serialised host.
const (
	otherByte = iota
	labelByte // a lower-case letter, a digit or a hyphen
	dotByte
)

// hostByte classifies each byte, so that a host is checked with one load
// and one comparison per byte.
var hostByte = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-':
			t[c] = labelByte
		case c == '.':
			t[c] = dotByte
		}
	}
	return t
}()
