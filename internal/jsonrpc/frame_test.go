package jsonrpc

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
)

// read reads every message of input and returns, in order, each body or
// error as text: "body:..." or "error:...".
func readAll(input string, max int) []string {
	r := NewReader(strings.NewReader(input), max)
	var out []string
	for range 100 {
		body, err := r.Read()
		var ferr *FrameError
		switch {
		case errors.As(err, &ferr):
			out = append(out, "error:"+ferr.Msg)
		case err == io.EOF:
			return out
		case err != nil:
			return append(out, "fatal:"+err.Error())
		default:
			out = append(out, "body:"+string(body))
		}
	}
	return append(out, "no end")
}

func TestReader(t *testing.T) {
	long := strings.Repeat("x", MaxHeaderLine+10)
	tests := []struct {
		name, input string
		want        []string
	}{
		{"one", "Content-Length: 2\r\n\r\n{}", []string{"body:{}"}},
		{"two", "Content-Length: 2\r\n\r\n{}Content-Length: 3\r\n\r\n[1]", []string{"body:{}", "body:[1]"}},
		{"bare LF and any case", "content-length:2\n\n{}", []string{"body:{}"}},
		{"content type utf-8", "Content-Length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}", []string{"body:{}"}},
		{"content type utf8", "Content-Type: application/vscode-jsonrpc; charset=\"utf8\"\r\nContent-Length: 2\r\n\r\n{}", []string{"body:{}"}},
		{"other charset, skipped", "Content-Length: 2\r\nContent-Type: text/plain; charset=latin1\r\n\r\n{}Content-Length: 1\r\n\r\n1",
			[]string{`error:unsupported Content-Type "text/plain; charset=latin1"; messages are UTF-8`, "body:1"}},
		{"blank lines between", "\r\n\r\nContent-Length: 1\r\n\r\n1\r\nContent-Length: 1\r\n\r\n2", []string{"body:1", "body:2"}},
		{"empty body", "Content-Length: 0\r\n\r\n", []string{"body:"}},
		{"missing length", "Content-Type: x\r\n\r\n", []string{"error:missing Content-Length header"}},
		{"bad length", "Content-Length: abc\r\n\r\n", []string{`error:bad Content-Length "abc"`}},
		{"negative length", "Content-Length: -1\r\n\r\n", []string{`error:bad Content-Length "-1"`}},
		{"plus sign", "Content-Length: +1\r\n\r\n", []string{`error:bad Content-Length "+1"`}},
		{"huge length", "Content-Length: 99999999999999999999999\r\n\r\n", []string{`error:bad Content-Length "99999999999999999999999"`}},
		{"two lengths", "Content-Length: 1\r\nContent-Length: 2\r\n\r\na", []string{"error:two different Content-Length headers"}},
		{"same length twice", "Content-Length: 1\r\nContent-Length: 1\r\n\r\na", []string{"body:a"}},
		{"over the limit, skipped", "Content-Length: 11\r\n\r\n0123456789aContent-Length: 1\r\n\r\nb",
			[]string{"error:message of 11 bytes is over the limit of 10", "body:b"}},
		{"long header line, skipped", long + "\r\nContent-Length: 1\r\n\r\nxContent-Length: 1\r\n\r\ny",
			[]string{"error:header line longer than 1024 bytes", "body:y"}},
		{"garbage, then resync", "garbage{\"x\":1}Content-Length: 1\r\n\r\nz", []string{"body:z"}},
		{"garbage line", "garbage\r\nContent-Length: 1\r\n\r\nz", []string{`error:malformed header line "garbage"`}},
		{"wrong length, then resync", "Content-Length: 1\r\n\r\n{}Content-Length: 1\r\n\r\nz", []string{"body:{", "body:z"}},
		{"header block too long", strings.Repeat("X-A: b\r\n", MaxHeaderBlock/8+1), []string{"error:header block longer than 8192 bytes"}},
		{"end inside header", "Content-Length: 1\r\n", []string{"fatal:unexpected EOF"}},
		{"end inside line", "Content-Len", []string{"fatal:unexpected EOF"}},
		{"end inside body", "Content-Length: 5\r\n\r\nab", []string{"fatal:unexpected EOF"}},
		{"end inside skipped body", "Content-Length: 50\r\n\r\nab", []string{"fatal:unexpected EOF"}},
		{"empty input", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(tt.input, 10)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestReaderKeepsPrefixOfSkippedBody(t *testing.T) {
	body := `{"jsonrpc":"2.0","id":7,"method":"x","params":"` + strings.Repeat("a", 10000) + `"}`
	r := NewReader(strings.NewReader("Content-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body), 100)
	_, err := r.Read()
	var ferr *FrameError
	if !errors.As(err, &ferr) {
		t.Fatalf("got %v, want a FrameError", err)
	}
	if len(ferr.Prefix) != prefixSize || !bytes.HasPrefix([]byte(body), ferr.Prefix) {
		t.Errorf("prefix is %d bytes, want the body's first %d", len(ferr.Prefix), prefixSize)
	}
	if id := idFromPrefix(ferr.Prefix); string(id) != "7" {
		t.Errorf("id from prefix = %s, want 7", id)
	}
}

func TestWriterFrames(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, body := range []string{`{"a":"é"}`, ``} {
		if err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if want := "Content-Length: 10\r\n\r\n{\"a\":\"é\"}Content-Length: 0\r\n\r\n"; buf.String() != want {
		t.Errorf("wrote %q, want %q", buf.String(), want)
	}
	got := readAll(buf.String(), 100)
	if len(got) != 2 || got[0] != `body:{"a":"é"}` || got[1] != "body:" {
		t.Errorf("read back %q", got)
	}
}

// FuzzReader feeds arbitrary bytes to the framing reader: it must end, hold
// no body over its limit, and deliver again what the Writer framed.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"Content-Length: 2\r\n\r\n{}",
		"content-length:2\n\n{}Content-Length: 3\r\n\r\n[1]",
		"Content-Length: 11\r\n\r\n0123456789a",
		"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 1\r\n\r\n1",
		"garbage{}Content-Length: 1\r\n\r\nz",
		"Content-Length: -1\r\n\r\n",
		strings.Repeat("x", MaxHeaderLine+1) + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		const limit = 64
		r := NewReader(bytes.NewReader(input), limit)
		for i := 0; ; i++ {
			if i > len(input)+1 {
				t.Fatalf("more messages than bytes of input: the reader does not advance")
			}
			body, err := r.Read()
			var ferr *FrameError
			if errors.As(err, &ferr) {
				if len(ferr.Prefix) > prefixSize {
					t.Fatalf("prefix of %d bytes", len(ferr.Prefix))
				}
				continue
			}
			if err != nil {
				break
			}
			if len(body) > limit {
				t.Fatalf("body of %d bytes over the limit of %d", len(body), limit)
			}
		}
		// What the writer frames, the reader returns unchanged.
		if len(input) > limit {
			input = input[:limit]
		}
		var buf bytes.Buffer
		w := NewWriter(&buf)
		w.Write(input)
		w.Write(input)
		r = NewReader(&buf, limit)
		for range 2 {
			body, err := r.Read()
			if err != nil || !bytes.Equal(body, input) {
				t.Fatalf("read back %q, %v; want %q", body, err, input)
			}
		}
	})
}
