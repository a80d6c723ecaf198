package nginx_test

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
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
	// The rune has a canonical decomposition (Hangul syllables aside).
	propDecomposes = 1 << 11
	// Canonical composition may join the rune to the one before it
	// (NFC_QC=Maybe).
	propCombinesBackward = 1 << 12
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
		// Normalisation reads these of every rune, valid or not: a
		// valid one may decompose to others.
		if decomp[r] != nil {
			props[r] |= propDecomposes
		}
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
// Each table is a string of fixed-width records, sorted by their key, of
// numbers written in base 64 with the digits U+0030 to U+006F (0 to 63),
// the most significant first; cors_request.js searches them in place. njs
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
	b.WriteString("\n// idnaProps holds each rune's properties, 3 digits: bits 1 valid in a\n// label, 2 a mark (may not start one), 4 a virama, 8-16 the joining class\n// (0 none or right, 1 left, 2 dual, 3 transparent), 32-512 the Bidi class,\n// 1024 NFC leaves the rune as it is wherever it stands (combining class 0,\n// NFC_QC=Yes), 2048 it has a canonical decomposition (Hangul syllables\n// aside), 4096 composition may join it to the rune before it\n// (NFC_QC=Maybe). idnaPropsLow holds them for the runes below U+3000, the\n// scripts with marks, joiners and right-to-left letters, by rune, so that\n// their lookup is direct; idnaProps for the others, as ranges: records of\n// the first rune (4 digits) and the value of the runes from it to the\n// next record's.\n")
	writeTable(&b, "idnaPropsLow", direct(props[:directRunes]), 3)
	writeTable(&b, "idnaProps", ranges(props, directRunes), 4, 3)
	b.WriteString("\n// idnaCombiningLow and idnaCombining hold each rune's canonical combining\n// class, 2 digits, in the same shapes.\n")
	writeTable(&b, "idnaCombiningLow", direct(ccc[:directRunes]), 2)
	writeTable(&b, "idnaCombining", ranges(ccc, directRunes), 4, 2)
	b.WriteString("\n// idnaDecompositions holds the full canonical decomposition of every rune\n// that has one but Hangul syllables: records of the rune (4 digits) and\n// the runes it decomposes to (4 digits each, 0 past the last).\n")
	var keys []rune
	for r := range decomp {
		keys = append(keys, r)
	}
	slices.Sort(keys)
	var records [][]int
	for _, r := range keys {
		if len(decomp[r]) > 4 {
			t.Fatalf("%U decomposes to %d runes, more than the 4 a record holds", r, len(decomp[r]))
		}
		rec := []int{int(r), 0, 0, 0, 0}
		for i, d := range decomp[r] {
			rec[1+i] = int(d)
		}
		records = append(records, rec)
	}
	writeTable(&b, "idnaDecompositions", records, 4, 4, 4, 4, 4)
	b.WriteString("\n// idnaCompositions holds the pairs canonical composition joins (but\n// Hangul): records of the starter and the rune joined to it (4 digits each,\n// the key) and the composite (4 digits).\n")
	pairs := compositions(decomp)
	slices.SortFunc(pairs, func(a, b [3]rune) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	records = records[:0]
	for _, r := range pairs {
		records = append(records, []int{int(r[0]), int(r[1]), int(r[2])})
	}
	writeTable(&b, "idnaCompositions", records, 4, 4, 4)
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

// directRunes is how many runes, from U+0000, the tables hold by rune.
const directRunes = 0x3000

// direct returns values, one per rune, as records of one value.
func direct(values []int) [][]int {
	out := make([][]int, len(values))
	for r, v := range values {
		out[r] = []int{v}
	}
	return out
}

// ranges returns values, one per rune, from the rune from on, as records of
// a first rune and the value of the runes from it to the next record's.
func ranges(values []int, from int) [][]int {
	var out [][]int
	for r := from; r < len(values); r++ {
		if r == from || values[r] != values[r-1] {
			out = append(out, []int{r, values[r]})
		}
	}
	return out
}

// writeTable writes records as a JavaScript string of fixed-width records,
// field i in widths[i] base-64 digits (U+0030 + the digit).
func writeTable(b *bytes.Buffer, name string, records [][]int, widths ...int) {
	var text []byte
	for _, rec := range records {
		for i, w := range widths {
			n := rec[i]
			if n >= 1<<(6*w) {
				panic(fmt.Sprintf("%s: %d does not fit in %d digits", name, n, w))
			}
			for k := w - 1; k >= 0; k-- {
				text = append(text, byte('0'+n>>(6*k)&63))
			}
		}
	}
	// One literal: njs runs a script's top-level code for every request,
	// and a literal costs nothing there, where joining pieces would.
	fmt.Fprintf(b, "var %s = %s", name, strconv.Quote(string(text)))
	b.WriteString(";\n")
}
