package corstest

import (
	"cmp"
	"path/filepath"
	"slices"
	"strings"
)

// Policy is one policy of a policy file and the fixture files that test
// it, grouped by build: a policy compiled for different profiles is
// different builds (api.fixtures tests the build without a profile,
// api.dev.fixtures the dev build), and coverage and mutations are judged
// over all of them together.
type Policy struct {
	File   string   // the policy file
	Name   string   // the policy's name in it
	Builds []*Build // the build without a profile first, then by profile name
}

// Build is one build of a policy and the suites compiled for it.
type Build struct {
	Profile string   // "" for the build without a profile
	Suites  []*Suite // in the order given to Group
}

// Name returns how a report names the build: "profile dev", or
// "no profile".
func (b *Build) Name() string {
	if b.Profile == "" {
		return "no profile"
	}
	return "profile " + b.Profile
}

// FixtureFiles returns the names of the build's fixture files.
func (b *Build) FixtureFiles() []string {
	var out []string
	for _, s := range b.Suites {
		out = append(out, s.FixtureFile)
	}
	return out
}

// results runs the cases of every suite of the build, those the suites'
// filters keep.
func (b *Build) results() []Result {
	var out []Result
	for _, s := range b.Suites {
		out = append(out, s.Run()...)
	}
	return out
}

// profile returns the profile a suite's fixture file compiles for.
func (s *Suite) profile() string {
	if s.Fixtures.Profile == nil {
		return ""
	}
	return s.Fixtures.Profile.Name
}

// Group groups suites by the policy they test, the policies in the order
// of their first suite.
func Group(suites ...*Suite) []*Policy {
	var out []*Policy
	for _, s := range suites {
		file := filepath.Clean(s.PolicyFile)
		i := slices.IndexFunc(out, func(p *Policy) bool { return p.File == file && p.Name == s.Table.Name })
		if i < 0 {
			out = append(out, &Policy{File: file, Name: s.Table.Name})
			i = len(out) - 1
		}
		p := out[i]
		j := slices.IndexFunc(p.Builds, func(b *Build) bool { return b.Profile == s.profile() })
		if j < 0 {
			p.Builds = append(p.Builds, &Build{Profile: s.profile()})
			j = len(p.Builds) - 1
		}
		p.Builds[j].Suites = append(p.Builds[j].Suites, s)
	}
	for _, p := range out {
		slices.SortStableFunc(p.Builds, func(a, b *Build) int { return cmp.Compare(a.Profile, b.Profile) })
	}
	return out
}

// buildsText names builds in a report: "profile dev", "profiles dev,
// staging", "no profile".
func buildsText(builds []*Build) string {
	var names []string
	profiles := 0
	for _, b := range builds {
		if b.Profile == "" {
			names = append(names, "no profile")
			continue
		}
		profiles++
		if profiles == 1 {
			names = append(names, "profile "+b.Profile)
		} else {
			names = append(names, b.Profile)
		}
	}
	s := strings.Join(names, ", ")
	if profiles > 1 {
		s = strings.Replace(s, "profile ", "profiles ", 1)
	}
	return s
}

// OnlyIn says which of the policy's builds some of them are, for a report
// line about an item or a mutation that not every build has: "only in
// profile dev", "only in profiles dev, staging". It returns "" when builds
// are all the policy's builds.
func (p *Policy) OnlyIn(builds []*Build) string {
	if len(builds) == len(p.Builds) {
		return ""
	}
	return "only in " + buildsText(builds)
}
