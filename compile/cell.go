package compile

import (
	"math/bits"
	"slices"
	"strings"
	"sync/atomic"
)

// Cell holds the rules whose origins match an origin class, and indexes
// them so that a request is judged rule by rule without a loop over the
// rules' lists: for each method, request header name and flag, the set of
// allow rules that grant it, as a bitmask over Allow.
type Cell struct {
	Allow []*Rule
	Deny  []*Rule
	// Origins names the origin class the cell serves, for dumps and traces.
	Origins string

	// Scoped holds the deny rules that name methods: where one covers a
	// request's path but not its method, the request may be allowed, but
	// the methods it denies must not be offered in Allow-Methods, since
	// browsers cache that list for the URL.
	Scoped []*Rule

	masks  ruleMasks
	grants []*Grant    // by masks over Allow and Scoped, when they are short
	cache  *grantCache // when they are not

	// The allow rules and the method-scoped deny rules that cover every
	// path, as masks, once index has found that no rule of the list names
	// paths (pathFree): then they are what covers any path.
	allowEvery, scopedEvery       uint64
	allowPathFree, scopedPathFree bool
}

// MaxCellRules is the most allow rules, and the most method-scoped deny
// rules, that may match one origin class: a request is judged with one
// bitmask over them. A policy that passes it does not compile (C016).
const MaxCellRules = 64

// maxPrecomputed is the most rules (allow and method-scoped deny together)
// a cell may hold for every combination of them to be computed when the
// table is built: 2^6 grants. A cell with more computes a combination the
// first time a request needs it and keeps it in a cache of bounded size.
const maxPrecomputed = 6

// ruleMasks says, for each thing a request can ask for, which allow rules
// of a cell grant it: bit i stands for Allow[i].
type ruleMasks struct {
	common         [numCommonMethods]uint64 // by methodIndex
	otherMethods   namedMasks               // methods beyond the common ones, byte for byte
	anyMethod      uint64
	headers        namedMasks        // request header names, lower-case
	headerLists    map[string]uint64 // see HeaderListRules
	anyHeader      uint64
	credentials    uint64
	privateNetwork uint64
}

type namedMask struct {
	name string
	mask uint64
}

// namedMasks holds the masks of names, compared byte for byte, in the
// order first met: searched one by one while they are few, and through an
// index past maxListedHeaders, so that thousands of names are gathered in
// time linear in them and each is found in constant time.
type namedMasks struct {
	list []namedMask
	at   map[string]int // index in list, by name, once there are many
}

// find returns the index of name in the list, or -1.
func (nm *namedMasks) find(name string) int {
	if nm.at != nil {
		if i, ok := nm.at[name]; ok {
			return i
		}
		return -1
	}
	for i := range nm.list {
		if nm.list[i].name == name {
			return i
		}
	}
	return -1
}

// mask returns the mask of name, 0 when it has none.
func (nm *namedMasks) mask(name string) uint64 {
	if i := nm.find(name); i >= 0 {
		return nm.list[i].mask
	}
	return 0
}

// add adds bit to the mask of name, and reports whether name is new.
func (nm *namedMasks) add(name string, bit uint64) bool {
	if i := nm.find(name); i >= 0 {
		nm.list[i].mask |= bit
		return false
	}
	nm.list = append(nm.list, namedMask{name, bit})
	switch {
	case nm.at != nil:
		nm.at[name] = len(nm.list) - 1
	case len(nm.list) > maxListedHeaders:
		nm.at = make(map[string]int, 2*len(nm.list))
		for i, e := range nm.list {
			nm.at[e.name] = i
		}
	}
	return true
}

// index computes the masks of the cell's allow rules.
func (c *Cell) index() {
	c.allowPathFree, c.scopedPathFree = true, true
	for i, r := range c.Scoped {
		if r.Paths == nil {
			c.scopedEvery |= 1 << i
		} else {
			c.scopedPathFree = false
		}
	}
	m := &c.masks
	for i, r := range c.Allow {
		bit := uint64(1) << i
		if r.Paths == nil {
			c.allowEvery |= bit
		} else {
			c.allowPathFree = false
		}
		if r.AnyMethod {
			m.anyMethod |= bit
		}
		for _, meth := range r.Methods {
			if k := methodIndex(meth); k >= 0 {
				m.common[k] |= bit
			} else {
				m.otherMethods.add(meth, bit)
			}
		}
		if r.AnyHeader {
			m.anyHeader |= bit
		}
		for _, h := range r.Headers {
			m.headers.add(h, bit)
		}
		if r.Credentials {
			m.credentials |= bit
		}
		if r.PrivateNetwork {
			m.privateNetwork |= bit
		}
	}
	if k := len(m.headers.list); k > 0 && k <= maxListedSets {
		names := make([]string, k)
		for i, h := range m.headers.list {
			names[i] = h.name
		}
		slices.Sort(names)
		m.headerLists = make(map[string]uint64, 1<<k-1)
		for set := 1; set < 1<<k; set++ {
			var list strings.Builder
			mask := ^uint64(0)
			for i, name := range names {
				if set&(1<<i) != 0 {
					if list.Len() > 0 {
						list.WriteByte(',')
					}
					list.WriteString(name)
					mask &= c.HeaderRules(name)
				}
			}
			if list.Len() <= maxListedSetBytes {
				m.headerLists[list.String()] = mask
			}
		}
	}
}

// maxListedSets is the most request header names a cell's rules may grant
// for HeaderListRules to know every list of them: 63 lists.
const maxListedSets = 6

// maxListedSetBytes bounds the lists HeaderListRules knows, as evaluation
// bounds Access-Control-Request-Headers: a longer value is denied unread.
const maxListedSetBytes = 4096

// HeaderListRules returns the allow rules that grant every name of list,
// as HeaderRules of each name ANDed would, and true, when list is a set of
// the names the cell's rules grant, as browsers write
// Access-Control-Request-Headers: lower-case, sorted, joined by commas.
// Otherwise it returns false, and the list is to be read name by name. It
// knows the lists of cells whose rules grant at most six names.
func (c *Cell) HeaderListRules(list string) (uint64, bool) {
	mask, ok := c.masks.headerLists[list]
	return mask, ok
}

// Covering returns the allow rules of the cell that cover path, as a mask.
func (c *Cell) Covering(path string) uint64 {
	if c.allowPathFree {
		return c.allowEvery
	}
	var mask uint64
	for i, r := range c.Allow {
		if r.CoversPath(path) {
			mask |= 1 << i
		}
	}
	return mask
}

// ScopedCovering returns the method-scoped deny rules of the cell that
// cover path, as a mask over Scoped.
func (c *Cell) ScopedCovering(path string) uint64 {
	if c.scopedPathFree {
		return c.scopedEvery
	}
	var mask uint64
	for i, r := range c.Scoped {
		if r.CoversPath(path) {
			mask |= 1 << i
		}
	}
	return mask
}

// MethodRules returns the allow rules that grant method m, compared byte
// for byte, as a mask.
func (c *Cell) MethodRules(m string) uint64 {
	if k := methodIndex(m); k >= 0 {
		return c.masks.anyMethod | c.masks.common[k]
	}
	return c.masks.anyMethod | c.masks.otherMethods.mask(m)
}

// HeaderRules returns the allow rules that grant the request header name,
// in any case, as a mask: Authorization only by name, every other token by
// name or by headers any. A name that is not a token is granted by none.
// It does not allocate.
func (c *Cell) HeaderRules(name string) uint64 {
	var mask uint64
	if hs := &c.masks.headers; hs.at == nil || len(name) > maxHeaderName {
		// Few names, or a long name: compared in place, first as
		// browsers send names (in lower case), then folding.
		for _, h := range hs.list {
			if len(h.name) == len(name) && (name == h.name || foldedTokenEquals(name, h.name)) {
				mask = h.mask
				break
			}
		}
	} else {
		var buf [maxHeaderName]byte
		lower := buf[:len(name)]
		for i := range len(name) {
			lower[i] = lowerToken[name[i]]
		}
		if i, ok := hs.at[string(lower)]; ok { // the conversion does not allocate
			mask = hs.list[i].mask
		}
	}
	if c.masks.anyHeader != 0 && IsToken(name) && !foldedTokenEquals(name, "authorization") {
		mask |= c.masks.anyHeader
	}
	return mask
}

// CredentialRules returns the allow rules that grant credentials.
func (c *Cell) CredentialRules() uint64 { return c.masks.credentials }

// PrivateNetworkRules returns the allow rules that grant private network
// access.
func (c *Cell) PrivateNetworkRules() uint64 { return c.masks.privateNetwork }

// Grant returns what the allow rules of the cell selected by allow grant
// together, less the methods the Scoped deny rules selected by scoped take
// away; bit i of a mask selects rule i. It does not allocate, but for the
// first use of a combination in a cell of more than six rules.
func (c *Cell) Grant(allow, scoped uint64) *Grant {
	if c.grants != nil {
		return c.grants[allow|scoped<<len(c.Allow)]
	}
	return c.cache.get(allow, scoped, func() *Grant {
		return combine(pick(c.Allow, allow), pick(c.Scoped, scoped))
	})
}

// Rules returns the allow rules a mask selects, without allocating.
func (c *Cell) Rules(allow uint64) []*Rule { return c.Grant(allow, 0).Rules }

func pick(rules []*Rule, mask uint64) []*Rule {
	out := make([]*Rule, 0, bits.OnesCount64(mask))
	for i, r := range rules {
		if mask&(1<<i) != 0 {
			out = append(out, r)
		}
	}
	return out
}

// grantCache keeps the grants of a large cell's combinations as requests
// need them. It is direct-mapped and of fixed size, so that however many
// combinations requests ask for, the memory it holds is bounded: a
// combination that finds its slot taken is computed again and takes it.
type grantCache struct {
	slots [1 << grantCacheBits]atomic.Pointer[cachedGrant]
}

// grantCacheBits sets the number of combinations a large cell keeps: 256.
const grantCacheBits = 8

type cachedGrant struct {
	allow, scoped uint64
	grant         *Grant
}

func (gc *grantCache) get(allow, scoped uint64, compute func() *Grant) *Grant {
	h := (allow ^ scoped*0x9e3779b97f4a7c15) * 0xff51afd7ed558ccd
	slot := &gc.slots[h>>(64-grantCacheBits)]
	if e := slot.Load(); e != nil && e.allow == allow && e.scoped == scoped {
		return e.grant
	}
	e := &cachedGrant{allow: allow, scoped: scoped, grant: compute()}
	slot.Store(e)
	return e.grant
}
