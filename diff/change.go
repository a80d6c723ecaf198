package diff

import (
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/partition"
)

// Category says which way a change goes.
type Category uint8

const (
	// Widened: something is allowed or granted that was not (and maybe
	// something else taken away).
	Widened Category = iota
	// Narrowed: something allowed or granted is no longer, and nothing
	// is added.
	Narrowed
	// Changed: the answer differs in what it neither grants nor takes
	// away: max age, preflight status, Vary, Allow-Origin between the
	// origin and *.
	Changed
)

// String names the category: widened, narrowed or changed.
func (c Category) String() string { return [...]string{"widened", "narrowed", "changed"}[c] }

// MarshalText names the category in JSON.
func (c Category) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Change is one difference between the old answer and the new.
type Change struct {
	// What changed: "verdict", or a response header's name.
	What string `json:"what"`
	// Old and New are the values as a reader reads them: "allowed",
	// "denied", a header's value, "none" for a header not sent, "the
	// origin" for the request's origin echoed.
	Old string `json:"old"`
	New string `json:"new"`
	// Added and Removed are, for a list, the values one answer has and
	// the other does not.
	Added     []string `json:"added,omitempty"`
	Removed   []string `json:"removed,omitempty"`
	Direction Category `json:"direction"`
}

// String writes the change on one line.
func (c Change) String() string {
	if c.What == "verdict" {
		return c.Old + " → " + c.New
	}
	if len(c.Added)+len(c.Removed) > 0 {
		var parts []string
		for _, v := range c.Added {
			parts = append(parts, "+"+v)
		}
		for _, v := range c.Removed {
			parts = append(parts, "−"+v)
		}
		return c.What + " " + strings.Join(parts, " ")
	}
	return c.What + ": " + c.Old + " → " + c.New
}

// changes returns what differs between two answers. When the verdict
// differs, that is the change, with whether the allowing answer grants
// credentials; the headers follow from it. Otherwise each header that
// differs is a change.
//
// What an answer echoes of the request (the requested method, the
// requested header names) differs from one request of a region to another,
// so it is written as what it is ("the method asked for") rather than as
// the witness's values, and a list that differs from it only by names the
// request did not ask for widens (the new answer lists them) or narrows.
func changes(old, new partition.Answer, echo echoes) []Change {
	if old.Allowed != new.Allowed {
		verdict := func(a partition.Answer) string {
			if !a.Allowed {
				return "denied"
			}
			if a.AllowCredentials {
				return "allowed with credentials"
			}
			return "allowed"
		}
		dir := Widened
		if !new.Allowed {
			dir = Narrowed
		}
		return []Change{{What: "verdict", Old: verdict(old), New: verdict(new), Direction: dir}}
	}
	var out []Change
	flag := func(what string, o, n bool, widenOnGain bool) {
		if o == n {
			return
		}
		val := map[bool]string{true: "true", false: "none"}
		dir := Narrowed
		if n == widenOnGain {
			dir = Widened
		}
		out = append(out, Change{What: what, Old: val[o], New: val[n], Direction: dir})
	}
	value := func(what, o, n string) {
		if o == n {
			return
		}
		out = append(out, Change{What: what, Old: orNone(o), New: orNone(n), Direction: Changed})
	}
	origin := func(v string) string {
		if v != "" && v != "*" {
			return "the origin"
		}
		return v
	}
	switch o, n := origin(old.AllowOrigin), origin(new.AllowOrigin); {
	case o == n:
	case o == "":
		out = append(out, Change{What: "Access-Control-Allow-Origin", Old: "none", New: n, Direction: Widened})
	case n == "":
		out = append(out, Change{What: "Access-Control-Allow-Origin", Old: o, New: "none", Direction: Narrowed})
	default:
		value("Access-Control-Allow-Origin", o, n)
	}
	flag("Access-Control-Allow-Credentials", old.AllowCredentials, new.AllowCredentials, true)
	out = appendEchoed(out, "Access-Control-Allow-Methods", "the method asked for", old.AllowMethods, new.AllowMethods, echo.oldMethod, echo.newMethod)
	out = appendEchoed(out, "Access-Control-Allow-Headers", "the headers asked for", old.AllowHeaders, new.AllowHeaders, echo.oldHeaders, echo.newHeaders)
	out = appendList(out, "Access-Control-Expose-Headers", old.ExposeHeaders, new.ExposeHeaders)
	value("Access-Control-Max-Age", old.MaxAge, new.MaxAge)
	flag("Access-Control-Allow-Private-Network", old.AllowPrivateNetwork, new.AllowPrivateNetwork, true)
	if old.Status != new.Status {
		value("status", itoa(old.Status), itoa(new.Status))
	}
	value("Vary", old.Vary, new.Vary)
	return out
}

// echoes says which of two answers echo the requested method and the
// requested header names.
type echoes struct{ oldMethod, newMethod, oldHeaders, newHeaders bool }

// appendEchoed adds the change of a list header one answer may echo from
// the request. Where both echo, the lists are equal; where one does, the
// other lists what it grants, which holds what was asked and, the answers
// differing, more.
func appendEchoed(out []Change, what, echoed string, old, new []string, echoOld, echoNew bool) []Change {
	switch {
	case echoOld == echoNew:
		return appendList(out, what, old, new)
	case echoOld:
		return append(out, Change{What: what, Old: echoed, New: orNone(strings.Join(new, ", ")), Direction: Widened})
	default:
		return append(out, Change{What: what, Old: orNone(strings.Join(old, ", ")), New: echoed, Direction: Narrowed})
	}
}

// appendList adds the change of a list header: widened when it gains a
// value the old "*" did not cover, narrowed when it loses one the new "*"
// does not cover, changed otherwise ("*" for the list it stands for).
func appendList(out []Change, what string, old, new []string) []Change {
	if slices.Equal(old, new) {
		return out
	}
	c := Change{What: what, Old: orNone(strings.Join(old, ", ")), New: orNone(strings.Join(new, ", ")), Direction: Changed}
	covers := func(list []string, v string) bool {
		return slices.Contains(list, v) || slices.Contains(list, "*") && v != "authorization"
	}
	for _, v := range new {
		if !slices.Contains(old, v) {
			c.Added = append(c.Added, v)
		}
	}
	for _, v := range old {
		if !slices.Contains(new, v) {
			c.Removed = append(c.Removed, v)
		}
	}
	switch {
	case slices.ContainsFunc(c.Added, func(v string) bool { return !covers(old, v) }):
		c.Direction = Widened
	case slices.ContainsFunc(c.Removed, func(v string) bool { return !covers(new, v) }):
		c.Direction = Narrowed
	}
	return append(out, c)
}

func orNone(v string) string {
	if v == "" {
		return "none"
	}
	return v
}

func itoa(n int) string {
	if n == 0 {
		return "none"
	}
	return strconv.Itoa(n)
}

// category returns the category of a list of changes: widened when one
// widens, narrowed when one narrows and none widens, changed otherwise.
func category(cs []Change) Category {
	cat := Changed
	for _, c := range cs {
		if c.Direction < cat {
			cat = c.Direction
		}
	}
	return cat
}

// signature is a key for the changes, equal for equal lists.
func signature(cs []Change) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.String())
	}
	return strings.Join(parts, "; ")
}
