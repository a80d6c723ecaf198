package nginx_test

import (
	"bytes"
	"fmt"
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
		p := propValid
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
		props[r] = p
	}
	var b bytes.Buffer
	b.WriteString(`// Code generated by TestIDNATables (go test ./export/nginx -run TestIDNATables
// -update); DO NOT EDIT. The Unicode properties cors_request.js checks a
// punycode host with, as Go's golang.org/x/net/idna and x/text answer them.
`)
	fmt.Fprintf(&b, "\n// idnaUnicodeVersion is the Unicode version of the tables.\nvar idnaUnicodeVersion = '%s';\n", unicode.Version)
	b.WriteString("\n// idnaBidi numbers the Bidi classes the Bidi rule (RFC 5893) names.\n")
	fmt.Fprintf(&b, "var idnaBidi = {L: %d, R: %d, AL: %d, EN: %d, ES: %d, ET: %d, AN: %d, CS: %d, ON: %d, BN: %d, NSM: %d};\n",
		bidi.L, bidi.R, bidi.AL, bidi.EN, bidi.ES, bidi.ET, bidi.AN, bidi.CS, bidi.ON, bidi.BN, bidi.NSM)
	b.WriteString("\n// idnaProps holds each rune's properties as ranges: a start, then the value\n// of the runes from it to the next start. Bits: 1 valid in a label, 2 a\n// mark (may not start one), 4 a virama, 8-16 the joining class (0 none or\n// right, 1 left, 2 dual, 3 transparent), 32 on the Bidi class.\n")
	writeRanges(&b, "idnaProps", props)
	b.WriteString("\n// idnaCombining holds each rune's canonical combining class, as ranges.\n")
	writeRanges(&b, "idnaCombining", ccc)
	b.WriteString("\n// idnaDecompositions holds the full canonical decomposition of every rune\n// that has one but Hangul syllables: the rune, the count, the runes.\n")
	var keys []rune
	for r := range decomp {
		keys = append(keys, r)
	}
	sortRunes(keys)
	var nums []int
	for _, r := range keys {
		nums = append(nums, int(r), len(decomp[r]))
		for _, d := range decomp[r] {
			nums = append(nums, int(d))
		}
	}
	writeNumbers(&b, "idnaDecompositions", nums)
	b.WriteString("\n// idnaCompositions holds the pairs canonical composition joins (but\n// Hangul): the starter, the rune joined to it, the composite.\n")
	nums = nums[:0]
	for _, r := range compositions(decomp) {
		nums = append(nums, int(r[0]), int(r[1]), int(r[2]))
	}
	writeNumbers(&b, "idnaCompositions", nums)
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
	sortRunes(keys)
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

func sortRunes(rs []rune) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j] < rs[j-1]; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// writeRanges writes values, one per rune, as a JavaScript array of a
// start and a value for every run of equal values.
func writeRanges(b *bytes.Buffer, name string, values []int) {
	var nums []int
	for r, v := range values {
		if r == 0 || v != values[r-1] {
			nums = append(nums, r, v)
		}
	}
	writeNumbers(b, name, nums)
}

func writeNumbers(b *bytes.Buffer, name string, nums []int) {
	fmt.Fprintf(b, "var %s = [", name)
	line := 0
	for i, n := range nums {
		s := fmt.Sprint(n)
		if i > 0 {
			b.WriteByte(',')
			line++
		}
		if line+len(s) > 78 {
			b.WriteString("\n    ")
			line = 4
		}
		b.WriteString(s)
		line += len(s)
	}
	b.WriteString("];\n")
}
