package lang

import (
	"math/rand/v2"
	"regexp"
)

// mutate returns src edited at a few places, token-wise or byte-wise.
func mutate(rng *rand.Rand, src []byte) []byte {
	toks := regexp.MustCompile(`"[^"\n]*"|[A-Za-z_][A-Za-z0-9_-]*|-?[0-9]+[a-z0-9]*|\s+|#[^\n]*|.`).FindAll(src, -1)
	pieces := []string{"{", "}", ",", "=", ".", "\"x\"", "any", "null", "allow", "deny", "policy", "profile",
		"origins", "methods", "headers", "paths", "expose", "credentials", "private-network", "max-age",
		"preflight-status", "grants", "dev-profiles", "import", "as", "10m", "10", "x", "a.b", " ", "\n", "# c\n"}
	for range 1 + rng.IntN(3) {
		if len(toks) == 0 {
			break
		}
		i := rng.IntN(len(toks))
		switch rng.IntN(5) {
		case 0: // drop
			toks = append(toks[:i], toks[i+1:]...)
		case 1: // repeat
			toks = append(toks[:i+1], toks[i:]...)
		case 2: // swap with the next
			if i+1 < len(toks) {
				toks[i], toks[i+1] = toks[i+1], toks[i]
			}
		case 3: // insert a piece
			toks = append(toks[:i], append([][]byte{[]byte(pieces[rng.IntN(len(pieces))])}, toks[i:]...)...)
		case 4: // replace with a piece
			toks[i] = []byte(pieces[rng.IntN(len(pieces))])
		}
	}
	var out []byte
	for _, t := range toks {
		out = append(out, t...)
	}
	return out
}
