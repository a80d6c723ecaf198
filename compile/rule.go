package compile

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/lang"
)

// Effect says whether a rule allows or denies.
type Effect uint8

const (
	Allow Effect = iota
	Deny
)

func (e Effect) String() string {
	if e == Deny {
		return "deny"
	}
	return "allow"
}

// Rule is a rule of a policy with its names resolved and its values
// validated and normalised. Lists are sorted and free of duplicates.
type Rule struct {
	Effect Effect
	Pos    lang.Position // where the rule starts in its file

	Origins []Pattern // the origin patterns the rule names
	Any     bool      // the rule names every origin
	Null    bool      // the rule names the null origin

	Paths []*PathPattern // the paths the rule covers; nil for every path

	// Methods the rule names, byte for byte as written. For an allow rule
	// without a methods clause they are GET, HEAD and POST; for a deny
	// rule without one, nil, meaning every method.
	Methods   []string
	AnyMethod bool

	Headers        []string // request header names granted, lower-case
	AnyHeader      bool     // every request header but Authorization, unless named
	Expose         []string // response header names exposed, as first written
	AnyExpose      bool
	Credentials    bool
	PrivateNetwork bool
	MaxAge         int // seconds; -1 when the rule sets none
	Status         int // preflight status; 0 when the rule sets none

	// Where the rule came from, for tools that point at it.
	Node     *lang.Rule
	Grants   *lang.GrantsClause // the rule's grants clause, if it has one
	Bundle   *lang.Bundle       // the bundle it names
	Profiles []string           // the names of its profile block; nil outside one
	// Dev is set when every profile of its block is one the policy
	// declares a development build (dev-profiles): the rule reaches no
	// other build.
	Dev        bool
	Duplicates []*lang.String // origin literals that repeat one before them

	// Where each value was first written, for At: the sources of the
	// origins stand beside Origins, index for index, and those of the
	// methods and header names are listed, sorted by their key. A list,
	// not a map: a rule names a few methods and headers, and a map per
	// rule weighed more than the rest of the rule in a large policy.
	originSources []source
	sources       []keyedSource
}

// keyedSource is the source of a method or header name: At's key, its
// keyword and its value apart, so that recording it allocates no key.
// Once the rule is compiled they are sorted by key.
type keyedSource struct {
	keyword, name string
	source
}

// source is where a value of a rule was written: a string literal, and for
// a value from a named set, the reference in the rule it came through.
type source struct {
	lit *lang.String
	via *lang.Value
}

// source records where the value name of the keyword's clause was written.
func (r *Rule) source(keyword, name string, it item) {
	r.sources = append(r.sources, keyedSource{keyword, name, source{it.lit, it.via}})
}

// At returns the node a tool should point at for the value key, one of
// "origin " + a normalised pattern (as Pattern.String writes it),
// "method " + a method, "headers " or "expose " + a lower-case header name:
// the literal when it is in the rule's own file, and otherwise the
// reference in the rule through which it came (a literal in an imported
// module means nothing to the reader of the policy). It returns nil for a
// value no literal wrote, such as the default methods.
func (r *Rule) At(key string) lang.Node {
	if text, ok := strings.CutPrefix(key, "origin "); ok {
		p, err := ParsePattern(text)
		if err != nil || p.String() != text {
			return nil
		}
		return r.at(r.originSource(p))
	}
	keyword, name, _ := strings.Cut(key, " ")
	i, ok := slices.BinarySearchFunc(r.sources, keyedSource{keyword: keyword, name: name}, compareKeys)
	if !ok {
		return nil
	}
	return r.at(r.sources[i].source)
}

// sortSources sorts the sources of the rule's methods and header names by
// key, for At: a rule may name thousands, each once (a clause's keyword
// is given once, and its values are deduplicated).
func (r *Rule) sortSources() { slices.SortFunc(r.sources, compareKeys) }

func compareKeys(a, b keyedSource) int {
	return cmp.Or(strings.Compare(a.keyword, b.keyword), strings.Compare(a.name, b.name))
}

func (r *Rule) at(s source) lang.Node {
	if s.lit == nil {
		return nil
	}
	if s.via != nil && s.lit.Pos.Filename != r.Pos.Filename {
		return s.via
	}
	return s.lit
}

// originSource returns the source of the pattern p of the rule's Origins.
func (r *Rule) originSource(p Pattern) source {
	i, ok := slices.BinarySearchFunc(r.Origins, p, comparePatterns)
	if !ok || i >= len(r.originSources) {
		return source{}
	}
	return r.originSources[i]
}

// comparePatterns orders the patterns of a rule's Origins.
func comparePatterns(a, b Pattern) int {
	if c := strings.Compare(a.Scheme, b.Scheme); c != 0 {
		return c
	}
	if c := strings.Compare(a.Host, b.Host); c != 0 {
		return c
	}
	if a.Port != b.Port {
		return cmp.Compare(a.Port, b.Port)
	}
	return boolCompare(a.Wildcard, b.Wildcard)
}

// Through returns, for a node a tool points at about the rule, the words
// that say the rule has it from its bundle: " (grants spa-api, in the rule
// at 12:5)" when n stands in the bundle's text, and "" otherwise.
func (r *Rule) Through(n lang.Node) string {
	if r.Bundle == nil || n == nil {
		return ""
	}
	p := n.Start()
	if p.Filename != r.Bundle.Pos.Filename || p.Offset < r.Bundle.Pos.Offset || p.Offset >= r.Bundle.EndPos.Offset {
		return ""
	}
	return fmt.Sprintf(" (grants %s, in the rule at %d:%d)", r.Bundle.Name.Name, r.Pos.Line, r.Pos.Column)
}

// InABuildWith reports whether the rule and o are served together in some
// build: one of them is outside every profile block, or their blocks share
// a profile.
func (r *Rule) InABuildWith(o *Rule) bool {
	return r.Profiles == nil || o.Profiles == nil ||
		slices.ContainsFunc(r.Profiles, func(p string) bool { return slices.Contains(o.Profiles, p) })
}

// CoversMethod reports whether the rule covers a request with method m:
// for a deny rule without a methods clause, every method.
func (r *Rule) CoversMethod(m string) bool {
	if r.AnyMethod || r.Methods == nil {
		return true
	}
	for _, x := range r.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// CoversPath reports whether the rule covers the request path p.
func (r *Rule) CoversPath(p string) bool {
	if r.Paths == nil {
		return true
	}
	for _, pp := range r.Paths {
		if pp.Match(p) {
			return true
		}
	}
	return false
}

// safelistedMethods are the methods a rule without a methods clause covers:
// those any page can send cross-origin without a preflight.
var safelistedMethods = []string{"GET", "HEAD", "POST"}
