package lang

import (
	"regexp"
	"testing"
)

type want struct {
	pos string
	rx  *regexp.Regexp
}

var wantLine = regexp.MustCompile(`(?m)^# want (\d+:\d+) (.*)$`)

// parseWants reads the "# want LINE:COL REGEXP" lines of an error test file.
// They are read from the raw bytes, since the file does not parse.
func parseWants(t *testing.T, src []byte) []want {
	t.Helper()
	var wants []want
	for _, m := range wantLine.FindAllSubmatch(src, -1) {
		rx, err := regexp.Compile(string(m[2]))
		if err != nil {
			t.Fatalf("bad want line %q: %v", m[0], err)
		}
		wants = append(wants, want{string(m[1]), rx})
	}
	return wants
}
