package pathset

import (
	"slices"
	"strings"
)

// Describe says which paths a set of regions, given by index, makes up, in
// terms of the globs, exactly: "every path"; a list of globs, meaning the
// paths any of them matches ("/api/**, /auth/session"); a glob less others
// ("/admin/** except /admin/audit/**"); "every path except" a list; or, when
// none of these is exact, one such description per region, separated by
// "; ", each region as the globs it matches less the others that meet them.
func (p *Partition) Describe(regions []int) string {
	q := newBitset(len(p.regions))
	for _, k := range regions {
		q.set(k)
	}
	if d, ok := p.describeSet(q); ok {
		return d
	}
	var parts []string
	for _, k := range slices.Sorted(slices.Values(regions)) {
		one := newBitset(len(p.regions))
		one.set(k)
		d, _ := p.describeSet(one)
		parts = append(parts, d)
	}
	slices.Sort(parts)
	return strings.Join(slices.Compact(parts), "; ")
}

// describeSet describes a set of regions as a union of globs or one glob
// (or every path) less a union of globs, or a single region as an
// intersection of globs less a union; it reports false when the set is
// none of these.
func (p *Partition) describeSet(q bitset) (string, bool) {
	all := newBitset(len(p.regions))
	for k := range p.regions {
		all.set(k)
	}
	if q.equal(all) {
		return "every path", true
	}
	sets := make([]bitset, len(p.globs)) // the regions each glob matches
	for i := range p.globs {
		sets[i] = newBitset(len(p.regions))
		for k, r := range p.regions {
			if r.member.has(i) {
				sets[i].set(k)
			}
		}
	}
	// A union of globs.
	var inside []int
	union := newBitset(len(p.regions))
	for i, s := range sets {
		if s.subsetOf(q) && !s.empty() {
			inside = append(inside, i)
			union.or(s)
		}
	}
	if len(inside) > 0 && union.equal(q) {
		return p.globList(minimalCover(inside, sets, true)), true
	}
	// One glob, or every path, less a union of globs.
	bases := []int{-1}
	for i, s := range sets {
		if q.subsetOf(s) {
			bases = append(bases, i)
		}
	}
	slices.SortStableFunc(bases, func(a, b int) int { return size(sets, all, a) - size(sets, all, b) })
	for _, base := range bases {
		outer := all
		if base >= 0 {
			outer = sets[base]
		}
		rest := outer.minus(q)
		var cut []int
		covered := newBitset(len(p.regions))
		for i, s := range sets {
			if i != base && s.and(q).empty() && !s.and(outer).empty() {
				cut = append(cut, i)
				covered.or(s.and(outer))
			}
		}
		if !covered.equal(rest) {
			continue
		}
		name := "every path"
		if base >= 0 {
			name = p.globs[base]
		}
		if len(cut) == 0 {
			return name, true
		}
		return name + " except " + p.globList(minimalCover(cut, sets, true)), true
	}
	// A single region: the globs it matches less the others that meet them.
	if q.count() != 1 {
		return "", false
	}
	k := q.first()
	var matched []int
	for i := range p.globs {
		if p.regions[k].member.has(i) {
			matched = append(matched, i)
		}
	}
	meet := all
	for _, i := range matched {
		meet = meet.and(sets[i])
	}
	var cut []int
	for i, s := range sets {
		if !slices.Contains(matched, i) && !s.and(meet).empty() {
			cut = append(cut, i)
		}
	}
	d := "paths matching " + strings.Join(p.names(minimalCover(matched, sets, false)), " and ")
	if len(cut) > 0 {
		d += " except " + p.globList(minimalCover(cut, sets, true))
	}
	return d, true
}

// minimalCover drops from globs those another of them makes redundant: for
// a union (largest), a glob whose regions another's hold; for an
// intersection, a glob whose regions hold another's. Of two globs with the
// same regions, the first is kept.
func minimalCover(globs []int, sets []bitset, largest bool) []int {
	var out []int
	for _, i := range globs {
		redundant := false
		for _, j := range globs {
			if i == j {
				continue
			}
			a, b := sets[i], sets[j]
			if !largest {
				a, b = b, a
			}
			if a.subsetOf(b) && (!b.subsetOf(a) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, i)
		}
	}
	return out
}

func (p *Partition) names(globs []int) []string {
	var out []string
	for _, i := range globs {
		out = append(out, p.globs[i])
	}
	return out
}

func (p *Partition) globList(globs []int) string { return strings.Join(p.names(globs), ", ") }

func size(sets []bitset, all bitset, i int) int {
	if i < 0 {
		return all.count()
	}
	return sets[i].count()
}

func (b bitset) or(c bitset) {
	for i := range b {
		b[i] |= c[i]
	}
}

func (b bitset) and(c bitset) bitset {
	out := make(bitset, len(b))
	for i := range b {
		out[i] = b[i] & c[i]
	}
	return out
}

func (b bitset) minus(c bitset) bitset {
	out := make(bitset, len(b))
	for i := range b {
		out[i] = b[i] &^ c[i]
	}
	return out
}

func (b bitset) subsetOf(c bitset) bool {
	for i := range b {
		if b[i]&^c[i] != 0 {
			return false
		}
	}
	return true
}

func (b bitset) empty() bool { return !slices.ContainsFunc(b, func(w uint64) bool { return w != 0 }) }

func (b bitset) count() int {
	n := 0
	for i := range len(b) * 64 {
		if b.has(i) {
			n++
		}
	}
	return n
}

func (b bitset) first() int {
	for i := range len(b) * 64 {
		if b.has(i) {
			return i
		}
	}
	return -1
}
