// Package diff compares two compiled policies by what they answer: it
// reports, exactly, the requests the two answer differently, in regions
// (origins, paths, methods, the kind of request), with what changed and a
// witness request for each, written as a fixture case.
//
// The comparison walks the regions of package partition, built from both
// policies together, and compares the two answers to each region's witness
// as a client observes them (partition.Answer). Every request of a region is
// answered by each policy as its witness is, so a region whose witness gets
// two equal answers has no request that gets two different ones, and one
// whose witness gets two different answers has no request that gets two
// equal ones, with one exception: in a preflight region where one policy
// echoes the requested header names (headers any with credentials) and the
// other lists the names it grants, the set of names equal to that list is
// answered alike by both. The comparison tries that set on its own and
// records it as the region's exception. Nothing else is sampled, so no
// change is missed and no unchanged request is reported.
//
// One change is the policy's rather than a region's: whether any rule grants
// private network access, on which every preflight's Vary depends. It is
// reported once, for every preflight.
package diff

import (
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/partition"
)

// Result is the difference between two policies.
type Result struct {
	Old, New *compile.Table
	// Entries are the changes: widened first, then narrowed, then
	// changed, each in the order of the regions.
	Entries []*Entry

	space   *partition.Space
	changed map[partition.Region]*found
	varyPN  bool // the policies differ in granting private network access anywhere
}

// found is a region whose witness the two policies answer differently.
type found struct {
	region   partition.Region
	witness  eval.Request
	old, new eval.Decision
	changes  []Change
	// except is, for a preflight region where one policy echoes the
	// requested header names and the other lists them, the set of names
	// both answer alike; nil for none.
	except []string
	entry  *Entry // that holds the region
}

// varyPNSuffix is what Vary gains on every preflight of a policy that
// grants private network access.
const varyPNSuffix = ", Access-Control-Request-Private-Network"

// Tables compares two tables. It fails only when the policies are too large
// or intricate to compare within the bounds of partition and pathset.
func Tables(old, new *compile.Table) (*Result, error) {
	s, err := partition.New(old, new)
	if err != nil {
		return nil, err
	}
	res := &Result{Old: old, New: new, space: s, changed: map[partition.Region]*found{}, varyPN: old.PrivateNetwork != new.PrivateNetwork}
	var list []*found
	s.Each(func(r partition.Region) bool {
		if f := res.compare(r); f != nil {
			res.changed[r] = f
			list = append(list, f)
		}
		return true
	})
	res.Entries = merge(s, list)
	if res.varyPN {
		res.Entries = append([]*Entry{res.varyEntry()}, res.Entries...)
		slices.SortStableFunc(res.Entries, func(a, b *Entry) int { return int(a.Category) - int(b.Category) })
	}
	return res, nil
}

// answer returns what a client observes of d, leaving out of a preflight's
// Vary what the policy-wide change to private network access puts there.
func (res *Result) answer(d *eval.Decision) partition.Answer {
	a := partition.AnswerOf(d)
	if res.varyPN && d.Kind == eval.Preflight {
		a.Vary = strings.TrimSuffix(a.Vary, varyPNSuffix)
	}
	return a
}

// compare answers the witness of r with both policies and returns what
// differs, or nil.
func (res *Result) compare(r partition.Region) *found {
	s := res.space
	w := s.Witness(r)
	f := &found{region: r, witness: w, old: eval.Evaluate(res.Old, &w), new: eval.Evaluate(res.New, &w)}
	a, b := res.answer(&f.old), res.answer(&f.new)
	same := a.Equal(b)
	g := s.Groups()[r.Group]
	if r.Headers >= 0 && g.HeaderRegions()[r.Headers].Form == partition.NamedHeaders {
		if echoOld, echoNew := echoesHeaders(&f.old, &w), echoesHeaders(&f.new, &w); echoOld != echoNew {
			// One policy echoes the names asked for, the other lists
			// the names it grants: the two agree on that list alone.
			listed := a.AllowHeaders
			if echoOld {
				listed = b.AllowHeaders
			}
			if len(listed) > 0 && !slices.Contains(listed, "*") && g.HeaderRegionOf([]string{strings.Join(listed, ", ")}) == r.Headers {
				wl := s.WithHeaders(r, listed)
				lo, ln := eval.Evaluate(res.Old, &wl), eval.Evaluate(res.New, &wl)
				if res.answer(&lo).Equal(res.answer(&ln)) {
					f.except = listed
				}
			}
			if same {
				// The witness asked for exactly that list: another set
				// of the region, if there is one, is answered apart.
				other, ok := g.AnotherHeaderSet(r.Headers, g.HeaderRegions()[r.Headers].Names)
				if !ok {
					return nil
				}
				f.witness = s.WithHeaders(r, other)
				f.old, f.new = eval.Evaluate(res.Old, &f.witness), eval.Evaluate(res.New, &f.witness)
				a, b = res.answer(&f.old), res.answer(&f.new)
				same = a.Equal(b)
			}
		}
	}
	if same {
		return nil
	}
	f.changes = changes(a, b, echoes{
		oldMethod: echoesMethod(&f.old), newMethod: echoesMethod(&f.new),
		oldHeaders: echoesHeaders(&f.old, &f.witness), newHeaders: echoesHeaders(&f.new, &f.witness),
	})
	return f
}

// echoesHeaders reports whether an answer to a preflight names the request
// headers asked for rather than a list of its own: a grant of any header
// with credentials.
func echoesHeaders(d *eval.Decision, req *eval.Request) bool {
	if !d.Allowed || d.Kind != eval.Preflight || d.AllowCredentials != "true" || len(req.RequestHeaders) == 0 {
		return false
	}
	return slices.ContainsFunc(d.Rules, func(r *compile.Rule) bool { return r.AnyHeader })
}

// echoesMethod reports whether an answer to a preflight names the method
// asked for rather than a list of its own: a grant of any method with
// credentials, or beside a deny rule that names methods.
func echoesMethod(d *eval.Decision) bool {
	if !d.Allowed || d.Kind != eval.Preflight || d.AllowMethods == "*" {
		return false
	}
	return slices.ContainsFunc(d.Rules, func(r *compile.Rule) bool { return r.AnyMethod })
}

// Reports reports whether the request falls in a change the result
// reports: whether the two policies answer it differently. The request is
// read as the middleware reads one (eval.RequestOf); a preflight carrying
// credentials, which the middleware never presents, is reported as
// unchanged.
func (res *Result) Reports(req *eval.Request) bool {
	if r, ok := res.space.Locate(req); ok && res.varyPN && r.Kind == eval.Preflight {
		return true
	}
	return res.EntryOf(req) != nil
}

// EntryOf returns the entry whose regions hold a request the two policies
// answer differently, or nil for a request they answer alike. The change
// of every preflight's Vary, which the first entry reports when the
// policies differ in granting private network access, is left out: it
// holds every preflight.
func (res *Result) EntryOf(req *eval.Request) *Entry {
	r, ok := res.space.Locate(req)
	if !ok {
		return nil
	}
	f := res.changed[r]
	if f == nil {
		return nil
	}
	if f.except != nil {
		names, ok := partition.RequestHeaderNames(req.RequestHeaders)
		if ok && partition.SameNames(names, f.except) {
			return nil
		}
	}
	return f.entry
}

// Empty reports whether the policies answer every request alike.
func (res *Result) Empty() bool { return len(res.Entries) == 0 }

// Widens reports whether a change allows or grants something that was not.
func (res *Result) Widens() bool {
	return slices.ContainsFunc(res.Entries, func(e *Entry) bool { return e.Category == Widened })
}

// varyEntry is the change of every preflight's Vary.
func (res *Result) varyEntry() *Entry {
	s := res.space
	r := partition.Region{Group: partition.BadOriginGroup, Path: 0, Method: 0, Kind: eval.Preflight, Headers: -1}
	w := s.Witness(r)
	old, new := eval.Evaluate(res.Old, &w), eval.Evaluate(res.New, &w)
	c := Change{What: "Vary", Old: old.Vary, New: new.Vary, Direction: Changed}
	if res.New.PrivateNetwork {
		c.Added = []string{"Access-Control-Request-Private-Network"}
	} else {
		c.Removed = []string{"Access-Control-Request-Private-Network"}
	}
	return &Entry{
		Category: Changed,
		Origins:  "every origin",
		Paths:    "every path",
		Methods:  "any method",
		Requests: "every preflight: the policy " + map[bool]string{true: "now grants", false: "no longer grants"}[res.New.PrivateNetwork] +
			" private network access somewhere, and every preflight varies on asking for it",
		Changes: []Change{c},
		Witness: newWitness(&w, &old, &new),
		Regions: 1,
	}
}
