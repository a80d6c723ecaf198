package diff

import (
	"fmt"
	"slices"

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

// Files compares the policies of two files, build by build. Errors are
// those of parsing and compiling either file (a lang.ErrorList, with
// positions), and of a comparison past the bounds of package regions.
func Files(old, new Input, opts Options) ([]*Comparison, error) {
	fo, err := lang.Parse(old.Name, old.Src)
	if err != nil {
		return nil, err
	}
	fn, err := lang.Parse(new.Name, new.Src)
	if err != nil {
		return nil, err
	}
	profiles := []string{opts.Profile}
	if opts.AllBuilds {
		profiles = append([]string{""}, profileNames(fo, fn)...)
	}
	var out []*Comparison
	for _, profile := range profiles {
		po, err := compile.Compile(fo, compile.Options{Profile: profile, Importer: old.Importer})
		if err != nil {
			return nil, err
		}
		pn, err := compile.Compile(fn, compile.Options{Profile: profile, Importer: new.Importer})
		if err != nil {
			return nil, err
		}
		names := slices.Compact(slices.Sorted(slices.Values(append(po.Names(), pn.Names()...))))
		if opts.Policy != "" {
			if !slices.Contains(names, opts.Policy) {
				return nil, fmt.Errorf("neither %s nor %s has a policy named %s (policies: %v)", old.Name, new.Name, opts.Policy, names)
			}
			names = []string{opts.Policy}
		}
		for _, name := range names {
			c := &Comparison{Policy: name, Profile: profile}
			to, errOld := po.Policy(name)
			tn, errNew := pn.Policy(name)
			if errOld != nil {
				c.Added = true
				if to, err = empty(name); err != nil {
					return nil, err
				}
			}
			if errNew != nil {
				c.Removed = true
				if tn, err = empty(name); err != nil {
					return nil, err
				}
			}
			if c.Result, err = Tables(to, tn); err != nil {
				at := tn.Pos
				if c.Removed {
					at = to.Pos
				}
				return nil, fmt.Errorf("%s: policy %s, %s: %w", at, name, c.Build(), err)
			}
			c.Entries = c.Result.Entries
			out = append(out, c)
		}
	}
	return out, nil
}

// profileNames returns the profiles the profile blocks of the files name,
// sorted.
func profileNames(files ...*lang.File) []string {
	var out []string
	for _, f := range files {
		for _, d := range f.Decls {
			p, ok := d.(*lang.Policy)
			if !ok {
				continue
			}
			for _, it := range p.Items {
				if pr, ok := it.(*lang.Profile); ok {
					for _, n := range pr.Names {
						out = append(out, n.Name)
					}
				}
			}
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(out)))
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
