package lsp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/corstest"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lint"
	"github.com/corspolicy/cors/stdlib"
)

// analysis is what the server knows of one version of a document: its
// tree or its syntax errors, and for a policy its compile errors and lint
// findings by build, for a fixture file its failing cases.
type analysis struct {
	tooLarge int    // the size of a document over lang.MaxFileSize, else 0
	lost     string // why the server does not know the document's text

	file     *lang.File        // a policy that parses
	fixtures *lang.FixtureFile // a fixture file that parses
	syntax   lang.ErrorList    // why the document does not parse

	findings []finding // compile errors and lint findings, as corsfmt lint reports them
	profiles []string  // the profiles the file's blocks name, sorted
	index    *index    // names, references and imports of a policy that parses

	policy   *document // the open policy a fixture file tests, when there is one
	problems []problem // fixture cases that fail, or why they could not run

	deps []string // the names of the files the analysis read: imports, the tested policy
}

// A finding is a compile error or a lint finding, with the builds it was
// found in when the file has profiles.
type finding struct {
	lint.Finding
	builds []string // nil when the finding is in every build
}

// A problem is a diagnostic of a fixture file that is not a syntax error.
type problem struct {
	from, to int // byte offsets in the fixture file
	msg      string
}

// defaultBuild names the build without a profile in diagnostics.
const defaultBuild = "default"

// analyze returns the document's analysis, computing it on first use.
func (d *document) analyze() *analysis {
	d.once.Do(func() { d.ready.Store(d.srv.analyze(d)) })
	return d.ready.Load()
}

func (s *Server) analyze(d *document) *analysis {
	a := &analysis{lost: d.lost}
	if d.lost != "" {
		return a
	}
	if n := max(len(d.text), d.dropped); n > lang.MaxFileSize {
		a.tooLarge = n
		return a
	}
	switch d.kind {
	case kindPolicy:
		s.analyzePolicy(d, a)
	case kindFixtures:
		s.analyzeFixtures(d, a)
	}
	return a
}

func syntaxErrors(err error) lang.ErrorList {
	var list lang.ErrorList
	if errors.As(err, &list) {
		return list
	}
	return lang.ErrorList{{Code: lang.CodeSyntax, Msg: err.Error()}}
}

func (s *Server) analyzePolicy(d *document, a *analysis) {
	f, err := lang.Parse(d.name, []byte(d.text))
	if err != nil {
		a.syntax = syntaxErrors(err)
		return
	}
	a.file = f
	loader, release := s.importer(d.name)
	defer release()
	imp := &recordingImporter{next: loader}
	a.index = newIndex(f, imp)
	a.profiles = profileNames(f)
	a.findings = lintBuilds(f, imp, a.profiles)
	a.deps = imp.names
}

// lintBuilds lints the file as corsfmt lint does, every profile block at
// once, and, when the file has profiles, once per build as well, to say
// which builds each finding is in. A finding that only some build has
// (two rules that meet only there) is reported with that build.
func lintBuilds(f *lang.File, imp lang.Importer, profiles []string) []finding {
	all := lint.Check(f, imp, "")
	if len(profiles) == 0 {
		out := make([]finding, len(all))
		for i, fd := range all {
			out[i] = finding{Finding: fd}
		}
		return out
	}
	type key struct {
		from, to   int
		code, text string
	}
	keyOf := func(fd lint.Finding) key { return key{fd.Pos.Offset, fd.End.Offset, fd.Code, fd.Message} }
	builds := map[key][]string{}
	var extra []lint.Finding
	seen := map[key]bool{}
	for _, fd := range all {
		seen[keyOf(fd)] = true
	}
	addBuild := func(build string, fds []lint.Finding) {
		for _, fd := range fds {
			k := keyOf(fd)
			if slices.Contains(builds[k], build) {
				continue
			}
			builds[k] = append(builds[k], build)
			// Silences are judged against the whole file: a build that
			// leaves a silenced rule out reports the silence as idle.
			if !seen[k] && !strings.HasPrefix(fd.Code, "X") {
				seen[k] = true
				extra = append(extra, fd)
			}
		}
	}
	addBuild(defaultBuild, lint.Check(withoutProfiles(f), imp, ""))
	for _, p := range profiles {
		addBuild(p, lint.Check(f, imp, p))
	}
	every := len(profiles) + 1
	var out []finding
	for _, fd := range append(all, extra...) {
		b := builds[keyOf(fd)]
		if len(b) == every {
			b = nil
		}
		out = append(out, finding{Finding: fd, builds: b})
	}
	return out
}

// withoutProfiles returns a copy of f whose policies have no profile
// blocks, and so no dev-profiles either (it may only name profiles that
// blocks name): the rules of a build without a profile.
func withoutProfiles(f *lang.File) *lang.File {
	g := *f
	g.Decls = make([]lang.Decl, len(f.Decls))
	for i, d := range f.Decls {
		p, ok := d.(*lang.Policy)
		if !ok {
			g.Decls[i] = d
			continue
		}
		q := *p
		q.Items = nil
		for _, it := range p.Items {
			switch it.(type) {
			case *lang.Profile, *lang.DevProfiles:
			default:
				q.Items = append(q.Items, it)
			}
		}
		g.Decls[i] = &q
	}
	return &g
}

// profileNames returns the names the profile blocks of f give, sorted.
func profileNames(f *lang.File) []string {
	var names []string
	for _, d := range f.Decls {
		if p, ok := d.(*lang.Policy); ok {
			for _, it := range p.Items {
				if pr, ok := it.(*lang.Profile); ok {
					for _, n := range pr.Names {
						names = append(names, n.Name)
					}
				}
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func (s *Server) analyzeFixtures(d *document, a *analysis) {
	fx, err := lang.ParseFixtures(d.name, []byte(d.text))
	if err != nil {
		a.syntax = syntaxErrors(err)
		return
	}
	a.fixtures = fx
	if d.path == "" {
		return
	}
	policyPath := s.policyFor(d.path)
	a.deps = []string{policyPath}
	pd := s.docByPath(policyPath)
	if pd == nil {
		return // the cases run when the policy is open
	}
	a.policy = pd
	suite, err := corstest.LoadSource(policyPath, []byte(pd.text), fx)
	if err != nil {
		from, to := fx.Version.Pos.Offset, fx.Version.EndPos.Offset
		if fx.Policy != nil {
			from, to = fx.Policy.Pos.Offset, fx.Policy.EndPos.Offset
		}
		var list lang.ErrorList
		msg := err.Error()
		if errors.As(err, &list) && len(list) > 0 {
			msg = fmt.Sprintf("%s does not compile, so no case ran: %s", filepath.Base(policyPath), list.Error())
		}
		a.problems = append(a.problems, problem{from, to, msg})
		return
	}
	for _, r := range suite.Run() {
		if r.Passed() {
			continue
		}
		for _, fail := range r.Failures {
			from, to, msg := r.Case.Name.Pos.Offset, r.Case.Name.EndPos.Offset, fail
			for _, e := range r.Case.Expects {
				if rest, ok := strings.CutPrefix(fail, e.Pos.String()+": "); ok {
					from, to, msg = e.Pos.Offset, e.EndPos.Offset, rest
				}
			}
			if r.Origin != "" && r.Case.IsTable() {
				msg = "from " + r.Origin + ": " + msg
			}
			a.problems = append(a.problems, problem{from, to, msg})
		}
	}
}

// policyFor returns the policy file a fixture file tests, as
// corstest.PolicyFor does, counting open documents as existing files.
func (s *Server) policyFor(fixturePath string) string {
	base := strings.TrimSuffix(fixturePath, ".fixtures")
	exists := func(p string) bool {
		if s.docByPath(p) != nil {
			return true
		}
		_, err := os.Stat(p)
		return err == nil
	}
	if exists(base + ".cors") {
		return base + ".cors"
	}
	if i := strings.LastIndexByte(base, '.'); i > strings.LastIndexAny(base, `/\`) && exists(base[:i]+".cors") {
		return base[:i] + ".cors"
	}
	return base + ".cors"
}

// importer returns the importer of the policy called policy, as every
// entry point imports (compile.Loader): the standard library, then
// relative imports inside the policy's directory, .cors files only, no
// link out of it, capped; the text of an open document in place of its
// file. Release it with the function returned.
func (s *Server) importer(policy string) (lang.Importer, func()) {
	if !filepath.IsAbs(policy) {
		return stdlib.Importer{Next: refuseImports{"the document is not a file, so relative imports have no directory"}}, func() {}
	}
	l, err := compile.NewLoader(policy, compile.Options{})
	if err != nil {
		return stdlib.Importer{Next: refuseImports{err.Error()}}, func() {}
	}
	l.Overlay = func(name string) ([]byte, bool) {
		if d := s.docByPath(name); d != nil {
			return []byte(d.text), true
		}
		return nil, false
	}
	return l, func() { l.Close() }
}

// refuseImports refuses every relative import, saying why.
type refuseImports struct{ why string }

func (r refuseImports) Import(from, importPath string) (string, []byte, error) {
	return "", nil, fmt.Errorf("%w %q: %s", lang.ErrUnknownModule, importPath, r.why)
}

// readLimited reads a module's file as every entry point does: capped at
// lang.MaxFileSize, a regular file only.
func readLimited(name string) ([]byte, error) {
	src, _, err := lang.ReadFile(name)
	return src, err
}

// recordingImporter remembers the files it served, so that a document
// can be analysed again when one of them changes.
type recordingImporter struct {
	next  lang.Importer
	names []string
}

func (r *recordingImporter) Import(from, importPath string) (string, []byte, error) {
	name, src, err := r.next.Import(from, importPath)
	if err == nil && !slices.Contains(r.names, name) {
		r.names = append(r.names, name)
	}
	return name, src, err
}
