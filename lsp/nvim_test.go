package lsp

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nvimScript drives Neovim's own LSP client (the API of Neovim 0.7, which
// Debian 12 ships): open the policy, start corsfmt lsp for it, wait for
// diagnostics, write what Neovim received as JSON, stop the server, quit.
const nvimScript = `
local policy, bin, out = vim.env.CORS_POLICY, vim.env.CORSFMT, vim.env.CORS_OUT
vim.cmd('edit ' .. vim.fn.fnameescape(policy))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({ name = 'corsfmt', cmd = { bin, 'lsp' }, root_dir = vim.fn.fnamemodify(policy, ':h') })
vim.lsp.buf_attach_client(buf, id)
local ok = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
local diags = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = d.user_data and d.user_data.lsp or {}
  table.insert(diags, { lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    severity = d.severity, message = d.message, source = d.source, code = d.code or lsp.code })
end
local client = vim.lsp.get_client_by_id(id)
local result = { ok = ok, diagnostics = diags, encoding = client and client.offset_encoding or '' }
vim.fn.writefile({ vim.fn.json_encode(result) }, out)
vim.lsp.stop_client(id)
vim.wait(5000, function() return vim.lsp.get_client_by_id(id) == nil end, 20)
vim.cmd('qa!')
`

// TestNeovim has a real editor judge the server: Neovim, headless, with
// its built-in LSP client, opens an example with a planted error, and the
// test reads the diagnostics Neovim received. Without Neovim it skips,
// unless CORS_EDITOR=require.
func TestNeovim(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an editor")
	}
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("CORS_EDITOR") == "require" {
			t.Fatal("CORS_EDITOR=require but nvim is not installed (apt-get install neovim)")
		}
		t.Skip("SKIPPED: nvim is not installed (apt-get install neovim); set CORS_EDITOR=require to fail instead")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "corsfmt")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/corspolicy/cors/corsfmt").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	src, err := os.ReadFile("../examples/gateway-microservices.cors")
	if err != nil {
		t.Fatal(err)
	}
	// The planted error: a misspelt set name in the first rule.
	text := strings.Replace(string(src), "    allow storefront, partners {", "    allow storefrnt, partners {", 1)
	if text == string(src) {
		t.Fatal("the example changed: the line to plant the error in is gone")
	}
	policy := filepath.Join(dir, "gateway.cors")
	if err := os.WriteFile(policy, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "drive.lua")
	os.WriteFile(script, []byte(nvimScript), 0o644)
	out := filepath.Join(dir, "out.json")

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "--clean", "-n", "-i", "NONE", "-c", "luafile "+script)
	cmd.Env = append(os.Environ(), "CORS_POLICY="+policy, "CORSFMT="+bin, "CORS_OUT="+out, "XDG_STATE_HOME="+dir, "XDG_CACHE_HOME="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nvim: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("nvim wrote no result: %v", err)
	}
	var got struct {
		OK          bool `json:"ok"`
		Diagnostics []struct {
			Lnum     int    `json:"lnum"`
			Col      int    `json:"col"`
			EndLnum  int    `json:"end_lnum"`
			EndCol   int    `json:"end_col"`
			Severity int    `json:"severity"`
			Message  string `json:"message"`
			Source   string `json:"source"`
			Code     string `json:"code"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	t.Logf("neovim received: %s", raw)
	if !got.OK || len(got.Diagnostics) != 1 {
		t.Fatalf("neovim received %d diagnostics (waited: %v), want the planted one", len(got.Diagnostics), got.OK)
	}
	line := strings.Count(text[:strings.Index(text, "storefrnt")], "\n")
	d := got.Diagnostics[0]
	if d.Lnum != line || d.Col != 10 || d.EndLnum != line || d.EndCol != 19 || d.Severity != 1 || d.Code != "C001" ||
		d.Source != "corsfmt lint" || d.Message != "undefined: storefrnt; did you mean storefront?" {
		t.Errorf("neovim's diagnostic: %+v; want line %d, columns 10-19, error C001", d, line)
	}
}
