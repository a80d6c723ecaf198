// Package partition splits the requests that compiled policies answer into
// finitely many regions, each with a witness request, such that every
// request of a region gets from each policy the answer its witness gets. A
// diff of two policies compares them region by region; a query asks one
// policy region by region. Both then speak of every request, not of a
// sample.
//
// A region is a product of one class per dimension of a request:
//
//   - origin: a group of origin classes. The classes split the origin space
//     by the patterns of all the tables together (see OriginClass), so that
//     each pattern of each table matches a class whole or not at all; a
//     class's origins therefore find, in each table, cells of the same
//     rules. Classes whose cells hold rules of the same content in every
//     table (whatever their positions) form one group. Besides them, a
//     group for requests without Origin and one for an Origin that is not
//     a serialised origin, or several Origin lines.
//   - path: a region of the path globs of every rule of every table (package
//     pathset): its paths match the same globs. Paths the engine never
//     judges (a dot segment, an escaped slash) are in no region: they are
//     denied whatever the policy.
//   - method: each method a rule of a table names, byte for byte, GET, HEAD
//     and POST, and one method no rule names; for a preflight, also a
//     requested method that is not one token.
//   - kind: not a CORS request, actual request, preflight;
//   - for an actual request, credentials or not;
//   - for a preflight, its request headers (see HeaderRegion) and whether it
//     asks for private network access.
//
// Why a region's requests are answered alike. eval.Evaluate reads a request
// through: its kind; the cell its origin finds (rules whose content the
// group fixes); whether each rule's globs match its path (fixed by the path
// region), which also fixes whether the answer depends on the origin and
// the public answer; whether each rule names its method or any method
// (fixed by the method class: a method no rule names is granted by methods
// any alone and covered by deny rules without methods alone); credentials;
// the and of Cell.HeaderRules over its requested header names (the header
// region fixes it in every table); whether private network access is asked.
// From these alone it picks the granting rules, and the answer is their
// grant. What the answer takes from the request itself (the origin, the
// requested method, the requested header lines, echoed) is the same for
// both of two policies, so two answers to one request differ exactly when
// the answers to another request of the region do, with one exception, which
// package diff handles: where one policy echoes the requested header names
// (headers any with credentials) and the other lists the names it grants,
// the two agree on the one set of names equal to that list.
package partition

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
	"github.com/corspolicy/cors/eval"
)

// MaxRegions bounds the regions of a space, so that comparing two policies
// takes bounded time: policies past it are refused with an error.
const MaxRegions = 1 << 22

// Space is the regions of the request space that a list of tables tells
// apart.
type Space struct {
	tables      []*compile.Table
	paths       *pathset.Partition
	methods     []string // the named methods, then one no rule names
	groups      []*Group
	byKey       map[string]int // group by the content of its cells
	cellKeys    map[*compile.Cell]string
	cellID      map[*compile.Cell]int
	otherHeader string
}

// GroupKind says what origins a group holds.
type GroupKind uint8

const (
	NoOrigin  GroupKind = iota // requests without Origin: not CORS requests
	BadOrigin                  // an Origin that is not a serialised origin, or several
	Origins                    // serialised origins, null included
)

// The groups every space starts with.
const (
	NoOriginGroup  = 0
	BadOriginGroup = 1
)

// BadOriginWitness is the Origin of the witnesses of BadOriginGroup: not a
// serialised origin (it has a path).
const BadOriginWitness = "https://example.com/"

// Group is a set of origin classes that every table answers alike.
type Group struct {
	Kind    GroupKind
	Classes []OriginClass
	cells   []*compile.Cell // of the first class, one per table

	classes   []headerClass
	named     map[string]int // header class by lower-case name
	other     int            // the class of the names no rule names
	headers   []HeaderRegion
	headerKey map[string]int
}

// HeaderRegions returns the request-header regions of the group's
// preflights: no header line, a blank one, then the named sets.
func (g *Group) HeaderRegions() []HeaderRegion { return g.headers }

// Region is one region of a space: a class of each dimension.
type Region struct {
	Group  int // index of Space.Groups
	Path   int // index of Space.Paths().Regions(); -1 for a path never judged
	Method int // index of Space.Methods(); Invalid for a requested method that is not a token
	Kind   eval.Kind
	// Credentials is whether an actual request from a group of origins
	// carries credentials.
	Credentials bool
	// Headers indexes the group's HeaderRegions, for a preflight from a
	// group of origins that asks for a valid method; -1 otherwise.
	Headers        int
	PrivateNetwork bool // whether such a preflight asks for private network access
}

// Invalid is the Method of a preflight whose requested method is not one
// token of at most 64 bytes.
const Invalid = -1

// New computes the regions that the tables tell apart together.
func New(tables ...*compile.Table) (*Space, error) {
	s := &Space{tables: tables, byKey: map[string]int{}, cellKeys: map[*compile.Cell]string{}, cellID: map[*compile.Cell]int{}}
	var globs []string
	methods := []string{"GET", "HEAD", "POST"}
	headers := map[string]bool{}
	for _, t := range tables {
		for _, r := range t.Rules {
			for _, p := range r.Paths {
				globs = append(globs, p.Text)
			}
			methods = append(methods, r.Methods...)
			for _, h := range r.Headers {
				headers[h] = true
			}
		}
	}
	var err error
	if s.paths, err = pathset.New(globs); err != nil {
		return nil, err
	}
	slices.SortFunc(methods, compareMethods)
	s.methods = slices.Compact(methods)
	for _, m := range []string{"PROPFIND", "MKCOL", "LOCK", "UNLOCK", "X-OTHER-METHOD"} {
		if !slices.Contains(s.methods, m) {
			s.methods = append(s.methods, m)
			break
		}
	}
	s.otherHeader = "x-other-header"
	for i := 2; headers[s.otherHeader]; i++ {
		s.otherHeader = fmt.Sprintf("x-other-header-%d", i)
	}

	s.groups = []*Group{
		{Kind: NoOrigin, Classes: []OriginClass{{Label: "requests without Origin"}}},
		{Kind: BadOrigin, Classes: []OriginClass{{Label: "a malformed Origin, or several", Witness: BadOriginWitness}}},
	}
	// Most classes of a long list of origins find the same cells: the
	// group of a tuple of cells is looked up by their identities first,
	// and their content is read once per tuple.
	byCells := map[string]int{}
	for _, class := range originClasses(tables) {
		cells, ok := s.lookup(class.Witness)
		if !ok {
			return nil, fmt.Errorf("partition: the witness %q of %s is not an origin", class.Witness, class.Label)
		}
		ids := s.cellIDs(cells)
		g, ok := byCells[ids]
		if !ok {
			key := s.groupKey(cells)
			if g, ok = s.byKey[key]; !ok {
				g = len(s.groups)
				s.byKey[key] = g
				s.groups = append(s.groups, &Group{Kind: Origins, cells: cells})
			}
			byCells[ids] = g
		}
		s.groups[g].Classes = append(s.groups[g].Classes, class)
	}
	// The regions are counted as each group's header regions are made, so
	// that many groups of many header regions stop at the bound rather
	// than fill memory first.
	p, m := len(s.paths.Regions()), len(s.methods)
	n := p*m + p*m + p*(m+1)
	for _, g := range s.groups[2:] {
		if err := g.headerRegions(s.otherHeader); err != nil {
			return nil, err
		}
		if n += p*m*2 + p*m*len(g.headers)*2 + p; n > MaxRegions {
			return nil, fmt.Errorf("the policies split the requests into more than the %d regions a comparison takes", MaxRegions)
		}
	}
	return s, nil
}

// commonMethods orders the methods people read first.
var commonMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

func compareMethods(a, b string) int {
	i, j := slices.Index(commonMethods, a), slices.Index(commonMethods, b)
	switch {
	case i >= 0 && j >= 0:
		return i - j
	case i >= 0:
		return -1
	case j >= 0:
		return 1
	}
	return strings.Compare(a, b)
}

// lookup returns the cell of origin in each table.
func (s *Space) lookup(origin string) ([]*compile.Cell, bool) {
	cells := make([]*compile.Cell, len(s.tables))
	for i, t := range s.tables {
		c, ok := t.Lookup(origin)
		if !ok {
			return nil, false
		}
		cells[i] = c
	}
	return cells, true
}

// cellIDs returns a key for the identities of a tuple of cells.
func (s *Space) cellIDs(cells []*compile.Cell) string {
	b := make([]byte, 0, 4*len(cells))
	for _, c := range cells {
		id, ok := s.cellID[c]
		if !ok {
			id = len(s.cellID)
			s.cellID[c] = id
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(id))
	}
	return string(b)
}

// groupKey returns what the answers to a group's origins depend on: the
// content of its cell in each table.
func (s *Space) groupKey(cells []*compile.Cell) string {
	var b strings.Builder
	for _, c := range cells {
		k, ok := s.cellKeys[c]
		if !ok {
			k = cellKey(c)
			s.cellKeys[c] = k
		}
		b.WriteString(k)
		b.WriteByte(0)
	}
	return b.String()
}

// cellKey writes what a cell's answers depend on: the content of its rules,
// not their positions or origins, in a canonical order.
func cellKey(c *compile.Cell) string {
	var rules []string
	for _, r := range c.Allow {
		rules = append(rules, "allow "+ruleKey(r))
	}
	for _, r := range c.Deny {
		rules = append(rules, "deny "+ruleKey(r))
	}
	slices.Sort(rules)
	return strings.Join(rules, "\n")
}

func ruleKey(r *compile.Rule) string {
	var paths []string
	for _, p := range r.Paths {
		paths = append(paths, p.Text)
	}
	var expose []string
	for _, e := range r.Expose {
		expose = append(expose, strings.ToLower(e))
	}
	slices.Sort(expose)
	return fmt.Sprintf("any=%v paths=%v/%q methods=%v/%q anymethod=%v headers=%q anyheader=%v expose=%q anyexpose=%v credentials=%v pna=%v maxage=%d status=%d",
		r.Any, r.Paths == nil, paths, r.Methods == nil, r.Methods, r.AnyMethod, r.Headers, r.AnyHeader,
		expose, r.AnyExpose, r.Credentials, r.PrivateNetwork, r.MaxAge, r.Status)
}

// Tables returns the tables of the space.
func (s *Space) Tables() []*compile.Table { return s.tables }

// Paths returns the path regions.
func (s *Space) Paths() *pathset.Partition { return s.paths }

// Methods returns the method classes: each method a rule names, GET, HEAD
// and POST, and last a method no rule names, which stands for all of them.
func (s *Space) Methods() []string { return s.methods }

// OtherMethod is the index in Methods of the method that stands for the
// methods no rule names.
func (s *Space) OtherMethod() int { return len(s.methods) - 1 }

// Groups returns the origin groups: NoOriginGroup, BadOriginGroup, then
// the groups of origins.
func (s *Space) Groups() []*Group { return s.groups }

// Each calls yield for every region, until it returns false, in order: by
// group, kind, path, method, then the other dimensions.
func (s *Space) Each(yield func(Region) bool) {
	paths, methods := len(s.paths.Regions()), len(s.methods)
	for gi, g := range s.groups {
		for _, kind := range []eval.Kind{eval.NotCORS, eval.Actual, eval.Preflight} {
			for p := range paths {
				for m := -1; m < methods; m++ {
					r := Region{Group: gi, Path: p, Method: m, Kind: kind, Headers: -1}
					switch {
					case g.Kind == NoOrigin && kind != eval.NotCORS, g.Kind != NoOrigin && kind == eval.NotCORS,
						m == Invalid && kind != eval.Preflight:
					case g.Kind != Origins || m == Invalid:
						if !yield(r) {
							return
						}
					case kind == eval.Actual:
						for _, creds := range []bool{false, true} {
							r.Credentials = creds
							if !yield(r) {
								return
							}
						}
					default:
						for h := range g.headers {
							for _, pna := range []bool{false, true} {
								r.Headers, r.PrivateNetwork = h, pna
								if !yield(r) {
									return
								}
							}
						}
					}
				}
			}
		}
	}
}

// Locate returns the region of a request, as the middleware reads requests
// (eval.RequestOf): a preflight carries no credentials, so Locate reports
// false for one that does. It reports false too for an origin whose cells
// no group holds, which the construction of the groups rules out. A path
// the engine never judges gives a region with Path -1, whatever else the
// request holds, since it is denied alike everywhere (its other dimensions
// are left zero).
func (s *Space) Locate(req *eval.Request) (Region, bool) {
	r := Region{Headers: -1}
	switch {
	case len(req.Origin) == 0:
		r.Kind, r.Group = eval.NotCORS, NoOriginGroup
	case req.Method == "OPTIONS" && req.RequestMethod != nil:
		r.Kind = eval.Preflight
		if req.Credentials {
			return r, false
		}
	default:
		r.Kind = eval.Actual
	}
	if r.Kind != eval.NotCORS {
		r.Group = BadOriginGroup
		if len(req.Origin) == 1 {
			if cells, ok := s.lookup(req.Origin[0]); ok {
				g, ok := s.byKey[s.groupKey(cells)]
				if !ok {
					return r, false
				}
				r.Group = g
			}
		}
	}
	if r.Path = s.paths.Locate(req.Path); r.Path < 0 {
		return Region{Group: r.Group, Path: -1, Kind: r.Kind, Headers: -1}, true
	}
	r.Method = s.methodClass(req.Method)
	if r.Kind == eval.Preflight {
		if len(req.RequestMethod) != 1 || !validMethod(req.RequestMethod[0]) {
			r.Method = Invalid
		} else {
			r.Method = s.methodClass(req.RequestMethod[0])
		}
	}
	g := s.groups[r.Group]
	switch {
	case g.Kind != Origins:
	case r.Kind == eval.Actual:
		r.Credentials = req.Credentials
	case r.Method != Invalid:
		if r.Headers = g.HeaderRegionOf(req.RequestHeaders); r.Headers < 0 {
			return r, false
		}
		r.PrivateNetwork = req.PrivateNetwork == "true"
	}
	return r, true
}

func (s *Space) methodClass(m string) int {
	if i := slices.Index(s.methods[:len(s.methods)-1], m); i >= 0 {
		return i
	}
	return s.OtherMethod()
}

// validMethod reports whether m may be a requested method, as the evaluator
// checks it.
func validMethod(m string) bool { return len(m) <= compile.MaxMethodLength && compile.IsToken(m) }

// invalidMethod is the requested method of the witnesses of Invalid.
const invalidMethod = "GET, PUT"

// unjudgedPath is the path of the witnesses of regions with Path -1.
const unjudgedPath = "/a/../b"

// Witness returns a request of the region.
func (s *Space) Witness(r Region) eval.Request {
	g := s.groups[r.Group]
	req := eval.Request{Path: unjudgedPath}
	if r.Path >= 0 {
		req.Path = s.paths.Regions()[r.Path].Witness
	}
	if g.Kind != NoOrigin {
		req.Origin = []string{g.Classes[0].Witness}
	}
	method := invalidMethod
	if r.Method >= 0 {
		method = s.methods[r.Method]
	}
	if r.Kind != eval.Preflight {
		req.Method = method
		req.Credentials = r.Credentials
		return req
	}
	req.Method, req.RequestMethod = "OPTIONS", []string{method}
	if r.Headers >= 0 {
		switch h := g.headers[r.Headers]; h.Form {
		case BlankHeaders:
			req.RequestHeaders = []string{""}
		case NamedHeaders:
			req.RequestHeaders = []string{strings.Join(h.Names, ", ")}
		}
	}
	if r.PrivateNetwork {
		req.PrivateNetwork = "true"
	}
	return req
}

// WithHeaders returns the witness of a preflight region asking for the
// given names instead.
func (s *Space) WithHeaders(r Region, names []string) eval.Request {
	req := s.Witness(r)
	req.RequestHeaders = []string{strings.Join(names, ", ")}
	return req
}
