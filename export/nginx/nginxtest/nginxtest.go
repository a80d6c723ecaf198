// Package nginxtest runs Debian's nginx for tests: one process per test, in
// a temporary prefix, on a loopback port of its own, with a configuration
// that export/nginx generated, so that tests can run in parallel.
//
// A test that needs nginx calls Binary first: without nginx, or without the
// njs module the generated configuration loads, it skips with a message
// that says what to install, and it fails instead when CORS_NGINX=require
// is set, as .ci/run sets it.
package nginxtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	nginxexport "github.com/corspolicy/cors/export/nginx"
)

// JSModule is where Debian's libnginx-mod-http-js installs the njs module.
const JSModule = "/usr/lib/nginx/modules/ngx_http_js_module.so"

// Binary returns the nginx program, or skips the test (fails it, with
// CORS_NGINX=require) when nginx or its njs module is not installed.
// NGINX names another program, CORS_NGINX_JS another module.
func Binary(t testing.TB) string {
	t.Helper()
	path := os.Getenv("NGINX")
	if path == "" {
		path, _ = exec.LookPath("nginx")
		if path == "" {
			if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
				path = "/usr/sbin/nginx"
			}
		}
	}
	missing := ""
	switch {
	case path == "":
		missing = "nginx is not installed"
	case !exists(jsModule()):
		missing = "the njs module is not installed (" + jsModule() + ")"
	}
	if missing != "" {
		if os.Getenv("CORS_NGINX") == "require" {
			t.Fatalf("CORS_NGINX=require, but %s: apt-get install -y nginx libnginx-mod-http-js", missing)
		}
		t.Skipf("%s; the nginx suite needs it (apt-get install -y nginx libnginx-mod-http-js, or NGINX=/path)", missing)
	}
	return path
}

func jsModule() string {
	if m := os.Getenv("CORS_NGINX_JS"); m != "" {
		return m
	}
	return JSModule
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Server is a running nginx.
type Server struct {
	Addr   string // host:port it listens on
	Prefix string // its prefix directory, holding the configuration and logs
	cmd    *exec.Cmd
}

// Options configure Start.
type Options struct {
	// Extra holds server-level directives for the generated server
	// block, such as ssl_certificate lines; empty for none.
	Extra string
	// Listen is the listen value; "" means a free loopback port.
	Listen string
	// Files are more files to write in the prefix, by name, such as a
	// test's own njs module.
	Files map[string][]byte
}

// FreePort returns a loopback address that was free a moment ago.
func FreePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Start writes the configuration that generate returns for the listen value
// and the path of the njs module it is given, checks it with nginx -t,
// starts nginx and waits until it answers. The process is stopped when the
// test ends, and its error log shown if the test failed.
func Start(t testing.TB, generate func(listen, module string) ([]byte, error), opts Options) *Server {
	t.Helper()
	bin := Binary(t)
	dir := t.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	listen := opts.Listen
	addr := listen
	if listen == "" {
		addr = FreePort(t)
		listen = addr
	}
	module := filepath.Join(dir, nginxexport.ModuleName)
	conf, err := generate(listen, module)
	if err != nil {
		t.Fatalf("generating the configuration: %v", err)
	}
	if opts.Extra != "" {
		conf = bytes.Replace(conf, []byte("    large_client_header_buffers"), []byte(opts.Extra+"\n    large_client_header_buffers"), 1)
	}
	files := map[string][]byte{
		"cors.conf":            conf,
		nginxexport.ModuleName: nginxexport.Module(),
		"nginx.conf":           []byte(mainConf(dir)),
	}
	for name, data := range opts.Files {
		files[name] = data
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if out, err := exec.Command(bin, "-t", "-q", "-p", dir+"/", "-c", confPath).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t rejects the configuration: %v\n%s\n%s", err, out, numbered(conf))
	}
	cmd := exec.Command(bin, "-p", dir+"/", "-c", confPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: addr, Prefix: dir, cmd: cmd}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dir, "logs", "error.log")); err == nil && len(log) > 0 {
				t.Logf("nginx error log (last 4 KiB):\n%s", tail(log, 4096))
			}
		}
	})
	host := addr
	if _, err := strconv.Atoi(host); err == nil {
		host = "127.0.0.1:" + host // a bare port
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", host, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not listen on %s: %v\n%s", host, err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.Addr = host
	return s
}

// mainConf is the main configuration: one process, no daemon, every path
// in the prefix, the njs module loaded, and the generated file included.
func mainConf(dir string) string {
	return fmt.Sprintf(`load_module %s;
daemon off;
master_process off;
worker_processes 1;
error_log %[2]s/logs/error.log warn;
pid %[2]s/logs/nginx.pid;
events {
    worker_connections 1024;
}
http {
    access_log off;
    client_body_temp_path %[2]s/tmp/body;
    proxy_temp_path %[2]s/tmp/proxy;
    fastcgi_temp_path %[2]s/tmp/fastcgi;
    uwsgi_temp_path %[2]s/tmp/uwsgi;
    scgi_temp_path %[2]s/tmp/scgi;
    include %[2]s/cors.conf;
}
`, jsModule(), dir)
}

func numbered(b []byte) string {
	var out strings.Builder
	for i, l := range strings.Split(string(b), "\n") {
		fmt.Fprintf(&out, "%5d  %s\n", i+1, l)
	}
	return out.String()
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
