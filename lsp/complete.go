package lsp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/corspolicy/cors/stdlib"
)

// Keywords by where a statement can start.
var (
	topKeywords     = []string{"import", "origins", "methods", "headers", "grants", "policy"}
	policyKeywords  = []string{"allow", "deny", "profile", "dev-profiles"}
	profileKeywords = []string{"allow", "deny"}
	clauseKeywords  = []string{"paths", "methods", "headers", "expose", "credentials", "max-age", "private-network", "preflight-status", "grants"}
	denyClauses     = []string{"paths", "methods"}

	fixtureTop      = []string{"policy", "profile", "case"}
	fixtureMethods  = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
	fixtureHeaders  = []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers", "Access-Control-Request-Private-Network", "Cookie", "origins", "expect"}
	fixtureExpects  = []string{"allowed", "denied", "check", "rule", "status", "no"}
	fixtureChecks   = []string{"origin", "method", "header", "credentials", "private-network"}
	responseHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
		"Access-Control-Allow-Headers", "Access-Control-Expose-Headers", "Access-Control-Max-Age", "Access-Control-Allow-Private-Network", "Vary"}
)

// listKeywords are the keywords followed by a list of values, and the
// kind of set the list takes.
var listKeywords = map[string]string{"allow": "origins", "deny": "origins", "paths": "", "methods": "methods", "headers": "headers", "expose": "headers"}

// context of the cursor, read from the tokens before it.
type cursor struct {
	blocks  []string // the keywords that opened the enclosing blocks
	stmt    string   // the keyword that started the statement the cursor is in
	used    []string // the statements begun so far in the innermost block
	last    *token   // the last token before the word being typed
	prev    *token   // the one before it
	decls   bool     // a declaration came before: imports are no longer allowed
	setKind string   // in a set declaration, its kind
	setName string   // and its name
}

func (s *Server) completion(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.TextDocumentPositionParams](params)
	if err != nil {
		return nil, err
	}
	d, err := s.doc(p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	items := s.complete(d, d.offset(s.enc, p.Position))
	if items == nil {
		items = []protocol.CompletionItem{}
	}
	return protocol.CompletionList{Items: items}, nil
}

// complete returns what may be typed at offset off of a document.
func (s *Server) complete(d *document, off int) []protocol.CompletionItem {
	switch {
	case inComment(d.text, off):
	case d.kind == kindPolicy:
		return s.completePolicy(d, off)
	case d.kind == kindFixtures:
		return completeFixtures(d.text, off)
	}
	return nil
}

// inComment reports whether offset off is inside a comment: after a "#"
// that no string holds, on its line.
func inComment(text string, off int) bool {
	start := strings.LastIndexByte(text[:off], '\n') + 1
	quoted := false
	for i := start; i < off; i++ {
		switch text[i] {
		case '"':
			quoted = !quoted
		case '#':
			if !quoted {
				return true
			}
		}
	}
	return false
}

// readCursor reads the context of offset off from the tokens before it.
func readCursor(toks []token, off int) (c cursor, word *token) {
	if n := len(toks); n > 0 && toks[n-1].to >= off && (toks[n-1].kind == tIdent || toks[n-1].kind == tString && toks[n-1].open) {
		word = &toks[n-1]
		toks = toks[:n-1]
	}
	if n := len(toks); n > 0 && toks[n-1].kind == tString && !toks[n-1].open && toks[n-1].from < off && off < toks[n-1].to {
		word = &toks[n-1] // inside a closed string
		toks = toks[:n-1]
	}
	used := [][]string{nil}
	for i := range toks {
		t := &toks[i]
		c.prev, c.last = c.last, t
		switch {
		case t.kind == tPunct && t.text == "{":
			c.blocks = append(c.blocks, c.stmt)
			used = append(used, nil)
			c.stmt = ""
		case t.kind == tPunct && t.text == "}":
			if len(c.blocks) > 0 {
				c.blocks = c.blocks[:len(c.blocks)-1]
				used = used[:len(used)-1]
			}
			c.stmt = ""
		case t.kind == tIdent && c.startsStatement(i, toks):
			c.stmt = t.text
			used[len(used)-1] = append(used[len(used)-1], t.text)
			if len(c.blocks) == 0 && t.text != "import" && t.text != "cors" && t.text != "fixtures" {
				c.decls = true
			}
			c.setKind, c.setName = "", ""
			if len(c.blocks) == 0 && (t.text == "origins" || t.text == "methods" || t.text == "headers") {
				c.setKind = t.text
				if i+1 < len(toks) && toks[i+1].kind == tIdent {
					c.setName = toks[i+1].text
				}
			}
		}
	}
	c.used = used[len(used)-1]
	return c, word
}

// startsStatement reports whether the identifier at toks[i] begins a
// statement: it follows the start of the file, a brace, or a value that
// no comma continues.
func (c *cursor) startsStatement(i int, toks []token) bool {
	if i == 0 {
		return true
	}
	p := toks[i-1]
	switch {
	case p.kind == tPunct:
		return p.text == "{" || p.text == "}"
	case p.kind == tIdent && (p.text == "credentials" || p.text == "private-network"):
		return true
	case p.kind == tIdent && i >= 2 && toks[i-2].kind == tIdent && toks[i-2].text == "as":
		return true
	}
	// After a value: a string, a number, or a name that is not the list's
	// keyword itself.
	return p.kind == tString || p.kind == tNumber || p.kind == tIdent && i >= 2 && (toks[i-2].kind == tPunct && (toks[i-2].text == "," || toks[i-2].text == "=") || listKeywords[toks[i-2].text] != "" || toks[i-2].text == "allow" || toks[i-2].text == "deny")
}

func keywordItems(words []string, context string, except []string) []protocol.CompletionItem {
	var out []protocol.CompletionItem
	for _, w := range words {
		if slices.Contains(except, w) {
			continue
		}
		it := protocol.CompletionItem{Label: w, Kind: protocol.CompletionKeyword}
		if m := keywordMeaning(w + "@" + context); m != "" {
			it.Documentation = &protocol.MarkupContent{Kind: "markdown", Value: m}
		}
		out = append(out, it)
	}
	return out
}

func (s *Server) completePolicy(d *document, off int) []protocol.CompletionItem {
	toks := tokensBefore(d.text, off)
	c, word := readCursor(toks, off)
	inner := ""
	if len(c.blocks) > 0 {
		inner = c.blocks[len(c.blocks)-1]
	}
	// Inside the string of an import: the standard library's modules.
	if word != nil && word.kind == tString {
		if c.last != nil && c.last.kind == tIdent && c.last.text == "import" {
			return stdModuleItems(d, s.enc, word, off)
		}
		return nil
	}
	last := c.last
	switch {
	case last == nil:
		return []protocol.CompletionItem{{Label: "cors 1", Kind: protocol.CompletionKeyword, Detail: "the version line"}}
	case last.kind == tIdent && last.text == "import" && c.stmt == "import":
		return stdModuleItems(d, s.enc, nil, off)
	case last.kind == tIdent && last.text == "preflight-status":
		return []protocol.CompletionItem{{Label: "204", Kind: protocol.CompletionValue}, {Label: "200", Kind: protocol.CompletionValue}}
	case last.kind == tIdent && last.text == "max-age":
		return []protocol.CompletionItem{{Label: "2h", Kind: protocol.CompletionValue, Detail: "what Chromium keeps at most"}, {Label: "10m", Kind: protocol.CompletionValue}, {Label: "0s", Kind: protocol.CompletionValue, Detail: "do not cache"}}
	case last.kind == tPunct && last.text == "." && c.prev != nil && c.prev.kind == tIdent:
		return s.setItems(d, off, c, inner, c.prev.text)
	case last.kind == tPunct && (last.text == "," || last.text == "=") || last.kind == tIdent && last.text == c.stmt && listKeywords[c.stmt] != "" && c.stmt != "paths":
		return s.setItems(d, off, c, inner, "")
	case last.kind == tPunct && (last.text == "{" || last.text == "}") || c.stmt != "" && statementEnded(c):
		switch inner {
		case "":
			words := topKeywords
			if c.decls {
				words = words[1:]
			}
			return keywordItems(words, "top", nil)
		case "policy":
			return keywordItems(policyKeywords, "Policy", nil)
		case "profile":
			return keywordItems(profileKeywords, "Profile", nil)
		case "allow":
			return clauseItems(clauseKeywords, c)
		case "deny":
			return clauseItems(denyClauses, c)
		}
	}
	return nil
}

// statementEnded reports whether the statement at the cursor is complete,
// so that another may start: after a value, a flag or a block.
func statementEnded(c cursor) bool {
	l := c.last
	switch {
	case l.kind == tString || l.kind == tNumber:
		return true
	case l.kind == tIdent && (l.text == "credentials" || l.text == "private-network"):
		return true
	case l.kind == tIdent && c.prev != nil && (c.prev.kind == tPunct && (c.prev.text == "," || c.prev.text == "=" || c.prev.text == ".") ||
		c.prev.kind == tIdent && listKeywords[c.prev.text] != ""):
		return true
	}
	return false
}

// clauseItems offers the clauses a rule's block does not have yet.
func clauseItems(words []string, c cursor) []protocol.CompletionItem {
	var items []protocol.CompletionItem
	for _, it := range keywordItems(words, "clause", c.used) {
		ctx := "ListClause"
		switch it.Label {
		case "credentials", "private-network":
			ctx = "FlagClause"
		case "max-age":
			ctx = "MaxAgeClause"
		case "preflight-status":
			ctx = "StatusClause"
		}
		if m := keywordMeaning(it.Label + "@" + ctx); m != "" {
			it.Documentation = &protocol.MarkupContent{Kind: "markdown", Value: m}
		}
		items = append(items, it)
	}
	return items
}

// setItems offers the sets a list can name: of the file, or of one
// imported module; and any and null where they may stand.
func (s *Server) setItems(d *document, off int, c cursor, inner, module string) []protocol.CompletionItem {
	kind := c.setKind
	if kind == "" {
		kind = listKeywords[c.stmt]
	}
	if kind == "" || inner == "" && c.setKind == "" {
		return nil
	}
	var items []protocol.CompletionItem
	sets, imports := declaredSets(d.text)
	if module == "" {
		for _, st := range sets {
			if st.kind == kind && st.name != "" && st.name != c.setName {
				items = append(items, protocol.CompletionItem{Label: st.name, Kind: protocol.CompletionVariable, Detail: st.kind + " set"})
			}
		}
		if c.setKind == "" {
			items = append(items, protocol.CompletionItem{Label: "any", Kind: protocol.CompletionKeyword, Detail: "every " + strings.TrimSuffix(kind, "s")})
		}
		if kind == "origins" {
			items = append(items, protocol.CompletionItem{Label: "null", Kind: protocol.CompletionKeyword, Detail: "the null origin"})
		}
	}
	imp, release := s.importer(d.name)
	defer release()
	for name, path := range imports {
		if module != "" && name != module {
			continue
		}
		filename, src, err := imp.Import(d.name, path)
		if err != nil {
			continue
		}
		f, err := lang.Parse(filename, src)
		if err != nil {
			continue
		}
		for _, decl := range f.Decls {
			if sd, ok := decl.(*lang.SetDecl); ok && sd.Kind == kind {
				label := name + "." + sd.Name.Name
				if module != "" {
					label = sd.Name.Name
				}
				it := protocol.CompletionItem{Label: label, Kind: protocol.CompletionVariable, Detail: sd.Kind + " set from " + path}
				if doc := docComment(f, sd); doc != "" {
					it.Documentation = &protocol.MarkupContent{Kind: "markdown", Value: doc}
				}
				items = append(items, it)
			}
		}
	}
	slices.SortFunc(items, func(a, b protocol.CompletionItem) int { return strings.Compare(a.Label, b.Label) })
	return items
}

type declaredSet struct{ kind, name string }

// declaredSets finds the set declarations and imports of a text that may
// not parse: "KIND NAME =" and "import "PATH" [as NAME]" at the top level.
func declaredSets(text string) (sets []declaredSet, imports map[string]string) {
	imports = map[string]string{}
	toks := tokensBefore(text, len(text))
	depth := 0
	for i, t := range toks {
		switch {
		case t.kind == tPunct && t.text == "{":
			depth++
		case t.kind == tPunct && t.text == "}":
			depth = max(0, depth-1)
		case depth > 0:
		case t.kind == tIdent && (t.text == "origins" || t.text == "methods" || t.text == "headers") &&
			i+2 < len(toks) && toks[i+1].kind == tIdent && toks[i+2].text == "=":
			sets = append(sets, declaredSet{t.text, toks[i+1].text})
		case t.kind == tIdent && t.text == "import" && i+1 < len(toks) && toks[i+1].kind == tString && !toks[i+1].open:
			path := strings.Trim(toks[i+1].text, `"`)
			name := (&lang.Import{Path: &lang.String{Value: path}}).Name()
			if i+3 < len(toks) && toks[i+2].text == "as" && toks[i+3].kind == tIdent {
				name = toks[i+3].text
			}
			imports[name] = path
		}
	}
	return sets, imports
}

// stdModuleItems offers the standard library's modules as import paths:
// as quoted strings, or, inside a string being typed, its content.
func stdModuleItems(d *document, enc encoding, str *token, off int) []protocol.CompletionItem {
	var items []protocol.CompletionItem
	for _, name := range stdlib.Names() {
		it := protocol.CompletionItem{Label: name, Kind: protocol.CompletionModule, Detail: "standard library module"}
		if src, err := stdlib.Source(name); err == nil {
			if f, err := lang.Parse(name, src); err == nil {
				if doc := leadComment(f); doc != "" {
					it.Documentation = &protocol.MarkupContent{Kind: "markdown", Value: doc}
				}
			}
		}
		if str != nil {
			// Replace what is between the quotes, up to the cursor.
			end := str.to
			if !str.open {
				end--
			}
			it.TextEdit = &protocol.TextEdit{Range: d.rangeOf(enc, str.from+1, max(off, end)), NewText: name}
			it.FilterText = name
		} else {
			it.InsertText = `"` + name + `"`
		}
		items = append(items, it)
	}
	return items
}

// completeFixtures offers the keywords of a fixture file by position.
func completeFixtures(text string, off int) []protocol.CompletionItem {
	toks := tokensBefore(text, off)
	c, word := readCursor(toks, off)
	if word != nil && word.kind == tString {
		return nil
	}
	last := c.last
	inCase := len(c.blocks) > 0
	switch {
	case last == nil:
		return []protocol.CompletionItem{{Label: "fixtures 1", Kind: protocol.CompletionKeyword, Detail: "the version line"}}
	case last.kind == tIdent && last.text == "expect":
		return append(keywordItems(fixtureExpects, "expect", nil), keywordItems(responseHeaders, "", nil)...)
	case last.kind == tIdent && last.text == "check":
		return keywordItems(fixtureChecks, "", nil)
	case last.kind == tIdent && last.text == "no":
		return keywordItems(responseHeaders, "", nil)
	case inCase && last.kind == tPunct && last.text == "{":
		return keywordItems(fixtureMethods, "", nil)
	case inCase && (last.kind == tString || last.kind == tIdent && (last.text == "allowed" || last.text == "denied" || last.text == "origin") || last.kind == tNumber):
		if slices.Contains(c.used, "expect") {
			return keywordItems([]string{"expect"}, "", nil)
		}
		return keywordItems(fixtureHeaders, "", nil)
	case !inCase && (last.kind == tPunct && last.text == "}" || last.kind == tNumber || last.kind == tIdent && c.prev != nil && (c.prev.text == "policy" || c.prev.text == "profile")):
		return keywordItems(fixtureTop, "", c.used)
	}
	return nil
}
