package diff

import (
	"slices"
	"strings"

	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/partition"
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
	OriginClasses []partition.OriginClass `json:"origin_classes"`
	// Paths describes the paths in terms of the globs (pathset's
	// Partition.Describe); the witness holds an example.
	Paths    string `json:"paths"`
	Methods  string `json:"methods"`
	Requests string `json:"requests"` // the kinds of request, with credentials, headers, private network
	// Except, when not "", names the requests of the regions above that
	// are answered alike all the same: the preflights asking for exactly
	// the header names one policy lists where the other echoes any.
	Except  string   `json:"except,omitempty"`
	Changes []Change `json:"changes"`
	Witness Witness  `json:"witness"`
	Regions int      `json:"regions"` // how many regions the entry merges
}

// Witness is a request of an entry, with the two answers to it.
type Witness struct {
	Request partition.JSONRequest `json:"request"`
	Old     partition.Answer      `json:"old"`
	New     partition.Answer      `json:"new"`
	// Case is the request as a fixture case whose expectations are the
	// new policy's answer, ready to paste; the old answer is in comments.
	Case string `json:"case"`
}

func newWitness(req *eval.Request, old, new *eval.Decision) Witness {
	return Witness{
		Request: partition.JSONRequestOf(req),
		Old:     partition.AnswerOf(old),
		New:     partition.AnswerOf(new),
		Case:    fixtureCase(req, old, new),
	}
}

// merge groups the changed regions into entries (partition.Space.Merge),
// their changes the key: every entry is a product of origins, paths,
// methods and kinds of request, all changed alike.
func merge(s *partition.Space, list []*found) []*Entry {
	rs := make([]partition.Region, len(list))
	keys := make([]string, len(list))
	for i, f := range list {
		rs[i], keys[i] = f.region, signature(f.changes)
		if f.except != nil {
			keys[i] += "\x00" + except(f.except)
		}
	}
	var out []*Entry
	for _, p := range s.Merge(rs, keys, "") {
		f := list[p.First]
		e := &Entry{
			Category:      category(f.changes),
			Origins:       p.Origins,
			OriginClasses: p.OriginClasses,
			Paths:         p.Paths,
			Methods:       p.Methods,
			Requests:      p.Requests,
			Except:        except(f.except),
			Changes:       f.changes,
			Witness:       newWitness(&f.witness, &f.old, &f.new),
			Regions:       p.Regions,
		}
		for _, m := range p.Members {
			list[m].entry = e
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b *Entry) int { return int(a.Category) - int(b.Category) })
	return out
}

// except describes the preflights a region leaves out of its change.
func except(names []string) string {
	if names == nil {
		return ""
	}
	return "preflights asking for exactly " + strings.Join(names, ", ") + ", answered alike"
}
