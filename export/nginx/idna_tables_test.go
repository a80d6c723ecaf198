package nginx_test

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/bidi"
	"golang.org/x/text/unicode/norm"

	"github.com/corspolicy/cors/internal/goldentest"
)

// TestIDNATables keeps idna_tables.js, the Unicode properties the njs
// module checks a punycode host with, equal to what Go's own IDNA (the
// one the compiler and Lookup use) answers on this toolchain; go test
// -update rewrites it. A new Unicode version in Go or x/net fails here
// until the tables are written again.
func TestIDNATables(t *testing.T) {
	goldentest.Compare(t, "idna_tables.js", idnaTables(t))
}

// labelCheck runs UTS 46's checks of one decoded label as the compiler's
// profile does (validity, NFC, a leading mark, ContextJ), without the Bidi
// rule, which the module runs on the whole host and which the tables hold
// as each rune's Bidi class.
var labelCheck = idna.New(idna.ValidateLabels(true), idna.CheckHyphens(false), idna.StrictDomainName(false))

// labelOK reports whether the decoded label s passes labelCheck.
func labelOK(t *testing.T, s string) bool {
	ascii, err := idna.Punycode.ToASCII(s)
	if err != nil {
		t.Fatalf("encoding %+q: %v", s, err)
	}
	_, err = labelCheck.ToUnicode(ascii)
	return err == nil
}

// The runes the probes are built of: a letter that joins nothing and
// composes with nothing, a dual-joining Arabic letter, a right-joining one,
// a virama, and the two joiners.
const (
	probeBase  = "\u4e00"
	probeDual  = "\u0628"
	probeRight = "\u0627"
	probeVir   = "\u094d"
	zwnj       = "\u200c"
	zwj        = "\u200d"
)

// The joining classes of the module: UTS 46's ContextJ rules tell apart
// only these (a right-joining rune acts as one that joins nothing).
const (
	joinNone = iota
	joinLeft
	joinDual
	joinTransparent
)

// Bit layout of a rune's properties in the module (idna_tables.js).
const (
	propValid    = 1 << 0
	propModifier = 1 << 1
	propVirama   = 1 << 2
	propJoinBit  = 3 // two bits: joinNone … joinTransparent
	propBidiBit  = 5 // five bits: bidi.Class
	// NFC leaves the rune as it is wherever it stands: combining class
	// 0, NFC_QC=Yes.
	propNFCQuick = 1 << 10
	// Canonical composition may join the rune to the one before it
	// (NFC_QC=Maybe).
	propCombinesBackward = 1 << 12
	propCCCBit           = 13 // eight bits: the canonical combining class
	propGroupBit         = 21 // seven bits: the composition group
	propDecompBit        = 28 // two bits: the length of the decomposition, less one
)

// joinStates is UTS 46's ContextJ automaton as x/net/idna runs it, for
// the probes: state × input → state, with 5 the failure.
func joinStep(state, class int, virama bool, joiner string) int {
	const (
		start, afterVirama, before, beforeVirama, after, fail = 0, 1, 2, 3, 4, 5
	)
	next := func(state int, in string) int {
		switch state {
		case start:
			switch in {
			case "L", "D":
				return before
			case "ZWNJ", "ZWJ":
				return fail
			case "V":
				return afterVirama
			}
		case afterVirama:
			switch in {
			case "L", "D":
				return before
			}
		case before:
			switch in {
			case "L", "D", "T":
				return before
			case "ZWNJ":
				return after
			case "ZWJ":
				return fail
			case "V":
				return beforeVirama
			}
		case beforeVirama:
			switch in {
			case "L", "D", "T":
				return before
			}
		case after:
			switch in {
			case "L", "ZWNJ", "ZWJ":
				return fail
			case "D":
				return before
			case "T", "V":
				return after
			}
		case fail:
			return fail
		}
		return start
	}
	in := [...]string{"", "L", "D", "T"}[class]
	if joiner != "" {
		in = joiner
	}
	state = next(state, in)
	if virama {
		state = next(state, "V")
	}
	return state
}

// joinClass finds the joining class and virama flag of r, a valid rune,
// that predict x/net/idna's answer on every probe: r after a prefix that
// leaves the automaton in each state, followed by each suffix.
func joinClass(t *testing.T, r rune) (int, bool) {
	type probe struct {
		prefix, suffix string
		ok             bool
	}
	prefixes := []string{probeBase, probeBase + probeDual, probeBase + probeVir, probeBase + probeDual + probeVir, probeBase + probeDual + zwnj}
	suffixes := []string{"", zwnj + probeDual, probeDual, zwnj, probeRight, zwj}
	var probes []probe
	for _, p := range prefixes {
		for _, s := range suffixes {
			label := p + string(r) + s
			if norm.NFC.String(label) != label {
				continue
			}
			probes = append(probes, probe{p, s, labelOK(t, label)})
		}
	}
	var fits []joining
	for join := joinNone; join <= joinTransparent; join++ {
		for _, virama := range []bool{false, true} {
			ok := true
			for _, p := range probes {
				if simulate(p.prefix+string(r)+p.suffix, r, joining{join, virama}) != p.ok {
					ok = false
					break
				}
			}
			if ok {
				fits = append(fits, joining{join, virama})
			}
		}
	}
	if len(fits) == 0 {
		t.Fatalf("%U: no joining class predicts x/net/idna's answers", r)
	}
	return fits[0].join, fits[0].virama
}

// joining is a rune's part in the ContextJ automaton.
type joining struct {
	join   int
	virama bool
}

// simulate runs the automaton over label, the probes' runes in their
// known classes, r in class k and any other rune joining nothing.
func simulate(label string, r rune, k joining) bool {
	state := 0
	for _, x := range label {
		var c joining
		joiner := ""
		switch string(x) {
		case probeDual:
			c.join = joinDual
		case probeVir:
			c.join, c.virama = joinTransparent, true
		case zwnj:
			joiner = "ZWNJ"
		case zwj:
			joiner = "ZWJ"
		}
		if x == r {
			c = k
		}
		state = joinStep(state, c.join, c.virama, joiner)
	}
	return state != 4 && state != 5
}

func idnaTables(t *testing.T) []byte {
	props := make([]int, unicode.MaxRune+1)
	ccc := make([]int, unicode.MaxRune+1)
	decomp := map[rune][]rune{}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		ccc[r] = int(norm.NFD.PropertiesString(s).CCC())
		if d := norm.NFD.String(s); d != s && !hangulSyllable(r) {
			decomp[r] = []rune(d)
		}
	}
	// The runes canonical composition may join to the rune before them
	// (NFC_QC=Maybe): the second of every pair, and the Hangul vowel and
	// trailing jamo.
	combinesBackward := make([]bool, unicode.MaxRune+1)
	for _, pair := range compositions(decomp) {
		combinesBackward[pair[1]] = true
	}
	for r := rune(0x1161); r <= 0x1175; r++ {
		combinesBackward[r] = true
	}
	for r := rune(0x11a8); r <= 0x11c2; r++ {
		combinesBackward[r] = true
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		s := string(r)
		if !utf8.ValidRune(r) {
			continue
		}
		// Normalisation reads this of every rune, valid or not: a valid
		// one may decompose to others.
		if combinesBackward[r] {
			props[r] |= propCombinesBackward
		}
		if r == '.' || norm.NFC.String(s) != s {
			continue
		}
		var valid bool
		switch s {
		case zwnj, zwj:
			valid = labelOK(t, probeBase+probeVir+s)
		default:
			valid = labelOK(t, probeBase+s)
		}
		if !valid {
			continue
		}
		p := props[r] | propValid
		if r >= utf8.RuneSelf && s != zwnj && s != zwj && !labelOK(t, s) {
			p |= propModifier
		}
		if s != zwnj && s != zwj {
			join, virama := joinClass(t, r)
			p |= join << propJoinBit
			if virama {
				p |= propVirama
			}
		}
		bp, _ := bidi.LookupRune(r)
		p |= int(bp.Class()) << propBidiBit
		if ccc[r] == 0 && !combinesBackward[r] {
			p |= propNFCQuick
		}
		props[r] = p
	}
	var b bytes.Buffer
	b.WriteString(`// Code generated by TestIDNATables in export/nginx; DO NOT EDIT.
// Regenerate with go test ./export/nginx -run TestIDNATables -update.
//
// The Unicode properties cors_request.js checks a punycode host with, as
// Go's golang.org/x/net/idna and x/text answer them.
//
// Each table is a string of fixed-width records of numbers written in base
// 36 (0-9, a-z), which cors_request.js reads in place with parseInt. njs
// runs a script's top-level code for every request, building its arrays
// anew, while a string literal costs nothing there: so the tables are
// string literals, one line each.
`)
	fmt.Fprintf(&b, "\n// idnaUnicodeVersion is the Unicode version of the tables.\nvar idnaUnicodeVersion = '%s';\n", unicode.Version)
	b.WriteString("\n// The numbers of the Bidi classes the Bidi rule (RFC 5893) names.\n")
	for _, c := range []struct {
		name  string
		class bidi.Class
	}{{"L", bidi.L}, {"R", bidi.R}, {"AL", bidi.AL}, {"EN", bidi.EN}, {"ES", bidi.ES}, {"ET", bidi.ET}, {"AN", bidi.AN},
		{"CS", bidi.CS}, {"ON", bidi.ON}, {"BN", bidi.BN}, {"NSM", bidi.NSM}} {
		fmt.Fprintf(&b, "var bidi%s = %d;\n", c.name, c.class)
	}
	pairs := compositions(decomp)
	group := map[rune]int{}
	for _, pair := range pairs {
		group[pair[1]] = 0
	}
	if len(group) >= 1<<7 {
		t.Fatalf("%d composition groups, more than the 127 a rune's number holds", len(group))
	}
	for i, r := range slices.Sorted(maps.Keys(group)) {
		group[r] = i + 1
	}
	values := make([]int, len(props))
	for r := range values {
		values[r] = props[r] | ccc[r]<<propCCCBit | group[rune(r)]<<propGroupBit
	}
	rows, blocks, blockRows, decompositions := twoStage(t, values, props, decomp)
	b.WriteString(`
// Every rune's properties are a number: bits 1 valid in a label, 2 a mark
// (may not start one), 4 a virama, 8-16 the joining class (0 none or
// right, 1 left, 2 dual, 3 transparent), 32-512 the Bidi class, 1024 NFC
// leaves the rune as it is wherever it stands (combining class 0,
// NFC_QC=Yes), 4096 composition may join it to the rune before it
// (NFC_QC=Maybe); then its canonical combining class (bits 13-20) and,
// for a rune composition joins to a starter but the Hangul jamo, its
// group in idnaCompositionStarts (bits 21-27), and for one of the first
// idnaDecomposing rows the length of its decomposition less one (bits
// 28-29).
//
// idnaValues holds the distinct numbers (6 digits each), idnaBlocks and
// idnaBlockRows which of them each rune has, a two-stage table read in
// constant time: idnaBlocks holds the number of the block (2 digits) of
// each 128 runes, idnaBlockRows each block's 128 rows (2 digits each).
// The first idnaDecomposing rows belong to one rune each, a valid rune
// with a canonical decomposition (Hangul syllables aside), and
// idnaDecompositions holds that decomposition in the same row (4 runes
// of 4 digits, 0 past the last).
`)
	fmt.Fprintf(&b, "var idnaDecomposing = %d;\n", len(decompositions))
	writeTable(&b, "idnaValues", rows, 6)
	writeTable(&b, "idnaBlocks", blocks, 2)
	writeTable(&b, "idnaBlockRows", blockRows, 2)
	writeTable(&b, "idnaDecompositions", decompositions, 4, 4, 4, 4)
	starts, records := compositionGroups(pairs, group)
	b.WriteString(`
// idnaCompositions holds the pairs canonical composition joins (Hangul
// aside) by group, the rune joined to the starter, then by starter:
// records of the starter and the composite (4 digits each). Group g's
// records run from entry g-1 of idnaCompositionStarts (3 digits each) to
// entry g.
`)
	writeTable(&b, "idnaCompositionStarts", starts, 3)
	writeTable(&b, "idnaCompositions", records, 4, 4)
	return b.Bytes()
}

func hangulSyllable(r rune) bool { return r >= 0xac00 && r < 0xac00+11172 }

// compositions returns every pair (L, C) that NFC joins into one rune P,
// L a starter: for every primary composite P (a rune with a decomposition
// that NFC leaves alone), each way of taking one rune C out of its
// decomposition so that the rest composes to one rune L and L followed by C
// composes to P.
func compositions(decomp map[rune][]rune) [][3]rune {
	var out [][3]rune
	seen := map[[2]rune]bool{}
	var keys []rune
	for r := range decomp {
		keys = append(keys, r)
	}
	slices.Sort(keys)
	for _, p := range keys {
		d := decomp[p]
		if len(d) < 2 || norm.NFC.String(string(p)) != string(p) {
			continue
		}
		for j := 1; j < len(d); j++ {
			rest := append(append([]rune(nil), d[:j]...), d[j+1:]...)
			l := []rune(norm.NFC.String(string(rest)))
			if len(l) != 1 || norm.NFD.PropertiesString(string(l)).CCC() != 0 {
				continue
			}
			pair := [2]rune{l[0], d[j]}
			if seen[pair] || norm.NFC.String(string(pair[:])) != string(p) {
				continue
			}
			seen[pair] = true
			out = append(out, [3]rune{l[0], d[j], p})
		}
	}
	return out
}

// blockRunes is how many runes share an entry of idnaBlocks.
const blockRunes = 128

// twoStage lays values, one per rune, out as the module reads them: the
// distinct rows (the valid runes with a canonical decomposition first,
// one row each, then the other values in order), each block of blockRunes
// runes as the number of a distinct block, and the distinct blocks' rows;
// with the decompositions of the first rows.
func twoStage(t *testing.T, values, props []int, decomp map[rune][]rune) (rows, blocks, blockRows, decompositions [][]int) {
	// ownsRow reports whether r has a row of its own: a valid rune with a
	// decomposition, which the row finds.
	ownsRow := func(r int) bool { return decomp[rune(r)] != nil && props[r]&propValid != 0 }
	rowOf := make([]int, len(values))
	shared := map[int]int{}
	for r, v := range values {
		if !ownsRow(r) {
			shared[v] = 0
			continue
		}
		d := decomp[rune(r)]
		if len(d) > 4 {
			t.Fatalf("%U decomposes to %d runes, more than the 4 a row holds", r, len(d))
		}
		rowOf[r] = len(rows)
		rows = append(rows, []int{v | (len(d)-1)<<propDecompBit})
		rec := make([]int, 4)
		for i, x := range d {
			rec[i] = int(x)
		}
		decompositions = append(decompositions, rec)
	}
	for _, v := range slices.Sorted(maps.Keys(shared)) {
		shared[v] = len(rows)
		rows = append(rows, []int{v})
	}
	for r, v := range values {
		if !ownsRow(r) {
			rowOf[r] = shared[v]
		}
	}
	blockOf := map[string]int{}
	for start := 0; start < len(values); start += blockRunes {
		key := fmt.Sprint(rowOf[start : start+blockRunes])
		n, ok := blockOf[key]
		if !ok {
			n = len(blockOf)
			blockOf[key] = n
			for _, row := range rowOf[start : start+blockRunes] {
				blockRows = append(blockRows, []int{row})
			}
		}
		blocks = append(blocks, []int{n})
	}
	return rows, blocks, blockRows, decompositions
}

// compositionGroups returns the pairs canonical composition joins as the
// module searches them: records of the starter and the composite, sorted
// by the group of the rune joined to the starter, then by starter, and
// where each group's records start (one entry more than the groups).
func compositionGroups(pairs [][3]rune, group map[rune]int) (starts, records [][]int) {
	slices.SortFunc(pairs, func(a, b [3]rune) int {
		return cmp.Or(cmp.Compare(group[a[1]], group[b[1]]), cmp.Compare(a[0], b[0]))
	})
	for i, p := range pairs {
		for len(starts) < group[p[1]] {
			starts = append(starts, []int{i})
		}
		records = append(records, []int{int(p[0]), int(p[2])})
	}
	return append(starts, []int{len(pairs)}), records
}

// writeTable writes records as a JavaScript string of fixed-width records,
// field i in widths[i] base-36 digits.
func writeTable(b *bytes.Buffer, name string, records [][]int, widths ...int) {
	var text []byte
	for _, rec := range records {
		for i, w := range widths {
			digits := strconv.FormatInt(int64(rec[i]), 36)
			if rec[i] < 0 || len(digits) > w {
				panic(fmt.Sprintf("%s: %d does not fit in %d digits", name, rec[i], w))
			}
			text = append(append(text, strings.Repeat("0", w-len(digits))...), digits...)
		}
	}
	// One literal: njs runs a script's top-level code for every request,
	// and a literal costs nothing there, where joining pieces would.
	fmt.Fprintf(b, "var %s = '%s';\n", name, text)
}
