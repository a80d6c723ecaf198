package diff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
)

// Input is a policy file to compare.
type Input struct {
	Name     string // as errors and the output name it
	Src      []byte
	Importer lang.Importer // serves its imports
}

// Options selects what Files compares.
type Options struct {
	// Policy names the one policy to compare; "" compares every policy
	// of either file.
	Policy string
	// Profile names the one build to compare, "" being the build
	// without a profile; with AllBuilds, every build either file has:
	// without a profile, and for each profile a block of it names.
	Profile   string
	AllBuilds bool
}

// Comparison is the difference between the builds of one policy in two
// files.
type Comparison struct {
	Policy string `json:"policy"`
	// Profile is the profile of the build; "" for the build without one.
	Profile string `json:"profile"`
	// Added and Removed say the policy is only in the new file, or only
	// in the old one; it is then compared with a policy of no rules,
	// which denies everything.
	Added   bool `json:"added,omitempty"`
	Removed bool `json:"removed,omitempty"`
	*Result `json:"-"`
	Entries []*Entry `json:"entries"`
}

// Build names the build of a comparison for a reader.
func (c *Comparison) Build() string {
	if c.Profile == "" {
		return "the build without a profile"
	}
	return "profile " + c.Profile
}

// Files compares the policies of two files, build by build. A build is the
// one without a profile, or one for a profile a policy declares (it has a
// profile block naming it); a policy that a build of one file has and the
// same build of the other lacks (the policy is new or gone, or declares
// that profile in one file only) is compared with a policy of no rules.
// Errors are those of parsing and compiling either file (a lang.ErrorList,
// with positions), a policy or profile that neither file has, and a
// comparison past the bounds of package partition.
func Files(old, new Input, opts Options) ([]*Comparison, error) {
	fo, err := lang.Parse(old.Name, old.Src)
	if err != nil {
		return nil, err
	}
	fn, err := lang.Parse(new.Name, new.Src)
	if err != nil {
		return nil, err
	}
	ro := compile.Resolve(fo, compile.Options{Importer: old.Importer})
	rn := compile.Resolve(fn, compile.Options{Importer: new.Importer})
	if errs := append(ro.Errors, rn.Errors...); len(errs) > 0 {
		return nil, errs
	}
	builds := slices.Compact(slices.Sorted(slices.Values(append(ro.Builds(), rn.Builds()...))))
	if !opts.AllBuilds {
		if !slices.Contains(builds, opts.Profile) {
			return nil, fmt.Errorf("neither %s nor %s declares a profile %s (builds: %s)", old.Name, new.Name, opts.Profile, buildList(builds))
		}
		builds = []string{opts.Profile}
	}
	var names []string
	for _, p := range append(ro.Policies, rn.Policies...) {
		names = append(names, p.Name)
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	if opts.Policy != "" {
		if !slices.Contains(names, opts.Policy) {
			return nil, fmt.Errorf("neither %s nor %s has a policy named %s (policies: %s)", old.Name, new.Name, opts.Policy, strings.Join(names, ", "))
		}
		names = []string{opts.Policy}
	}
	var out []*Comparison
	for _, build := range builds {
		to, err := tables(fo, build, ro, old.Importer)
		if err != nil {
			return nil, err
		}
		tn, err := tables(fn, build, rn, new.Importer)
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			a, b := to[name], tn[name]
			if a == nil && b == nil {
				continue
			}
			c := &Comparison{Policy: name, Profile: build, Added: a == nil, Removed: b == nil}
			if a == nil {
				if a, err = empty(name); err != nil {
					return nil, err
				}
			}
			if b == nil {
				if b, err = empty(name); err != nil {
					return nil, err
				}
			}
			if c.Result, err = Tables(a, b); err != nil {
				at := b.Pos
				if c.Removed {
					at = a.Pos
				}
				return nil, fmt.Errorf("%s: policy %s, %s: %w", at, name, c.Build(), err)
			}
			c.Entries = c.Result.Entries
			out = append(out, c)
		}
	}
	return out, nil
}

// tables compiles the build of a file and returns the tables of the
// policies that have it, by name: every policy for the build without a
// profile, those declaring the profile for another.
func tables(f *lang.File, build string, res *compile.Resolution, imp lang.Importer) (map[string]*compile.Table, error) {
	out := map[string]*compile.Table{}
	if !slices.Contains(res.Builds(), build) {
		return out, nil
	}
	prog, err := compile.Compile(f, compile.Options{Profile: build, Importer: imp})
	if err != nil {
		return nil, err
	}
	for _, p := range res.Policies {
		if build == "" || slices.Contains(p.Profiles, build) {
			if out[p.Name], err = prog.Policy(p.Name); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func buildList(builds []string) string {
	var out []string
	for _, b := range builds {
		if b == "" {
			b = `"" (no profile)`
		}
		out = append(out, b)
	}
	return strings.Join(out, ", ")
}

// empty returns a policy of no rules, named name.
func empty(name string) (*compile.Table, error) {
	prog, err := compile.CompileSource("empty.cors", []byte("cors 1\npolicy empty {}\n"), compile.Options{})
	if err != nil {
		return nil, err
	}
	t, err := prog.Policy("empty")
	if err != nil {
		return nil, err
	}
	t.Name = name
	return t, nil
}
