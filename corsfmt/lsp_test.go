package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func frame(body string) string { return fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body) }

// TestLSP checks that corsfmt lsp is wired to the language server: it
// answers initialize on standard output and exits 0 after shutdown and exit.
func TestLSP(t *testing.T) {
	in := frame(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}`) +
		frame(`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`) +
		frame(`{"jsonrpc":"2.0","method":"exit"}`)
	var out, errb bytes.Buffer
	if code := run([]string{"lsp"}, strings.NewReader(in), &out, &errb); code != 0 {
		t.Errorf("exit status %d, want 0; stderr: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), `"serverInfo":{"name":"corsfmt lsp"`) || !strings.Contains(out.String(), `{"jsonrpc":"2.0","id":2,"result":null}`) {
		t.Errorf("standard output: %s", out.String())
	}
	if code := run([]string{"lsp", "extra"}, strings.NewReader(""), &out, &errb); code != 2 {
		t.Errorf("corsfmt lsp extra: exit status %d, want 2", code)
	}
	// The input ends without exit: status 1, as the protocol says.
	if code := run([]string{"lsp"}, strings.NewReader(""), &out, &errb); code != 1 {
		t.Errorf("input closed without exit: exit status %d, want 1", code)
	}
}
