package main

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/internal/goldentest"
)

// TestTestAcrossBuilds checks what corsfmt test prints for a policy with a
// fixture file per build: coverage and mutations once for the policy, a
// line a build with -v, only the dev build's own gaps, and witnesses for
// its fixture file.
func TestTestAcrossBuilds(t *testing.T) {
	for _, args := range [][]string{
		{"test", "-cover", "-mutate", "../corstest/testdata/builds"},
		{"test", "-cover", "-mutate", "-v", "../corstest/testdata/builds"},
	} {
		code, stdout, stderr := runIn(t.TempDir(), args, "")
		if code != 0 || stderr != "" {
			t.Fatalf("corsfmt %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
		}
		name := "testdata/test/builds.golden"
		if len(args) == 5 {
			name = "testdata/test/builds-v.golden"
		}
		goldentest.Compare(t, name, []byte(stdout))
	}
}

// TestTestReportsEachPolicyOnce checks that the examples' coverage and
// mutations are reported once a policy, however many fixture files it has.
func TestTestReportsEachPolicyOnce(t *testing.T) {
	code, stdout, stderr := runIn(t.TempDir(), []string{"test", "-cover", "-mutate", "../examples"}, "")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	for _, prefix := range []string{"coverage: ", "mutations: "} {
		seen := map[string]bool{}
		for _, line := range strings.Split(stdout, "\n") {
			if !strings.HasPrefix(line, prefix) {
				continue
			}
			policy, _, _ := strings.Cut(strings.TrimPrefix(line, prefix), ":")
			if seen[policy] {
				t.Errorf("%s reported twice:\n%s", policy, stdout)
			}
			seen[policy] = true
		}
		if len(seen) != 7 {
			t.Errorf("%d %slines, want one for each of the 7 example policies:\n%s", len(seen), prefix, stdout)
		}
	}
}
