package nginx_test

import (
	"math/rand/v2"
	"strings"

	"golang.org/x/net/idna"
)

// idnaPools are the code points random hosts are made of, chosen where
// UTS 46's checks bite: marks that compose or reorder, Hangul jamo,
// right-to-left letters and digits, viramas and joiners, symbols.
var idnaPools = [][2]rune{
	{'a', 'z'}, {'0', '9'}, {'-', '-'}, {'_', '_'},
	{0xc0, 0x17f}, {0x300, 0x36f}, {0x1e00, 0x1eff}, {0x1dc0, 0x1dff},
	{0x5d0, 0x5ea}, {0x591, 0x5c7}, {0x600, 0x6ff}, {0x660, 0x669}, {0x6f0, 0x6f9}, {0x700, 0x74f}, {0x7c0, 0x7ff}, {0x860, 0x8ff},
	{0x900, 0x97f}, {0x980, 0x9ff}, {0xa80, 0xaff}, {0x1780, 0x17ff}, {0x200c, 0x200d}, {0x94d, 0x94d},
	{0x1100, 0x11ff}, {0xac00, 0xd7a3}, {0x3130, 0x318f},
	{0x4e00, 0x4e10}, {0x1f300, 0x1f6ff}, {0x2000, 0x2bff}, {0xff00, 0xffef},
	{0x10a00, 0x10a5f}, {0x1e900, 0x1e95f}, {0x10d00, 0x10d3f},
	{0, 0x10ffff},
}

// randomIDNHost returns a host of one to four labels, some punycode that
// the IDNA checks may accept or refuse, some ASCII, some punycode that
// does not decode.
func randomIDNHost(rng *rand.Rand) string {
	var labels []string
	for range 1 + rng.IntN(4) {
		labels = append(labels, randomIDNLabel(rng))
	}
	host := strings.Join(labels, ".")
	if len(host) > 253 {
		host = host[:253]
		host = strings.TrimRight(host, ".")
	}
	return host
}

func randomIDNLabel(rng *rand.Rand) string {
	switch rng.IntN(8) {
	case 0:
		const alphabet = "abcxyz0189-_"
		b := make([]byte, 1+rng.IntN(6))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	case 1:
		const digits = "abcdefghijklmnopqrstuvwxyz0123456789-"
		b := []byte("xn--")
		for range rng.IntN(12) {
			b = append(b, digits[rng.IntN(len(digits))])
		}
		return string(b)
	}
	var rs []rune
	pools := []int{rng.IntN(len(idnaPools)), rng.IntN(len(idnaPools))}
	for range 1 + rng.IntN(6) {
		p := idnaPools[pools[rng.IntN(2)]]
		rs = append(rs, p[0]+rng.Int32N(p[1]-p[0]+1))
	}
	ascii, err := idna.Punycode.ToASCII(string(rs))
	if err != nil || len(ascii) > 63 || strings.ContainsAny(ascii, ".") || ascii == "" {
		return "a"
	}
	if strings.ToLower(ascii) != ascii {
		return strings.ToLower(ascii)
	}
	return ascii
}
