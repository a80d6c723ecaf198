package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lint"
	"github.com/corspolicy/cors/lsp/protocol"
)

// An edit replaces the bytes [from, to) of a document.
type edit struct {
	from, to int
	text     string
}

// A fixer returns the edits that carry out a finding's fix, and a title,
// or no edits when the fix is not mechanical at that place.
type fixer func(d *document, a *analysis, f lint.Finding) (string, []edit)

// fixers are the lint's fixes that are mechanical, by code. The "did you
// mean" of any diagnostic is handled apart, for every code.
var fixers = map[string]fixer{
	lint.CodeDuplicateOrigin:  removeValue,
	lint.CodeForbiddenHeader:  removeValue,
	lint.CodeForbiddenMethod:  removeValue,
	lint.CodeSafelistedHeader: removeValue,
	lint.CodeExpose:           removeValue,
	lint.CodeInsecureCreds:    useHTTPS,
	lint.CodeMaxAge:           capMaxAge,
	lint.CodeAuthorization:    nameAuthorization,
	lint.CodeSilenceUnused:    removeComment,
}

func (s *Server) codeAction(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.CodeActionParams](params)
	if err != nil {
		return nil, err
	}
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	a := d.analyze()
	from, to := d.offset(s.enc, p.Range.Start), d.offset(s.enc, p.Range.End)
	actions := []protocol.CodeAction{}
	add := func(title string, diag protocol.Diagnostic, preferred bool, edits []edit) {
		if len(edits) == 0 {
			return
		}
		te := make([]protocol.TextEdit, len(edits))
		for i, e := range edits {
			te[i] = protocol.TextEdit{Range: d.rangeOf(s.enc, e.from, e.to), NewText: e.text}
		}
		actions = append(actions, protocol.CodeAction{Title: title, Kind: protocol.QuickFix, IsPreferred: preferred,
			Diagnostics: []protocol.Diagnostic{diag},
			Edit:        &protocol.WorkspaceEdit{Changes: map[protocol.DocumentURI][]protocol.TextEdit{d.uri: te}}})
	}
	meets := func(pos, end lang.Position) bool {
		return pos.Filename == d.name && pos.Offset <= to && from <= max(pos.Offset, end.Offset)
	}
	for _, e := range a.syntax {
		if meets(e.Pos, e.End) {
			diag := s.errorDiagnostic(d, a, e.Pos, e.End, protocol.SeverityError, e.Code, sourceSyntax, e.Msg)
			title, edits := didYouMean(d, e.Pos.Offset, e.End.Offset, e.Code, e.Msg)
			add(title, diag, true, edits)
		}
	}
	for _, f := range a.findings {
		if !meets(f.Pos, f.End) {
			continue
		}
		diag := s.errorDiagnostic(d, a, f.Pos, f.End, severity(f.Severity), f.Code, sourceLint, f.Message)
		title, edits := didYouMean(d, f.Pos.Offset, f.End.Offset, f.Code, f.Message)
		if fx := fixers[f.Code]; fx != nil && len(edits) == 0 {
			title, edits = fx(d, a, f.Finding)
		}
		add(title, diag, f.Code != lint.CodeAuthorization, edits)
		if title, edits := silence(d, a, f.Finding); len(edits) > 0 {
			add(title, diag, false, edits)
		}
	}
	return actions, nil
}

var didYouMeanRx = regexp.MustCompile(`did you mean ("[^"]*"|[\w.-]+)\?`)

// didYouMean replaces the text a diagnostic marks with the name its
// message suggests: a misspelt keyword, set or method.
func didYouMean(d *document, from, to int, code, msg string) (string, []edit) {
	m := didYouMeanRx.FindStringSubmatch(msg)
	if m == nil || to <= from || to > len(d.text) || strings.HasPrefix(msg, "undefined module") {
		return "", nil
	}
	want := m[1]
	if !strings.HasPrefix(d.text[from:to], `"`) {
		if u, err := strconv.Unquote(want); err == nil {
			want = u
		}
	}
	if strings.ContainsAny(want, "\n") {
		return "", nil
	}
	return fmt.Sprintf("Change to %s (%s)", want, code), []edit{{from, to, want}}
}

// listAt returns the value a finding marks and the list around it: a
// rule's origins or a clause's values, in the document's own text (a
// value of a named set is not removed: other rules use it).
func listAt(a *analysis, off int) (*lang.Value, []*lang.Value, lang.Node) {
	path := pathAt(a.file, off)
	v, i := innermost[*lang.Value](path)
	if v == nil || i == 0 || v.Literal == nil || v.Pos.Offset != off {
		return nil, nil, nil
	}
	switch p := path[i-1].(type) {
	case *lang.Rule:
		return v, p.Origins, p
	case *lang.ListClause:
		return v, p.Values, p
	}
	return nil, nil, nil
}

// removeValue takes a value out of its list, or the clause out of its
// block when the value is the clause's only one.
func removeValue(d *document, a *analysis, f lint.Finding) (string, []edit) {
	v, list, owner := listAt(a, f.Pos.Offset)
	if v == nil {
		return "", nil
	}
	title := fmt.Sprintf("Remove %s (%s)", valuesText([]*lang.Value{v}), f.Code)
	if len(list) == 1 {
		if cl, ok := owner.(*lang.ListClause); ok {
			from, to := lineBounds(d, cl.Pos.Offset, cl.EndPos.Offset)
			return fmt.Sprintf("Remove the %s clause (%s)", cl.Keyword, f.Code), []edit{{from, to, ""}}
		}
		return "", nil // a rule needs an origin
	}
	for i, x := range list {
		if x != v {
			continue
		}
		if i > 0 {
			return title, []edit{{list[i-1].EndPos.Offset, v.EndPos.Offset, ""}}
		}
		return title, []edit{{v.Pos.Offset, list[1].Pos.Offset, ""}}
	}
	return "", nil
}

// lineBounds widens [from, to) to whole lines when nothing else stands on
// them, the line end included.
func lineBounds(d *document, from, to int) (int, int) {
	start := from
	for start > 0 && (d.text[start-1] == ' ' || d.text[start-1] == '\t') {
		start--
	}
	end := to
	for end < len(d.text) && (d.text[end] == ' ' || d.text[end] == '\t' || d.text[end] == '\r') {
		end++
	}
	if (start == 0 || d.text[start-1] == '\n') && (end == len(d.text) || d.text[end] == '\n') {
		if end < len(d.text) {
			end++
		}
		return start, end
	}
	return from, to
}

// useHTTPS turns the http origin a finding marks into https.
func useHTTPS(d *document, _ *analysis, f lint.Finding) (string, []edit) {
	at := f.Pos.Offset
	if !strings.HasPrefix(d.text[at:], "http:") {
		return "", nil
	}
	return "Use https (" + f.Code + ")", []edit{{at, at + len("http"), "https"}}
}

// capMaxAge sets a max-age past what browsers keep to 2h.
func capMaxAge(d *document, a *analysis, f lint.Finding) (string, []edit) {
	cl, _ := innermost[*lang.MaxAgeClause](pathAt(a.file, f.Pos.Offset))
	if cl == nil || cl.Pos.Offset != f.Pos.Offset {
		return "", nil
	}
	return "Use max-age 2h (" + f.Code + ")", []edit{{cl.Duration.Pos.Offset, cl.Duration.EndPos.Offset, "2h"}}
}

// nameAuthorization adds Authorization beside headers any.
func nameAuthorization(d *document, a *analysis, f lint.Finding) (string, []edit) {
	cl, _ := innermost[*lang.ListClause](pathAt(a.file, f.Pos.Offset))
	if cl == nil || cl.Keyword != "headers" || cl.Pos.Offset != f.Pos.Offset {
		return "", nil
	}
	end := cl.Values[len(cl.Values)-1].EndPos.Offset
	return `Grant "Authorization" by name (` + f.Code + ")", []edit{{end, end, `, "Authorization"`}}
}

// removeComment removes a silence that silences nothing.
func removeComment(d *document, a *analysis, f lint.Finding) (string, []edit) {
	if !strings.HasPrefix(d.text[f.Pos.Offset:], "#") {
		return "", nil
	}
	from, to := lineBounds(d, f.Pos.Offset, f.End.Offset)
	return "Remove the idle silence (" + f.Code + ")", []edit{{from, to, ""}}
}

// silenceReason is what a new silence says until its writer gives the
// reason; the lint wants one (X001), and a person must write it.
const silenceReason = "REASON: say why this finding does not apply"

// silence inserts "# corsfmt:ignore CODE" with a reason to fill in, on the
// line before the rule a lint finding is about, below any silences there.
// Compile errors, syntax errors and the silences' own findings cannot be
// silenced, and neither can a rule that does not start its line: a
// silence stands above the first token of a line.
func silence(d *document, a *analysis, f lint.Finding) (string, []edit) {
	if f.Code == "" || strings.ContainsAny(f.Code[:1], "CLX") || a.file == nil {
		return "", nil
	}
	r, _ := innermost[*lang.Rule](pathAt(a.file, f.Pos.Offset))
	if r == nil {
		return "", nil
	}
	lineStart := d.lines[d.position(protocol.UTF8, r.Pos.Offset).Line]
	indent := d.text[lineStart:r.Pos.Offset]
	if strings.TrimLeft(indent, " \t") != "" {
		return "", nil
	}
	return fmt.Sprintf("Silence %s on this rule (a reason is required)", f.Code),
		[]edit{{lineStart, lineStart, fmt.Sprintf("%s# corsfmt:ignore %s %s\n", indent, f.Code, silenceReason)}}
}
