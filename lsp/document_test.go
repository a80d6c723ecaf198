package lsp

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/corspolicy/cors/lsp/protocol"
)

func TestPositions(t *testing.T) {
	// Lines end at LF, CRLF and a lone CR; "é" is 2 bytes and 1 UTF-16
	// unit, "🍪" 4 bytes and 2 units.
	d := &document{text: "aé🍪b\r\nx\ry\n🍪"}
	d.lines = lineStarts(d.text)
	tests := []struct {
		enc    encoding
		offset int
		pos    protocol.Position
	}{
		{protocol.UTF16, 0, pos(0, 0)},
		{protocol.UTF16, 1, pos(0, 1)},  // before é
		{protocol.UTF16, 3, pos(0, 2)},  // before 🍪
		{protocol.UTF16, 7, pos(0, 4)},  // before b
		{protocol.UTF16, 8, pos(0, 5)},  // end of line 0, before \r\n
		{protocol.UTF16, 10, pos(1, 0)}, // x
		{protocol.UTF16, 12, pos(2, 0)}, // y, after a lone CR
		{protocol.UTF16, 14, pos(3, 0)},
		{protocol.UTF16, 18, pos(3, 2)}, // end of text
		{protocol.UTF8, 7, pos(0, 7)},
		{protocol.UTF8, 18, pos(3, 4)},
		{protocol.UTF32, 7, pos(0, 3)},
		{protocol.UTF32, 18, pos(3, 1)},
	}
	for _, tt := range tests {
		if got := d.position(tt.enc, tt.offset); got != tt.pos {
			t.Errorf("%s: position(%d) = %v, want %v", tt.enc, tt.offset, got, tt.pos)
		}
		if got := d.offset(tt.enc, tt.pos); got != tt.offset {
			t.Errorf("%s: offset(%v) = %d, want %d", tt.enc, tt.pos, got, tt.offset)
		}
	}
	// Positions that fall inside a character, past a line's end, past
	// the last line.
	for _, tt := range []struct {
		enc    encoding
		pos    protocol.Position
		offset int
	}{
		{protocol.UTF16, pos(0, 3), 3},   // inside the surrogate pair of 🍪: its start
		{protocol.UTF8, pos(0, 2), 1},    // inside é: its start
		{protocol.UTF16, pos(0, 99), 8},  // past the end of the line: the end
		{protocol.UTF16, pos(1, 99), 11}, // before the lone CR
		{protocol.UTF16, pos(9, 0), 18},  // past the last line: the end of the text
	} {
		if got := d.offset(tt.enc, tt.pos); got != tt.offset {
			t.Errorf("%s: offset(%v) = %d, want %d", tt.enc, tt.pos, got, tt.offset)
		}
	}
}

func TestIncrementalChanges(t *testing.T) {
	d := newDocument(nil, "file:///a.cors", 1, "cors 1\n# café 🍪\npolicy a {\n}\n")
	// Two changes in one notification: the second's range is in the text
	// the first left.
	r1 := rng(1, 7, 1, 9) // the cookie, two UTF-16 units
	r2 := rng(2, 7, 2, 8) // the policy's name
	nd, err := d.withChanges(protocol.UTF16, 2, []protocol.TextDocumentContentChangeEvent{{Range: &r1, Text: "x"}, {Range: &r2, Text: "api"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "cors 1\n# café x\npolicy api {\n}\n"; nd.text != want || nd.version != 2 {
		t.Errorf("text %q version %d, want %q", nd.text, nd.version, want)
	}
	// A whole-text change, then a range of it.
	r3 := rng(0, 0, 0, 4)
	nd, err = d.withChanges(protocol.UTF16, 3, []protocol.TextDocumentContentChangeEvent{{Text: "abcd"}, {Range: &r3, Text: "z"}})
	if err != nil || nd.text != "z" {
		t.Errorf("got %q, %v", nd.text, err)
	}
	// A document that grows past what is kept keeps only its size.
	huge := rng(0, 0, 0, 0)
	nd, err = d.withChanges(protocol.UTF16, 5, []protocol.TextDocumentContentChangeEvent{{Range: &huge, Text: strings.Repeat("#", maxRetained)}})
	if err != nil || nd.text != "" || nd.dropped != maxRetained+len(d.text) {
		t.Errorf("a document past the limit: %d bytes kept, size %d, %v", len(nd.text), nd.dropped, err)
	}
	// A text past what is kept, then in the same notification a whole
	// text: the client holds the second, and so does the server (found
	// by attacking the server: it stopped at the first and kept only its
	// size, so every request about a 50-byte policy failed).
	small := "cors 1\n\npolicy api {\n    allow \"https://a.example\"\n}\n"
	nd, err = d.withChanges(protocol.UTF16, 6, []protocol.TextDocumentContentChangeEvent{{Text: strings.Repeat("#", maxRetained+1)}, {Text: small}})
	if err != nil || nd.text != small || nd.dropped != 0 {
		t.Errorf("a whole text after one too large to keep: %d bytes kept, size %d, %v", len(nd.text), nd.dropped, err)
	}
	// ... but a range after it cannot apply to a text not kept.
	if _, err := d.withChanges(protocol.UTF16, 7, []protocol.TextDocumentContentChangeEvent{{Text: strings.Repeat("#", maxRetained+1)}, {Range: &r3, Text: "x"}}); err == nil {
		t.Error("a range change applied to a text that was not kept")
	}
	// A range that ends before it starts is refused.
	bad := rng(1, 5, 0, 0)
	if _, err := d.withChanges(protocol.UTF16, 4, []protocol.TextDocumentContentChangeEvent{{Range: &bad, Text: ""}}); err == nil {
		t.Error("a reversed range was applied")
	}
	// A document whose text was too large to keep takes only whole texts.
	big := &document{dropped: maxRetained + 1}
	if _, err := big.withChanges(protocol.UTF16, 2, []protocol.TextDocumentContentChangeEvent{{Range: &r3, Text: "x"}}); err == nil {
		t.Error("a range change applied to a text that was not kept")
	}
	if nd, err := big.withChanges(protocol.UTF16, 2, []protocol.TextDocumentContentChangeEvent{{Text: "cors 1\n"}}); err != nil || nd.text != "cors 1\n" {
		t.Errorf("a whole text: %v", err)
	}
}

// FuzzPositions holds the conversion between byte offsets and positions
// to a round trip, in every encoding, for any text: every offset at the
// start of a character, that is not inside a line break, comes back.
func FuzzPositions(f *testing.F) {
	for _, s := range []string{"cors 1\n", "aé🍪b\r\nx\ry\n🍪", "\r\r\n\n", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			text = strings.ToValidUTF8(text, "?")
		}
		d := &document{text: text, lines: lineStarts(text)}
		for off := 0; off <= len(text); off++ {
			if off < len(text) && !utf8.RuneStart(text[off]) || off > 0 && text[off-1] == '\r' && off < len(text) && text[off] == '\n' {
				continue
			}
			for _, enc := range []encoding{protocol.UTF8, protocol.UTF16, protocol.UTF32} {
				p := d.position(enc, off)
				if got := d.offset(enc, p); got != off {
					t.Fatalf("%s: offset %d -> %v -> %d in %q", enc, off, p, got, text)
				}
			}
		}
	})
}

// TestChangesAreBounded checks that a notification's changes cost a
// bounded time: each range change copies the whole text, so many small
// changes to a large document, in a message of a few hundred kilobytes,
// would hold the server for minutes. Past maxChangeWork they are not
// applied, and the text is lost as for a change that cannot apply.
func TestChangesAreBounded(t *testing.T) {
	text := strings.Repeat("# a comment line of some length\n", 4<<20/32)
	d := newDocument(nil, "file:///a.cors", 1, text)
	var changes []protocol.TextDocumentContentChangeEvent
	for i := range maxChangeWork/len(text) + 2 {
		r := rng(uint32(i), 0, uint32(i), 1)
		changes = append(changes, protocol.TextDocumentContentChangeEvent{Range: &r, Text: "#"})
	}
	start := time.Now()
	_, err := d.withChanges(protocol.UTF16, 2, changes)
	if err == nil || !strings.Contains(err.Error(), "too many") {
		t.Errorf("%d changes to %d bytes: %v after %v, want them refused", len(changes), len(text), err, time.Since(start))
	}
	// Changes within the bound apply.
	if nd, err := d.withChanges(protocol.UTF16, 3, changes[:8]); err != nil || !strings.HasPrefix(nd.text, "# a comment") {
		t.Errorf("8 changes: %v", err)
	}
}
