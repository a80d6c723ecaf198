package diff_test

import (
	"strings"
	"testing"

	"github.com/corspolicy/cors/diff"
	"github.com/corspolicy/cors/stdlib"
)

// TestBuilds compares every build two files have: a profile only the new
// file declares is a build the old one lacks, compared with no rules; a
// policy only the old file has is removed; -profile names one build, and
// one neither file declares is an error.
func TestBuilds(t *testing.T) {
	in := func(name, src string) diff.Input {
		return diff.Input{Name: name, Src: []byte(src), Importer: stdlib.Importer{}}
	}
	old := in("old.cors", "cors 1\npolicy api { allow \"https://a.example.com\" }\npolicy legacy { allow any }\n")
	new := in("new.cors", "cors 1\npolicy api {\n    allow \"https://a.example.com\"\n    profile staging { allow \"https://staging.example.com\" }\n}\n")
	cs, err := diff.Files(old, new, diff.Options{AllBuilds: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Policy+" "+c.Build()+map[bool]string{true: " added", false: ""}[c.Added]+
			map[bool]string{true: " removed", false: ""}[c.Removed]+" "+map[bool]string{true: "unchanged", false: "changed"}[c.Empty()])
	}
	want := "api the build without a profile unchanged|legacy the build without a profile removed changed|api profile staging added changed"
	if strings.Join(got, "|") != want {
		t.Errorf("comparisons:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.ReplaceAll(want, "|", "\n"))
	}
	if cs, err := diff.Files(old, new, diff.Options{Profile: "staging", Policy: "api"}); err != nil || len(cs) != 1 || cs[0].Profile != "staging" {
		t.Errorf("-profile staging -policy api: %v, %v", cs, err)
	}
	if _, err := diff.Files(old, new, diff.Options{Profile: "dev"}); err == nil || !strings.Contains(err.Error(), "declares a profile dev") {
		t.Errorf("-profile dev: %v", err)
	}
}
