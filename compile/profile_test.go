package compile

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/lang"
)

// TestUnknownProfile checks that a build for a profile no block declares is
// an error with the declared profiles and the nearest one, in the Go API,
// rather than a production build under another name.
func TestUnknownProfile(t *testing.T) {
	const src = `cors 1

policy api {
    allow "https://app.example.com"

    profile staging, dev {
        allow "https://staging.example.com"
    }
}

policy status {
    allow any
}
`
	tests := []struct {
		profile, policy string
		err             string // a substring, or "" for success
	}{
		{"", "api", ""},
		{"staging", "api", ""},
		{"stagin", "api", "the file has no profile stagin; did you mean staging? (profiles: dev, staging)"},
		{"prdo", "api", "the file has no profile prdo (profiles: dev, staging)"},
		{"dev", "status", "policy status has no profile dev (it has no profile blocks)"},
	}
	for _, tt := range tests {
		prog, err := CompileSource("api.cors", []byte(src), Options{Profile: tt.profile})
		if err == nil {
			_, err = prog.Policy(tt.policy)
		}
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("profile %q, policy %s: %v", tt.profile, tt.policy, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("profile %q, policy %s: got %v, want %q", tt.profile, tt.policy, err, tt.err)
		case tt.err != "" && errorCode(err) != CodeProfile:
			t.Errorf("profile %q: code %q, want %s", tt.profile, errorCode(err), CodeProfile)
		}
	}
}

// errorCode returns the code of the first error of err.
func errorCode(err error) string {
	switch e := err.(type) {
	case lang.ErrorList:
		return e[0].Code
	case *lang.Error:
		return e.Code
	}
	return ""
}
