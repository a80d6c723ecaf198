package lsp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/corspolicy/cors/lsp/protocol"
)

const planted = `cors 1

import "std/methods"

# Politique d'accès — café 🍪
origins app = "https://app.example.com", "https://*.app.example.com"
headers bad = "X-Tr🍪ce"

policy api {
    allow app {
        methods methods.read, "PUT"
        headers bad
        credentials
    }
}
`

func writeFile(t *testing.T, dir, name, text string) protocol.DocumentURI {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return fileURI(path)
}

func dump(t *testing.T, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	t.Logf("%s", b)
}

func TestSmoke(t *testing.T) {
	c := start(t)
	res := c.initialize()
	dump(t, res)
	uri := writeFile(t, t.TempDir(), "api.cors", planted)
	c.open(uri, planted)
	dump(t, c.diagnostics(uri, 1))
	var h any
	c.call("textDocument/hover", at(uri, 10, 10), &h)
	dump(t, h)
	c.call("textDocument/hover", at(uri, 9, 5), &h)
	dump(t, h)
	c.call("textDocument/hover", at(uri, 5, 20), &h)
	dump(t, h)
	c.call("textDocument/definition", at(uri, 10, 20), &h)
	dump(t, h)
	c.shutdown()
}
