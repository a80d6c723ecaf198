package lang

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/google/go-cmp/cmp"
)

// TestParseGolden parses each testdata/parse file and compares a dump of the
// tree, positions included, with its .golden file.
func TestParseGolden(t *testing.T) {
	goldentest.Each(t, "testdata/parse/*.cors", func(t *testing.T, path string, src []byte) {
		f, err := Parse(filepath.Base(path), src)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		checkSpans(t, f, src)
		var buf bytes.Buffer
		dump(&buf, reflect.ValueOf(f), 0)
		goldentest.Compare(t, strings.TrimSuffix(path, ".cors")+".golden", buf.Bytes())
	})
}

// checkSpans asserts that every node's span in tree lies inside its
// parent's, that spans of siblings do not overlap, and that each span's text
// starts and ends with a token, not with blanks.
func checkSpans(t *testing.T, tree any, src []byte) {
	t.Helper()
	var walk func(v reflect.Value, parent Span)
	walk = func(v reflect.Value, parent Span) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), parent)
			}
		case reflect.Slice:
			prevEnd := -1
			for i := range v.Len() {
				e := v.Index(i)
				if n, ok := e.Interface().(Node); ok && !reflect.ValueOf(n).IsNil() {
					if n.Start().Offset < prevEnd {
						t.Errorf("%s: node starts before its previous sibling ends", n.Start())
					}
					prevEnd = n.End().Offset
				}
				walk(e, parent)
			}
		case reflect.Struct:
			span, ok := v.FieldByName("Span").Interface().(Span)
			if !ok {
				return
			}
			_, isComment := v.Addr().Interface().(*Comment)
			if !isComment {
				if span.Pos.Offset < parent.Pos.Offset || span.EndPos.Offset > parent.EndPos.Offset {
					t.Errorf("%s: %s span %v-%v outside its parent's %v-%v", span.Pos, v.Type().Name(),
						span.Pos.Offset, span.EndPos.Offset, parent.Pos.Offset, parent.EndPos.Offset)
				}
			}
			for _, p := range []Position{span.Pos, span.EndPos} {
				if line, col := lineColumnAt(src, p.Offset); p.Line != line || p.Column != col {
					t.Errorf("%s: %s at offset %d, which is %d:%d", p, v.Type().Name(), p.Offset, line, col)
				}
			}
			text := string(src[span.Pos.Offset:span.EndPos.Offset])
			if isComment {
				// A comment's token holds its trailing blanks, any
				// that TrimSpace would trim (a vertical tab too).
				text = strings.TrimRightFunc(text, unicode.IsSpace)
			}
			if text == "" || strings.TrimSpace(text) != text {
				t.Errorf("%s: %s span %q has blanks at an edge or is empty", span.Pos, v.Type().Name(), text)
			}
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.Name != "Span" && f.Type != reflect.TypeFor[Position]() {
					walk(v.Field(i), span)
				}
			}
		}
	}
	whole := Span{EndPos: Position{Offset: len(src)}}
	walk(reflect.ValueOf(tree), whole)
}

// lineColumnAt returns the line and the column in runes, both from 1, of
// byte offset off in src.
func lineColumnAt(src []byte, off int) (line, col int) {
	head := src[:off]
	lineStart := bytes.LastIndexByte(head, '\n') + 1
	return bytes.Count(head, []byte("\n")) + 1, utf8.RuneCount(head[lineStart:]) + 1
}

// dump writes a tree as indented text: each node with its type and span,
// then its fields that are set.
func dump(buf *bytes.Buffer, v reflect.Value, depth int) {
	indent := strings.Repeat("  ", depth)
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		dump(buf, v.Elem(), depth)
	case reflect.Struct:
		span := v.FieldByName("Span").Interface().(Span)
		fmt.Fprintf(buf, "%s [%d:%d-%d:%d]\n", v.Type().Name(),
			span.Pos.Line, span.Pos.Column, span.EndPos.Line, span.EndPos.Column)
		for i := range v.NumField() {
			f, name := v.Field(i), v.Type().Field(i).Name
			if name == "Span" || f.IsZero() {
				continue
			}
			switch f.Kind() {
			case reflect.String:
				fmt.Fprintf(buf, "%s  %s: %q\n", indent, name, f.String())
			case reflect.Struct:
				if p, ok := f.Interface().(Position); ok {
					fmt.Fprintf(buf, "%s  %s: %d:%d\n", indent, name, p.Line, p.Column)
					continue
				}
				fmt.Fprintf(buf, "%s  %s: ", indent, name)
				dump(buf, f, depth+1)
			case reflect.Slice:
				fmt.Fprintf(buf, "%s  %s:\n", indent, name)
				for j := range f.Len() {
					fmt.Fprintf(buf, "%s    - ", indent)
					dump(buf, f.Index(j), depth+2)
				}
			default:
				fmt.Fprintf(buf, "%s  %s: ", indent, name)
				dump(buf, f, depth+1)
			}
		}
	}
}

// TestErrors parses each testdata/errors file, which must fail. Each file
// states the errors it expects in header lines of the form
//
//	# want LINE:COL REGEXP
//
// and the exact messages are kept in its .golden file.
func TestErrors(t *testing.T) {
	goldentest.Each(t, "testdata/errors/*.cors", func(t *testing.T, path string, src []byte) {
		_, err := Parse(filepath.Base(path), src)
		if err == nil {
			t.Fatal("Parse succeeded; want errors")
		}
		list, ok := err.(ErrorList)
		if !ok {
			t.Fatalf("error is %T, want ErrorList", err)
		}
		wants := goldentest.Wants(t, src)
		if len(wants) == 0 {
			t.Fatal("no # want lines in the file")
		}
		if len(list) != len(wants) {
			t.Errorf("got %d errors, want %d:\n%v", len(list), len(wants), list)
		}
		for i, w := range wants {
			if i >= len(list) {
				break
			}
			e := list[i]
			if pos := fmt.Sprintf("%d:%d", e.Pos.Line, e.Pos.Column); pos != w.Pos || !w.Rx.MatchString(e.Msg) {
				t.Errorf("error %d: got %s: %s\nwant %s: /%s/", i, pos, e.Msg, w.Pos, w.Rx)
			}
			if e.Code == "" {
				t.Errorf("error %d has no code", i)
			}
		}
		var buf bytes.Buffer
		PrintErrors(&buf, err)
		goldentest.Compare(t, strings.TrimSuffix(path, ".cors")+".golden", buf.Bytes())
	})
}

// TestFormatGolden formats each testdata/format/*.input file and compares
// the output with its .golden file; the golden file must then format to
// itself.
func TestFormatGolden(t *testing.T) {
	goldentest.Each(t, "testdata/format/*.input", func(t *testing.T, path string, src []byte) {
		out, err := Format(path, src)
		if err != nil {
			t.Fatal(err)
		}
		goldentest.Compare(t, strings.TrimSuffix(path, ".input")+".golden", out)
		if n, m := strings.Count(string(src), "#"), strings.Count(string(out), "#"); n != m {
			t.Errorf("input has %d '#', output %d: a comment was lost or made up", n, m)
		}
	})
}

// TestIdempotent formats every .cors file the project keeps, and every
// format golden file, twice: the second pass must change nothing.
func TestIdempotent(t *testing.T) {
	var files []string
	for _, pattern := range []string{"testdata/parse/*.cors", "testdata/format/*.golden", "../examples/*.cors", "../stdlib/*.cors"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			once, err := Format(path, src)
			if err != nil {
				t.Fatal(err)
			}
			twice, err := Format(path, once)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(once), string(twice)); diff != "" {
				t.Errorf("second format changed the output (-once +twice):\n%s", diff)
			}
		})
	}
}
