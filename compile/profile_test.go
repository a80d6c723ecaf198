package compile

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

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

// TestProfileBlockBuilds checks which rules each build has: the rules of a
// profile block are in the build of every profile the block names, the
// rules outside blocks in every build, and nothing else.
func TestProfileBlockBuilds(t *testing.T) {
	const src = `cors 1

policy api {
    allow "https://app.example.com"

    profile staging, dev {
        allow "https://staging.example.com"
    }

    profile dev {
        allow "http://localhost:3000"
    }
}
`
	for profile, want := range map[string][]int{"": {4}, "staging": {4, 7}, "dev": {4, 7, 11}} {
		prog, err := CompileSource("api.cors", []byte(src), Options{Profile: profile})
		if err != nil {
			t.Fatal(err)
		}
		tab, err := prog.Policy("api")
		if err != nil {
			t.Fatal(err)
		}
		var lines []int
		for _, r := range tab.Rules {
			lines = append(lines, r.Pos.Line)
		}
		if !slices.Equal(lines, want) {
			t.Errorf("the build for profile %q has the rules at lines %v, want %v", profile, lines, want)
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

// TestTrustRefusesEveryLoader checks that a policy with a trust finding is
// refused by every way of loading one, with the finding's code and
// position: no loader serves what the lint calls an error.
func TestTrustRefusesEveryLoader(t *testing.T) {
	const src = "cors 1\n\npolicy api {\n    allow \"https://*.github.io\" {\n        credentials\n    }\n}\n"
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	loaders := map[string]func() (*Program, error){
		"CompileSource": func() (*Program, error) { return CompileSource("api.cors", []byte(src), Options{}) },
		"LoadFile":      func() (*Program, error) { return LoadFile(path, Options{}) },
		"LoadFS": func() (*Program, error) {
			return LoadFS(fstest.MapFS{"api.cors": {Data: []byte(src)}}, "api.cors", Options{})
		},
		"AllProfiles": func() (*Program, error) { return CompileSource("api.cors", []byte(src), Options{AllProfiles: true}) },
	}
	for name, load := range loaders {
		prog, err := load()
		list, ok := err.(lang.ErrorList)
		if prog != nil || !ok || len(list) != 1 || list[0].Code != CodePublicSuffixCreds ||
			list[0].Pos.Line != 4 || list[0].Pos.Column != 22 || !strings.HasSuffix(list[0].Pos.Filename, "api.cors") {
			t.Errorf("%s: got %v, %v; want one S101 error at api.cors:4:22", name, prog, err)
		}
	}
}
