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

	methodBits uint8               // the common methods among Methods
	headerSet  map[string]struct{} // Headers, when too many to search one by one
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
	for _, m := range g.Methods {
		g.methodBits |= methodBit(m)
	}
	var denied []string
	for _, r := range deny {
		denied = append(denied, r.Methods...)
	}
	offered := slices.DeleteFunc(slices.Clone(g.Methods), func(m string) bool { return slices.Contains(denied, m) })
	slices.Sort(g.Headers)
	g.Headers = slices.Compact(g.Headers)
	slices.SortFunc(g.Expose, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	g.Expose = slices.CompactFunc(g.Expose, strings.EqualFold)

	if len(g.Headers) > maxListedHeaders {
		g.headerSet = make(map[string]struct{}, len(g.Headers))
		for _, h := range g.Headers {
			g.headerSet[h] = struct{}{}
		}
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
	if b := methodBit(m); b != 0 {
		return g.methodBits&b != 0
	}
	_, found := slices.BinarySearch(g.Methods, m)
	return found
}

// methodBit returns the bit that stands for m in a grant's methodBits when
// m is one of the common methods, and 0 otherwise: most requests are then
// decided by one switch and one mask, without a search.
func methodBit(m string) uint8 {
	switch m {
	case "GET":
		return 1 << 0
	case "HEAD":
		return 1 << 1
	case "POST":
		return 1 << 2
	case "PUT":
		return 1 << 3
	case "DELETE":
		return 1 << 4
	case "PATCH":
		return 1 << 5
	case "OPTIONS":
		return 1 << 6
	}
	return 0
}

// HasHeader reports whether the grant names the request header name, which
// must be lower-case.
func (g *Grant) HasHeader(name string) bool {
	_, ok := slices.BinarySearch(g.Headers, name)
	return ok
}

// AllowsHeader reports whether the grant covers the request header name,
// in any case, without allocating: Authorization only by name, every other
// name by name or by any. A name that is not a token is not covered.
func (g *Grant) AllowsHeader(name string) bool {
	if g.headerSet == nil || len(name) > maxHeaderName {
		// A short list, or a long name: compared in place, first as
		// browsers send names (in lower case), then folding.
		for _, h := range g.Headers {
			if len(h) == len(name) && (name == h || foldedTokenEquals(name, h)) {
				return true
			}
		}
	} else {
		var buf [maxHeaderName]byte
		lower := buf[:len(name)]
		for i := range len(name) {
			lower[i] = lowerToken[name[i]]
		}
		// The conversion is a map key: it does not allocate.
		if _, ok := g.headerSet[string(lower)]; ok {
			return true
		}
	}
	return g.AnyHeader && IsToken(name) && !strings.EqualFold(name, "authorization")
}

// foldedTokenEquals reports whether name, a header name of the same length
// as lower, is lower once folded to lower case; lower is a lower-case
// token, so a name holding a byte no token holds never equals it.
func foldedTokenEquals(name, lower string) bool {
	for i := 0; i < len(name); i++ {
		if lowerToken[name[i]] != lower[i] {
			return false
		}
	}
	return true
}

// maxListedHeaders is the most header names a grant searches one by one;
// past it, a hash set is quicker.
const maxListedHeaders = 8

// maxHeaderName is the longest header name lower-cased on the stack to be
// looked up in a grant's header set.
const maxHeaderName = 128
