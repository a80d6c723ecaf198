package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/regions"
)

// Entry is a set of regions that changed alike: every request of the
// origins, paths, methods and kind of request it describes (a product of
// them) is answered differently, with the same changes.
type Entry struct {
	Category Category `json:"category"`
	// Origins describes the origins: "every origin", or the classes'
	// labels, with an example origin where the label is a pattern.
	Origins string `json:"origins"`
	// OriginClasses are the classes, every one.
	OriginClasses []regions.OriginClass `json:"origin_classes"`
	// Paths describes the paths in terms of the globs (pathset's
	// Partition.Describe); the witness holds an example.
	Paths    string   `json:"paths"`
	Methods  string   `json:"methods"`
	Requests string   `json:"requests"` // the kinds of request, with credentials, headers, private network
	Changes  []Change `json:"changes"`
	Witness  Witness  `json:"witness"`
	Regions  int      `json:"regions"` // how many regions the entry merges
}

// Witness is a request of an entry, with the two answers to it.
type Witness struct {
	Request Request        `json:"request"`
	Old     regions.Answer `json:"old"`
	New     regions.Answer `json:"new"`
	// Case is the request as a fixture case whose expectations are the
	// new policy's answer, ready to paste; the old answer is in comments.
	Case string `json:"case"`
}

// Request is a request as fixtures and JSON write it.
type Request struct {
	Method         string   `json:"method"`
	Path           string   `json:"path"`
	Origin         []string `json:"origin,omitempty"`
	RequestMethod  []string `json:"access_control_request_method,omitempty"`
	RequestHeaders []string `json:"access_control_request_headers,omitempty"`
	PrivateNetwork string   `json:"access_control_request_private_network,omitempty"`
	Credentials    bool     `json:"credentials,omitempty"`
}

func newWitness(req *eval.Request, old, new *eval.Decision) Witness {
	return Witness{
		Request: Request{Method: req.Method, Path: req.Path, Origin: req.Origin, RequestMethod: req.RequestMethod,
			RequestHeaders: req.RequestHeaders, PrivateNetwork: req.PrivateNetwork, Credentials: req.Credentials},
		Old:  regions.AnswerOf(old),
		New:  regions.AnswerOf(new),
		Case: fixtureCase(req, old, new),
	}
}

// node is a product of regions being merged: a set of values along one
// dimension, the others fixed.
type node struct {
	first   *found
	sig     string
	changes []Change
	regions int
	keys    []int // the values merged along the current dimension
	group   int
	path    int
	method  int
	// descriptions of the dimensions merged so far
	requests, methods, paths string
}

// ordered keeps nodes by key in the order they were first made.
type ordered[K comparable] struct {
	index map[K]*node
	list  []*node
}

func (o *ordered[K]) add(k K, f func() *node, key int, regions int) *node {
	if o.index == nil {
		o.index = map[K]*node{}
	}
	n, ok := o.index[k]
	if !ok {
		n = f()
		o.index[k] = n
		o.list = append(o.list, n)
	}
	n.keys = append(n.keys, key)
	n.regions += regions
	return n
}

// merge groups the changed regions into entries, one dimension at a time:
// the kinds of request of one origin group, path and method with the same
// changes; then the methods; then the paths; then the origin groups. Each
// step merges only what agrees on everything else, so every entry is a
// product of its dimensions' values, all changed alike.
func merge(s *regions.Space, list []*found) []*Entry {
	// The kinds of request of a group, path and method.
	type k1 struct {
		group, path, method int
		sig                 string
	}
	var l1 ordered[k1]
	regionsOf := map[*node][]regions.Region{}
	for i, f := range list {
		sig := signature(f.changes)
		n := l1.add(k1{f.region.Group, f.region.Path, f.region.Method, sig}, func() *node {
			return &node{first: f, sig: sig, changes: f.changes, group: f.region.Group, path: f.region.Path, method: f.region.Method}
		}, i, 1)
		regionsOf[n] = append(regionsOf[n], f.region)
	}
	// The methods.
	type k2 struct {
		group, path   int
		requests, sig string
	}
	var l2 ordered[k2]
	for _, n := range l1.list {
		requests := describeRequests(s, s.Groups()[n.group], regionsOf[n])
		l2.add(k2{n.group, n.path, requests, n.sig}, func() *node {
			return &node{first: n.first, sig: n.sig, changes: n.changes, group: n.group, path: n.path, requests: requests}
		}, n.method, n.regions)
	}
	// The paths.
	type k3 struct {
		group                  int
		methods, requests, sig string
	}
	var l3 ordered[k3]
	for _, n := range l2.list {
		methods := describeMethods(s, n.keys)
		l3.add(k3{n.group, methods, n.requests, n.sig}, func() *node {
			return &node{first: n.first, sig: n.sig, changes: n.changes, group: n.group, requests: n.requests, methods: methods}
		}, n.path, n.regions)
	}
	// The origin groups.
	type k4 struct{ paths, methods, requests, sig string }
	var l4 ordered[k4]
	for _, n := range l3.list {
		paths := s.Paths().Describe(n.keys)
		l4.add(k4{paths, n.methods, n.requests, n.sig}, func() *node {
			return &node{first: n.first, sig: n.sig, changes: n.changes, requests: n.requests, methods: n.methods, paths: paths}
		}, n.group, n.regions)
	}
	var out []*Entry
	for _, n := range l4.list {
		origins, classes := describeOrigins(s, n.keys)
		f := n.first
		out = append(out, &Entry{
			Category:      category(n.changes),
			Origins:       origins,
			OriginClasses: classes,
			Paths:         n.paths,
			Methods:       n.methods,
			Requests:      n.requests,
			Changes:       n.changes,
			Witness:       newWitness(&f.witness, &f.old, &f.new),
			Regions:       n.regions,
		})
	}
	slices.SortStableFunc(out, func(a, b *Entry) int { return int(a.Category) - int(b.Category) })
	return out
}

// describeRequests says which requests of one origin group, path and
// method a set of regions holds.
func describeRequests(s *regions.Space, g *regions.Group, rs []regions.Region) string {
	var parts []string
	var creds []bool
	var preflight bool
	headers := map[bool][]int{}
	for _, r := range rs {
		switch r.Kind {
		case eval.NotCORS:
			parts = append(parts, "requests without Origin")
		case eval.Actual:
			creds = append(creds, r.Credentials)
		case eval.Preflight:
			preflight = true
			if r.Headers >= 0 {
				headers[r.PrivateNetwork] = append(headers[r.PrivateNetwork], r.Headers)
			}
		}
	}
	switch {
	case len(creds) == 0:
	case g.Kind != regions.Origins || len(creds) == 2:
		parts = append(parts, "actual requests")
	case creds[0]:
		parts = append(parts, "actual requests with credentials")
	default:
		parts = append(parts, "actual requests without credentials")
	}
	// preflights writes the preflights asking for the header regions hs,
	// and for private network access (pna "yes"), not ("no"), or either.
	preflights := func(hs []int, pna string) string {
		d := "preflights"
		h := g.DescribeHeaders(hs)
		switch {
		case h != "any request headers" && pna != "":
			d += " asking for " + h + ", and " + map[string]string{"yes": "", "no": "not "}[pna] + "for private network access"
		case h != "any request headers":
			d += " asking for " + h
		case pna != "":
			d += " " + map[string]string{"yes": "", "no": "not "}[pna] + "asking for private network access"
		}
		return d
	}
	switch {
	case !preflight:
	case len(headers) == 0:
		parts = append(parts, "preflights")
	case slices.Equal(headers[false], headers[true]):
		parts = append(parts, preflights(headers[false], ""))
	default:
		if hs := headers[false]; len(hs) > 0 {
			parts = append(parts, preflights(hs, "no"))
		}
		if hs := headers[true]; len(hs) > 0 {
			parts = append(parts, preflights(hs, "yes"))
		}
	}
	return strings.Join(parts, "; ")
}

// describeMethods names the methods of a set of method classes.
func describeMethods(s *regions.Space, ms []int) string {
	ms = slices.Compact(slices.Sorted(slices.Values(ms)))
	valid := slices.DeleteFunc(slices.Clone(ms), func(m int) bool { return m == regions.Invalid })
	var parts []string
	if len(valid) == len(s.Methods()) {
		parts = append(parts, "any method")
	} else {
		for _, m := range valid {
			if m == s.OtherMethod() {
				parts = append(parts, "methods no rule names (such as "+s.Methods()[m]+")")
			} else {
				parts = append(parts, s.Methods()[m])
			}
		}
	}
	if len(valid) < len(ms) {
		parts = append(parts, "a requested method that is not one token")
	}
	return strings.Join(parts, ", ")
}

// maxListed is the most origin classes a description lists.
const maxListed = 8

// describeOrigins describes the origins of a set of groups, and returns
// their classes.
func describeOrigins(s *regions.Space, gs []int) (string, []regions.OriginClass) {
	gs = slices.Compact(slices.Sorted(slices.Values(gs)))
	var classes []regions.OriginClass
	origins := 0
	for _, gi := range gs {
		g := s.Groups()[gi]
		classes = append(classes, g.Classes...)
		if g.Kind == regions.Origins {
			origins++
		}
	}
	all := origins == len(s.Groups())-2
	var parts []string
	for _, gi := range gs {
		switch s.Groups()[gi].Kind {
		case regions.NoOrigin:
			parts = append(parts, "no Origin (not a CORS request)")
		case regions.BadOrigin:
			parts = append(parts, "a malformed Origin")
		}
	}
	if all {
		parts = append(parts, "every origin")
	} else {
		n := 0
		for _, c := range classes {
			if c.Witness == "" || c.Witness == regions.BadOriginWitness {
				continue
			}
			if n++; n > maxListed {
				continue
			}
			if c.Label == c.Witness {
				parts = append(parts, c.Label)
			} else {
				parts = append(parts, fmt.Sprintf("%s (e.g. %s)", c.Label, c.Witness))
			}
		}
		if n > maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", n-maxListed))
		}
	}
	return strings.Join(parts, ", "), classes
}
