package pathset_test

import (
	"math/rand/v2"
	"testing"

	"github.com/corspolicy/cors/compile/pathset"
)

// TestProblemByBruteForce holds Problem, which skips the bytes
// that are not a dot, a backslash or a percent sign in one pass, to the
// reading it shortcuts: every segment looked at, every escape decoded where
// it may be a slash or a backslash.
func TestProblemByBruteForce(t *testing.T) {
	slow := func(p string) string {
		if p == "" || p[0] != '/' {
			return "the path does not start with /"
		}
		start := 1
		for i := 1; i <= len(p); i++ {
			if i == len(p) || p[i] == '/' {
				if seg := p[start:i]; seg == "." || seg == ".." {
					return "the path holds a dot segment"
				}
				start = i + 1
				continue
			}
			switch c := p[i]; {
			case c == 0:
				return "the path holds a NUL byte"
			case c == '\\':
				return "the path holds a backslash"
			case c == '%' && i+2 < len(p) && (p[i+1] == '2' && (p[i+2] == 'f' || p[i+2] == 'F') ||
				p[i+1] == '5' && (p[i+2] == 'c' || p[i+2] == 'C')):
				return "the path holds an escaped slash or backslash"
			}
		}
		return ""
	}
	paths := []string{"", "/", "x", "/items/42", "/a/./b", "/a/../b", "/.", "/..", "/a/.", "/a/..b", "/a%2fb", "/a%2Fb",
		"/a%5cb", "/a%5Cb", "/a%2", "/a\\b", "/abcdefgh.", "/abcdefghijklmnop/..", "/abcdefg%2F", "/\x2e\x2e", "/a\x00", "/\x00/.."}
	rng := rand.New(rand.NewPCG(9, 10))
	const alphabet = "/ab.%2fF5cC\\-\x00\xff"
	for range 100000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if len(b) > 0 && rng.IntN(4) > 0 {
			b[0] = '/'
		}
		paths = append(paths, string(b))
	}
	for _, p := range paths {
		if got, want := pathset.Problem(p), slow(p); got != want {
			t.Fatalf("pathset.Problem(%q) = %q, want %q", p, got, want)
		}
	}
}
