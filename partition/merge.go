package partition

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/eval"
)

// Product is a set of regions that share a key, described: every request
// of the origins, paths, methods and kinds of request it names is in one of
// its regions, and every region of it is such a product of them.
type Product struct {
	// Origins describes the origins: "every origin", or the labels of the
	// classes, with an example origin where the label is a pattern.
	Origins       string
	OriginClasses []OriginClass
	// Paths describes the paths in terms of the globs (see
	// pathset.Partition.Describe).
	Paths    string
	Methods  string
	Requests string // the kinds of request, with credentials, headers, private network
	Key      string
	// First is the index, among the regions given to Merge, of the
	// product's first region; Regions is how many it holds, and Members
	// their indexes.
	First   int
	Regions int
	Members []int
}

// node is a product being merged: a set of values along one dimension, the
// others fixed.
type node struct {
	first, regions      int
	members             []int // indexes of the regions given to Merge
	key                 string
	keys                []int // the values merged along the current dimension
	group, path, method int
	// descriptions of the dimensions merged so far
	requests, methods, paths string
}

// ordered keeps nodes by key in the order they were first made.
type ordered[K comparable] struct {
	index map[K]*node
	list  []*node
}

func (o *ordered[K]) add(k K, make func() *node, value int, from *node) *node {
	if o.index == nil {
		o.index = map[K]*node{}
	}
	n, ok := o.index[k]
	if !ok {
		n = make()
		o.index[k] = n
		o.list = append(o.list, n)
	}
	n.keys = append(n.keys, value)
	n.regions += from.regions
	n.members = append(n.members, from.members...)
	return n
}

// Merge groups regions that share a key (in diff, the changes; in a query,
// the grant) into products, one dimension at a time: the kinds of request of
// one origin group, path and method; then the methods; then the paths; then
// the origin groups. Each step merges only what agrees on every other
// dimension, so each product is exactly the product of its dimensions'
// values. Products come in the order of their first region.
//
// headers, when not "", describes the request headers of every preflight
// instead of the header regions: a query that fixes them says so.
func (s *Space) Merge(rs []Region, keys []string, headers string) []Product {
	type k1 struct {
		group, path, method int
		key                 string
	}
	var l1 ordered[k1]
	regionsOf := map[*node][]Region{}
	for i, r := range rs {
		n := l1.add(k1{r.Group, r.Path, r.Method, keys[i]}, func() *node {
			return &node{first: i, key: keys[i], group: r.Group, path: r.Path, method: r.Method}
		}, i, &node{regions: 1, members: []int{i}})
		regionsOf[n] = append(regionsOf[n], r)
	}
	type k2 struct {
		group, path   int
		requests, key string
	}
	var l2 ordered[k2]
	for _, n := range l1.list {
		requests := s.describeRequests(s.groups[n.group], regionsOf[n], headers)
		l2.add(k2{n.group, n.path, requests, n.key}, func() *node {
			return &node{first: n.first, key: n.key, group: n.group, path: n.path, requests: requests}
		}, n.method, n)
	}
	type k3 struct {
		group                  int
		methods, requests, key string
	}
	var l3 ordered[k3]
	for _, n := range l2.list {
		methods := s.DescribeMethods(n.keys)
		l3.add(k3{n.group, methods, n.requests, n.key}, func() *node {
			return &node{first: n.first, key: n.key, group: n.group, requests: n.requests, methods: methods}
		}, n.path, n)
	}
	type k4 struct{ paths, methods, requests, key string }
	var l4 ordered[k4]
	for _, n := range l3.list {
		paths := s.paths.Describe(n.keys)
		l4.add(k4{paths, n.methods, n.requests, n.key}, func() *node {
			return &node{first: n.first, key: n.key, requests: n.requests, methods: n.methods, paths: paths}
		}, n.group, n)
	}
	var out []Product
	for _, n := range l4.list {
		origins, classes := s.DescribeOrigins(n.keys)
		out = append(out, Product{Origins: origins, OriginClasses: classes, Paths: n.paths, Methods: n.methods,
			Requests: n.requests, Key: n.key, First: n.first, Regions: n.regions, Members: n.members})
	}
	return out
}

// describeRequests says which requests of one origin group, path and
// method a set of regions holds.
func (s *Space) describeRequests(g *Group, rs []Region, fixed string) string {
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
	case g.Kind != Origins || len(creds) == 2:
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
		h := fixed
		if h == "" {
			h = g.DescribeHeaders(hs)
		}
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

// DescribeMethods names the methods of a set of method classes (indexes of
// Methods, or Invalid).
func (s *Space) DescribeMethods(ms []int) string {
	ms = slices.Compact(slices.Sorted(slices.Values(ms)))
	valid := slices.DeleteFunc(slices.Clone(ms), func(m int) bool { return m == Invalid })
	var parts []string
	if len(valid) == len(s.methods) {
		parts = append(parts, "any method")
	} else {
		for _, m := range valid {
			if m == s.OtherMethod() {
				parts = append(parts, "methods no rule names (such as "+s.methods[m]+")")
			} else {
				parts = append(parts, s.methods[m])
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

// DescribeOrigins describes the origins of a set of groups, and returns
// their classes: "every origin" for every group of origins, otherwise the
// labels of at most eight classes and how many more there are.
func (s *Space) DescribeOrigins(gs []int) (string, []OriginClass) {
	gs = slices.Compact(slices.Sorted(slices.Values(gs)))
	var classes []OriginClass
	origins := 0
	var parts []string
	for _, gi := range gs {
		g := s.groups[gi]
		switch g.Kind {
		case NoOrigin:
			parts = append(parts, "no Origin (not a CORS request)")
		case BadOrigin:
			parts = append(parts, "a malformed Origin")
		default:
			classes = append(classes, g.Classes...)
			origins++
		}
	}
	if origins == len(s.groups)-2 {
		return strings.Join(append(parts, "every origin"), ", "), classes
	}
	for i, c := range classes {
		switch {
		case i >= maxListed:
		case c.Label == c.Witness:
			parts = append(parts, c.Label)
		default:
			parts = append(parts, fmt.Sprintf("%s (e.g. %s)", c.Label, c.Witness))
		}
	}
	if len(classes) > maxListed {
		parts = append(parts, fmt.Sprintf("and %d more", len(classes)-maxListed))
	}
	return strings.Join(parts, ", "), classes
}
