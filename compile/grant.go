package compile

import (
	"slices"
	"strconv"
	"strings"
)

// Grant is what a set of allow rules grants together, with the values of
// the response headers computed once, when the table is built. Grants are
// shared by every request a table answers, and some by tables: read them,
// never change them.
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
}

// noGrant is what no rule grants, the same in every cell: one Grant for
// all of them, where a table of ten thousand cells made ten thousand.
var noGrant = combine([]*Rule{}, nil)

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

// methodIndex returns the index of m among the common methods, which a
// cell indexes in an array, or -1: most requests are then judged with one
// switch and one load.
func methodIndex(m string) int {
	switch m {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "DELETE":
		return 4
	case "PATCH":
		return 5
	case "OPTIONS":
		return 6
	}
	return -1
}

// numCommonMethods is the number of methods methodIndex knows.
const numCommonMethods = 7

// HasHeader reports whether the grant names the request header name, which
// must be lower-case.
func (g *Grant) HasHeader(name string) bool {
	_, ok := slices.BinarySearch(g.Headers, name)
	return ok
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

// maxListedHeaders is the most header names a cell searches one by one;
// past it, a hash set is quicker.
const maxListedHeaders = 8

// maxHeaderName is the longest header name lower-cased on the stack to be
// looked up in a cell's header index.
const maxHeaderName = 128
