package compile

import (
	"slices"
	"strconv"
	"strings"
)

// Grant is what a set of allow rules grants together, with the values of
// the response headers computed once, when the table is built.
type Grant struct {
	Rules []*Rule // the allow rules that grant it; empty for a denial

	Methods        []string // granted methods, byte for byte, sorted
	AnyMethod      bool
	Headers        []string // granted request header names, lower-case, sorted
	AnyHeader      bool     // every request header, Authorization only when in Headers
	Expose         []string
	AnyExpose      bool
	Credentials    bool
	PrivateNetwork bool
	MaxAge         int // seconds, or -1 for none
	Status         int // of a successful preflight

	// Public is set when every granting rule names any and none grants
	// credentials: the answer is "*" and the same for every origin.
	Public bool

	// EchoMethod is set when Allow-Methods must name the requested method
	// rather than "*": any method with credentials, or beside a deny.
	EchoMethod bool

	// Header values, ready to write; "" means the header is not sent.
	AllowMethods  string
	AllowHeaders  string
	ExposeHeaders string
	MaxAgeValue   string

	headerSet map[string]struct{}
}

func newGrant(allow []*Rule, allowMask uint64, scoped []*Rule, scopedMask uint64) *Grant {
	pick := func(rules []*Rule, mask uint64) []*Rule {
		var out []*Rule
		for i, r := range rules {
			if mask&(1<<i) != 0 {
				out = append(out, r)
			}
		}
		return out
	}
	return combine(pick(allow, allowMask), pick(scoped, scopedMask))
}

// combine unites the grants of rules as SPEC.md says: union of methods and
// header names, credentials and private network access if any rule grants
// them, the smallest max age, status 200 if any rule asks for it. The
// methods of the deny rules are taken out of what Allow-Methods offers.
func combine(rules, deny []*Rule) *Grant {
	g := &Grant{Rules: rules, MaxAge: -1, Status: 204, Public: len(rules) > 0}
	for _, r := range rules {
		g.Methods = append(g.Methods, r.Methods...)
		g.AnyMethod = g.AnyMethod || r.AnyMethod
		g.Headers = append(g.Headers, r.Headers...)
		g.AnyHeader = g.AnyHeader || r.AnyHeader
		g.Expose = append(g.Expose, r.Expose...)
		g.AnyExpose = g.AnyExpose || r.AnyExpose
		g.Credentials = g.Credentials || r.Credentials
		g.PrivateNetwork = g.PrivateNetwork || r.PrivateNetwork
		if r.MaxAge >= 0 && (g.MaxAge < 0 || r.MaxAge < g.MaxAge) {
			g.MaxAge = r.MaxAge
		}
		if r.Status == 200 {
			g.Status = 200
		}
		g.Public = g.Public && r.Any
	}
	g.Public = g.Public && !g.Credentials
	slices.Sort(g.Methods)
	g.Methods = slices.Compact(g.Methods)
	var denied []string
	for _, r := range deny {
		denied = append(denied, r.Methods...)
	}
	offered := slices.DeleteFunc(slices.Clone(g.Methods), func(m string) bool { return slices.Contains(denied, m) })
	slices.Sort(g.Headers)
	g.Headers = slices.Compact(g.Headers)
	slices.SortFunc(g.Expose, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	g.Expose = slices.CompactFunc(g.Expose, strings.EqualFold)

	g.headerSet = make(map[string]struct{}, len(g.Headers))
	for _, h := range g.Headers {
		g.headerSet[h] = struct{}{}
	}
	// With credentials a wildcard is read literally by browsers; the
	// evaluator then answers with the request's own method and headers,
	// so the values here hold the named grants only.
	wild := !g.Credentials
	// "*" with credentials is read literally, and "*" beside a deny would
	// offer the denied methods: then the answer names the method asked for.
	g.EchoMethod = g.AnyMethod && (!wild || len(denied) > 0)
	switch {
	case g.AnyMethod && !g.EchoMethod:
		g.AllowMethods = "*"
	case !g.AnyMethod:
		g.AllowMethods = strings.Join(offered, ", ")
	}
	switch {
	case g.AnyHeader && wild && g.HasHeader("authorization"):
		g.AllowHeaders = "*, authorization"
	case g.AnyHeader && wild:
		g.AllowHeaders = "*"
	default:
		g.AllowHeaders = strings.Join(g.Headers, ", ")
	}
	switch {
	case g.AnyExpose && wild:
		g.ExposeHeaders = "*"
	default:
		g.ExposeHeaders = strings.Join(g.Expose, ", ")
	}
	if g.MaxAge >= 0 {
		g.MaxAgeValue = strconv.Itoa(g.MaxAge)
	}
	return g
}

// HasMethod reports whether the grant covers method m, compared byte for byte.
func (g *Grant) HasMethod(m string) bool {
	if g.AnyMethod {
		return true
	}
	_, found := slices.BinarySearch(g.Methods, m)
	return found
}

// HasHeader reports whether the grant names the request header name, which
// must be lower-case.
func (g *Grant) HasHeader(name string) bool {
	_, ok := g.headerSet[name]
	return ok
}

// AllowsHeader reports whether the grant covers the request header name,
// in any case, without allocating: Authorization only by name, every other
// name by name or by any.
func (g *Grant) AllowsHeader(name string) bool {
	upper := strings.IndexFunc(name, func(r rune) bool { return 'A' <= r && r <= 'Z' })
	if upper < 0 {
		if _, ok := g.headerSet[name]; ok {
			return true
		}
		return g.AnyHeader && name != "authorization"
	}
	if len(name) > maxHeaderName {
		return g.AnyHeader && !strings.EqualFold(name, "authorization")
	}
	var buf [maxHeaderName]byte
	n := copy(buf[:], name)
	for i := upper; i < n; i++ {
		if c := buf[i]; 'A' <= c && c <= 'Z' {
			buf[i] = c + 'a' - 'A'
		}
	}
	// The conversions below are map keys and comparands: they do not allocate.
	if _, ok := g.headerSet[string(buf[:n])]; ok {
		return true
	}
	return g.AnyHeader && string(buf[:n]) != "authorization"
}

// maxHeaderName is the longest header name lower-cased on the stack; a
// longer one is granted only by any, and is compared without lower-casing.
const maxHeaderName = 128
