package lsp

import (
	"strings"
	"sync"

	cors "github.com/corspolicy/cors"
	"github.com/corspolicy/cors/internal/specdoc"
)

// SPEC.md is the contract; hover quotes it rather than saying the same
// things in other words. Package specdoc finds a section by its heading;
// a keyword's meaning depends on where it stands (headers declares a set
// at the top level and grants request headers in a rule), so the table
// below names, for each keyword in each context, the paragraph or the
// table row of a section that explains it.

// blocks splits a section into its paragraphs, tables and code blocks.
func blocks(section string) []string {
	var out []string
	var cur []string
	fence := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for _, l := range strings.Split(section, "\n") {
		if strings.HasPrefix(l, "```") {
			if !fence {
				flush()
			}
			fence = !fence
			cur = append(cur, l)
			if !fence {
				flush()
			}
			continue
		}
		if !fence && strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

// specParagraph returns the first prose paragraph of a section that
// starts with prefix (any prose paragraph when prefix is ""), on one line.
func specParagraph(doc *specdoc.Doc, heading, prefix string) string {
	for _, b := range blocks(sectionBody(doc, heading)) {
		if strings.HasPrefix(b, "```") || strings.HasPrefix(b, "|") || strings.HasPrefix(b, "<!--") {
			continue
		}
		if strings.HasPrefix(b, prefix) {
			return strings.Join(strings.Fields(b), " ")
		}
	}
	return ""
}

// specRow returns the row of a table of a section whose first cell is
// first, as "first: cell; header: cell; ...", naming each later cell by
// its column's header.
func specRow(doc *specdoc.Doc, heading, first string) string {
	for _, b := range blocks(sectionBody(doc, heading)) {
		if !strings.HasPrefix(b, "|") {
			continue
		}
		rows := strings.Split(b, "\n")
		head := cells(rows[0])
		for _, r := range rows[2:] {
			c := cells(r)
			if len(c) == 0 || c[0] != first {
				continue
			}
			var parts []string
			for i := 1; i < len(c) && i < len(head); i++ {
				if i == len(c)-1 && (head[i] == "meaning" || head[i] == "combination") {
					parts = append(parts, c[i])
				} else {
					parts = append(parts, head[i]+": "+c[i])
				}
			}
			return c[0] + " — " + strings.Join(parts, "; ")
		}
	}
	return ""
}

// sectionBody returns the text under a heading, without the heading line.
func sectionBody(doc *specdoc.Doc, heading string) string {
	sec, ok := doc.Section(heading)
	if !ok {
		return ""
	}
	_, body, _ := strings.Cut(sec.Text, "\n")
	return body
}

func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(strings.TrimSuffix(row, "|"), "|")
	var out []string
	for _, c := range strings.Split(row, "|") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// A keywordDoc says where SPEC.md explains a keyword: a paragraph of a
// section (by its first words), or a row of a table of it.
type keywordDoc struct {
	heading string
	prefix  string // the paragraph starts with this; "" for the first
	row     string // or: the table row whose first cell is this
}

// keywordDocs maps a keyword, in the context it stands in (the kind of
// node around it), to its explanation.
var keywordDocs = map[string]keywordDoc{
	"cors@Version":                  {heading: "Version line"},
	"import@Import":                 {heading: "Imports"},
	"as@Import":                     {heading: "Imports", prefix: "Imports come"},
	"origins@SetDecl":               {heading: "Named sets"},
	"methods@SetDecl":               {heading: "Named sets"},
	"headers@SetDecl":               {heading: "Named sets"},
	"policy@Policy":                 {heading: "Policies"},
	"profile@Profile":               {heading: "Profiles"},
	"dev-profiles@DevProfiles":      {heading: "Profiles", prefix: "`dev-profiles` says"},
	"grants@Bundle":                 {heading: "Bundles", prefix: "A **bundle**"},
	"grants@GrantsClause":           {heading: "Bundles", prefix: "A **bundle**"},
	"allow@Rule":                    {heading: "Semantics", prefix: "**Allowed**"},
	"deny@Rule":                     {heading: "Semantics", prefix: "**Allowed**"},
	"paths@ListClause":              {heading: "Clauses", prefix: "**Paths**"},
	"methods@ListClause":            {heading: "Clauses", prefix: "**Methods**"},
	"headers@ListClause":            {heading: "Clauses", prefix: "**Header names**"},
	"expose@ListClause":             {heading: "Clauses", row: "`expose`"},
	"credentials@FlagClause":        {heading: "Clauses", prefix: "**Credentials.**"},
	"private-network@FlagClause":    {heading: "Clauses", row: "`private-network`"},
	"max-age@MaxAgeClause":          {heading: "Clauses", prefix: "**Max age**"},
	"preflight-status@StatusClause": {heading: "Clauses", row: "`preflight-status`"},
	"any@Value":                     {heading: "Rules", row: "`any`"},
	"null@Value":                    {heading: "Rules", row: "`null`"},
}

var (
	keywordOnce sync.Once
	keywordText map[string]string
)

// keywordMeaning returns SPEC.md's paragraph about a keyword in a context,
// or "".
func keywordMeaning(key string) string {
	keywordOnce.Do(func() {
		spec := specdoc.Parse(cors.Spec())
		keywordText = map[string]string{}
		for k, doc := range keywordDocs {
			if doc.row != "" {
				keywordText[k] = specRow(spec, doc.heading, doc.row)
			} else {
				keywordText[k] = specParagraph(spec, doc.heading, doc.prefix)
			}
		}
	})
	return keywordText[key]
}
