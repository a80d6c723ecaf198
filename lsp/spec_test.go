package lsp

import (
	"strings"
	"testing"
)

// Every keyword hover quotes SPEC.md: a section renamed or a paragraph
// reworded so that it is no longer found fails here, not in an editor.
func TestEveryKeywordHasItsSpecParagraph(t *testing.T) {
	for key, doc := range keywordDocs {
		text := keywordMeaning(key)
		if text == "" {
			t.Errorf("%s: no paragraph in SPEC.md section %q starting %q (row %q)", key, doc.heading, doc.prefix, doc.row)
			continue
		}
		if strings.Contains(text, "\n") {
			t.Errorf("%s: not one paragraph on one line: %q", key, text)
		}
	}
	if got := keywordMeaning("credentials@FlagClause"); !strings.HasPrefix(got, "**Credentials.** Without `credentials`, a browser") {
		t.Errorf("credentials: %q", got)
	}
	if got := keywordMeaning("any@Value"); !strings.HasPrefix(got, "`any` — every origin: the public `*`.") {
		t.Errorf("any: %q", got)
	}
	if got := keywordMeaning("preflight-status@StatusClause"); got != "`preflight-status` — value: `204` or `200`; in allow: yes; in deny: no; status of a successful preflight; 204 by default" {
		t.Errorf("preflight-status: %q", got)
	}
}
