package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
)

func (s *Server) hover(_ context.Context, params json.RawMessage) (any, error) {
	d, a, off, err := s.at(params)
	if err != nil || a.file == nil {
		return nil, err
	}
	path := pathAt(a.file, off)
	text, from, to := s.hoverText(d, a, path, off)
	if text == "" {
		return nil, nil
	}
	r := d.rangeOf(s.enc, from, to)
	return protocol.Hover{Contents: protocol.MarkupContent{Kind: "markdown", Value: text}, Range: &r}, nil
}

// hoverText returns what to show for the innermost node at off, and the
// range it is about.
func (s *Server) hoverText(d *document, a *analysis, path []lang.Node, off int) (string, int, int) {
	if len(path) == 0 {
		return "", 0, 0
	}
	inner := path[len(path)-1]
	span := func(n lang.Node) (int, int) { return n.Start().Offset, n.End().Offset }
	switch n := inner.(type) {
	case *lang.Ref:
		if t := targetAt(a.index, path, off); t != nil && t.set != nil {
			from, to := span(n)
			return setHover(t), from, to
		}
		if t := targetAt(a.index, path, off); t != nil && t.bundle != nil {
			from, to := span(n)
			return bundleHover(t), from, to
		}
		if t := targetAt(a.index, path, off); t != nil && t.module != nil {
			from, to := span(n)
			return moduleHover(t.module), from, to
		}
		return "", 0, 0
	case *lang.Ident:
		if t := targetAt(a.index, path, off); t != nil && t.set != nil {
			from, to := span(n)
			return setHover(t), from, to
		}
		if t := targetAt(a.index, path, off); t != nil && t.bundle != nil {
			from, to := span(n)
			return bundleHover(t), from, to
		}
		return "", 0, 0
	case *lang.String:
		from, to := span(n)
		if len(path) < 2 {
			return "", 0, 0
		}
		switch p := path[len(path)-2].(type) {
		case *lang.Import:
			return moduleHover(a.index.scope.imports[p.Name()]), from, to
		case *lang.Value:
			if len(path) >= 3 && kindOfList(path[len(path)-3]) == "origins" {
				return originHover(n.Value), from, to
			}
		}
		return "", 0, 0
	}
	// A keyword: the word at off, in the node around it.
	from, to := wordAt(d.text, off)
	if from == to || from < inner.Start().Offset {
		return "", 0, 0
	}
	word := d.text[from:to]
	key := word + "@" + reflect.TypeOf(inner).Elem().Name()
	meaning := keywordMeaning(key)
	if r, ok := inner.(*lang.Rule); ok && from == r.Pos.Offset {
		return s.ruleHover(a, r) + "\n\n---\n\n" + meaning, from, to
	}
	if meaning == "" {
		return "", 0, 0
	}
	return meaning, from, to
}

// wordAt returns the bounds of the identifier around offset off.
func wordAt(text string, off int) (int, int) {
	from, to := off, off
	for from > 0 && isWordByte(text[from-1]) {
		from--
	}
	for to < len(text) && isWordByte(text[to]) {
		to++
	}
	return from, to
}

// bundleHover shows a bundle: where it is declared, its doc comment, and
// its clauses as written.
func bundleHover(t *target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**grants %s**", t.bundle.Name.Name)
	if t.scope.file != nil && t.scope.name != "" && t.scope.src != nil {
		fmt.Fprintf(&b, " — declared in `%s`", displayName(t.scope.name))
	}
	b.WriteString("\n\n")
	if doc := docComment(t.scope.file, t.bundle); doc != "" {
		b.WriteString(doc + "\n\n")
	}
	b.WriteString("A rule that names it has these clauses, but those it writes itself:\n")
	for _, c := range t.bundle.Block.Clauses {
		var text strings.Builder
		lang.Fprint(&text, &lang.File{Version: &lang.Version{Number: &lang.Int{Text: "1"}},
			Decls: []lang.Decl{&lang.Bundle{Name: &lang.Ident{Name: "x"}, Block: &lang.Block{Clauses: []lang.Clause{c}}}}})
		lines := strings.Split(strings.TrimSpace(text.String()), "\n")
		fmt.Fprintf(&b, "- `%s`\n", strings.TrimSpace(lines[len(lines)-2]))
	}
	return b.String()
}

// setHover shows a set: where it is declared, its doc comment, and its
// values with every reference expanded.
func setHover(t *target) string {
	var vals []setValue
	t.scope.expand(t.set, nil, map[*lang.SetDecl]bool{}, &vals)
	var b strings.Builder
	fmt.Fprintf(&b, "**%s %s**", t.set.Kind, t.set.Name.Name)
	if t.scope.file != nil && t.scope.name != "" && t.scope.src != nil {
		fmt.Fprintf(&b, " — declared in `%s`", displayName(t.scope.name))
	}
	b.WriteString("\n\n")
	if doc := docComment(t.scope.file, t.set); doc != "" {
		b.WriteString(doc + "\n\n")
	}
	// vals stops at maxSetValues: the header counts the set itself.
	total, exact := t.scope.countValues(t.set)
	atLeast := ""
	if !exact {
		atLeast = "at least "
	}
	fmt.Fprintf(&b, "%s%d %s:\n", atLeast, total, plural(total, "value", "values"))
	for i, v := range vals {
		if i == 50 {
			fmt.Fprintf(&b, "- ... and %s%d more\n", atLeast, total-50)
			break
		}
		fmt.Fprintf(&b, "- `%s`", v.text)
		if len(v.via) > 0 {
			fmt.Fprintf(&b, " (through %s)", strings.Join(v.via, " → "))
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// displayName shortens a module's file name for a person.
func displayName(name string) string {
	if strings.HasPrefix(name, "std/") {
		return name
	}
	return name[strings.LastIndexAny(name, `/\`)+1:]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// docComment returns the comment lines right above a declaration.
func docComment(f *lang.File, n lang.Node) string {
	if f == nil {
		return ""
	}
	line := n.Start().Line
	var lines []string
	for i := len(f.Comments) - 1; i >= 0; i-- {
		c := f.Comments[i]
		if c.Pos.Line >= line {
			continue
		}
		if c.Pos.Line != line-1 {
			break
		}
		lines = append([]string{strings.TrimSpace(strings.TrimPrefix(c.Text, "#"))}, lines...)
		line--
	}
	return strings.Join(lines, " ")
}

func moduleHover(m *module) string {
	if m == nil {
		return ""
	}
	if m.scope == nil {
		return fmt.Sprintf("**import %q** cannot be loaded: %s", m.imp.Path.Value, m.err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**import %q** as `%s`", m.imp.Path.Value, m.imp.Name())
	if doc := docComment(m.scope.file, m.scope.file.Version); doc != "" {
		b.WriteString("\n\n" + doc)
	} else if len(m.scope.file.Comments) > 0 {
		b.WriteString("\n\n" + leadComment(m.scope.file))
	}
	b.WriteString("\n\nSets:")
	for _, d := range m.scope.file.Decls {
		if sd, ok := d.(*lang.SetDecl); ok {
			fmt.Fprintf(&b, "\n- `%s.%s` (%s)", m.imp.Name(), sd.Name.Name, sd.Kind)
		}
	}
	return b.String()
}

// leadComment returns the comment block at the top of a file.
func leadComment(f *lang.File) string {
	var lines []string
	next := 1
	for _, c := range f.Comments {
		if c.Pos.Line != next {
			break
		}
		lines = append(lines, strings.TrimSpace(strings.TrimPrefix(c.Text, "#")))
		next++
	}
	return strings.Join(lines, " ")
}

// originHover explains what an origin pattern covers and what it does
// not, as SPEC.md's table of origin values says.
func originHover(text string) string {
	p, err := compile.ParsePattern(text)
	if err != nil {
		return fmt.Sprintf("**not an origin**: %s", err.Msg)
	}
	norm := p.String()
	var b strings.Builder
	fmt.Fprintf(&b, "**origin pattern** `%s`", norm)
	if norm != text {
		fmt.Fprintf(&b, " (written `%s`, compared as `%s`)", text, norm)
	}
	b.WriteString("\n\n")
	host := p.Host
	port := ""
	switch {
	case p.Port == compile.AnyPort:
	case p.Port != compile.DefaultPort(p.Scheme):
		port = ":" + strconv.Itoa(p.Port)
	}
	scheme := p.Scheme + "://"
	other := map[string]string{"http": "https", "https": "http"}[p.Scheme]
	var yes, no []string
	if p.Wildcard {
		yes = append(yes, fmt.Sprintf("`%sa.%s%s` and deeper labels, such as `%sb.a.%s%s`", scheme, host, port, scheme, host, port))
		no = append(no, fmt.Sprintf("`%s%s%s`, the apex itself", scheme, host, port))
	} else {
		yes = append(yes, fmt.Sprintf("`%s%s%s`", scheme, host, port))
		if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err != nil {
			no = append(no, fmt.Sprintf("subdomains, such as `%swww.%s%s`", scheme, host, port))
		}
	}
	if p.Port == compile.AnyPort {
		yes = append(yes, fmt.Sprintf("on every port, the default (%d) included: `%s%s`, `%s%s:3000`", compile.DefaultPort(p.Scheme), scheme, hostOf(p), scheme, hostOf(p)))
	} else {
		no = append(no, fmt.Sprintf("other ports, such as `%s%s:8443`", scheme, hostOf(p)))
	}
	no = append(no, fmt.Sprintf("`%s://…`, another scheme", other))
	b.WriteString("Covers:\n")
	for _, y := range yes {
		b.WriteString("- " + y + "\n")
	}
	b.WriteString("\nDoes not cover:\n")
	for _, n := range no {
		b.WriteString("- " + n + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func hostOf(p compile.Pattern) string {
	if p.Wildcard {
		return "a." + p.Host
	}
	return p.Host
}

// ruleHover shows what a rule grants once its sets are expanded and its
// defaults filled in, as the compiler lowered it, and the other allow
// rules its grant combines with.
func (s *Server) ruleHover(a *analysis, r *lang.Rule) string {
	imp, release := s.importer(a.file.Pos.Filename)
	defer release()
	prog, err := compile.Compile(a.file, compile.Options{AllProfiles: true, Importer: imp})
	if err != nil {
		msg := err.Error()
		if list, ok := err.(lang.ErrorList); ok && len(list) > 0 {
			msg = fmt.Sprintf("%d:%d: %s", list[0].Pos.Line, list[0].Pos.Column, list[0].Msg)
		}
		return fmt.Sprintf("**%s rule**: its grant is shown once the file compiles (%s)", r.Effect, msg)
	}
	var rule *compile.Rule
	var table *compile.Table
	for _, name := range prog.Names() {
		t, _ := prog.Policy(name)
		for _, cr := range t.Rules {
			if cr.Node == r {
				rule, table = cr, t
			}
		}
	}
	if rule == nil {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s rule** of policy `%s`, line %d", r.Effect, table.Name, r.Pos.Line)
	if len(rule.Profiles) > 0 {
		fmt.Fprintf(&b, ", in profile %s", strings.Join(rule.Profiles, ", "))
	}
	b.WriteString("\n\n")
	var origins []string
	if rule.Any {
		origins = append(origins, "any")
	}
	if rule.Null {
		origins = append(origins, "null")
	}
	for _, p := range rule.Origins {
		origins = append(origins, p.String())
	}
	line := func(k, v string) { fmt.Fprintf(&b, "- %s: %s\n", k, v) }
	line("origins", code(origins))
	if rule.Paths == nil {
		line("paths", "every path")
	} else {
		var ps []string
		for _, p := range rule.Paths {
			ps = append(ps, p.Text)
		}
		line("paths", code(ps))
	}
	switch {
	case rule.AnyMethod:
		line("methods", "any")
	case rule.Effect == compile.Deny && rule.Methods == nil:
		line("methods", "every method")
	default:
		m := code(rule.Methods)
		if (r.Block == nil || !hasClause(r, "methods")) && (rule.Bundle == nil || !hasBundleClause(rule.Bundle, "methods")) {
			m += " (the default: what any page can send)"
		}
		line("methods", m)
	}
	if rule.Effect == compile.Allow {
		line("request headers", listOr(rule.Headers, rule.AnyHeader, "none"))
		line("exposed headers", listOr(rule.Expose, rule.AnyExpose, "none"))
		line("credentials", yesNo(rule.Credentials))
		line("private network access", yesNo(rule.PrivateNetwork))
		if rule.MaxAge >= 0 {
			line("max-age", fmt.Sprintf("%d s", rule.MaxAge))
		} else {
			line("max-age", "not sent (browsers cache for 5 s)")
		}
		status := 204
		if rule.Status != 0 {
			status = rule.Status
		}
		line("preflight status", strconv.Itoa(status))
		if others := overlapping(table, rule); len(others) > 0 {
			fmt.Fprintf(&b, "\nThe allow %s at %s also %s some of its origins and paths. A request is allowed when one rule grants all of it; "+
				"where several do, the answer combines their grants (SPEC.md, Semantics).",
				plural(len(others), "rule", "rules"), strings.Join(others, ", "), plural(len(others), "covers", "cover"))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// hasBundleClause reports whether a bundle has a list clause kw.
func hasBundleClause(b *lang.Bundle, kw string) bool {
	return hasClause(&lang.Rule{Block: b.Block}, kw)
}

func hasClause(r *lang.Rule, kw string) bool {
	for _, c := range r.Block.Clauses {
		if l, ok := c.(*lang.ListClause); ok && l.Keyword == kw {
			return true
		}
	}
	return false
}

// overlapping returns the lines of the other allow rules of a table that
// cover some origin the rule covers, found by looking up one origin of
// each of its patterns.
func overlapping(t *compile.Table, rule *compile.Rule) []string {
	var witnesses []string
	if rule.Null {
		witnesses = append(witnesses, "null")
	}
	for _, p := range rule.Origins {
		w := p.Scheme + "://" + hostOf(p)
		if p.Port != compile.AnyPort && p.Port != compile.DefaultPort(p.Scheme) {
			w += ":" + strconv.Itoa(p.Port)
		}
		witnesses = append(witnesses, w)
	}
	seen := map[*compile.Rule]bool{rule: true}
	var out []string
	for _, w := range witnesses {
		cell, ok := t.Lookup(w)
		if !ok || cell == nil {
			continue
		}
		for _, o := range cell.Allow {
			if !seen[o] && sharePaths(rule, o) && rule.InABuildWith(o) {
				seen[o] = true
				where := fmt.Sprintf("line %d", o.Pos.Line)
				if len(o.Profiles) > 0 && len(rule.Profiles) == 0 {
					where += " (profile " + strings.Join(o.Profiles, ", ") + ")"
				}
				out = append(out, where)
			}
		}
	}
	return out
}

// sharePaths reports whether two rules may cover a common path, as far as
// their texts tell.
func sharePaths(a, b *compile.Rule) bool {
	if a.Paths == nil || b.Paths == nil {
		return true
	}
	for _, p := range a.Paths {
		for _, q := range b.Paths {
			if p.Text == q.Text || p.Match(q.Text) || q.Match(p.Text) {
				return true
			}
		}
	}
	return false
}

func code(vals []string) string {
	if len(vals) == 0 {
		return "none"
	}
	return "`" + strings.Join(vals, "`, `") + "`"
}

func listOr(vals []string, anyFlag bool, none string) string {
	switch {
	case anyFlag && len(vals) > 0:
		return "any, " + code(vals)
	case anyFlag:
		return "any"
	case len(vals) == 0:
		return none
	}
	return code(vals)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
