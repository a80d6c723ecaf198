package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"sync"
	"time"
)

// certMinter makes a certificate for each server name on demand, all with
// one key, so that the browser can trust them all by that key's hash.
type certMinter struct {
	key   *ecdsa.PrivateKey
	mu    sync.Mutex
	certs map[string]*tls.Certificate
}

// newCertMinter returns a minter and the base64 SHA-256 of its public key,
// for --ignore-certificate-errors-spki-list.
func newCertMinter() (*certMinter, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(der)
	return &certMinter{key: key, certs: map[string]*tls.Certificate{}}, base64.StdEncoding.EncodeToString(sum[:]), nil
}

func (m *certMinter) get(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	name := hello.ServerName
	if name == "" {
		name = "localhost"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.certs[name]; ok {
		return c, nil
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &m.key.PublicKey, m.key)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: m.key}
	m.certs[name] = c
	return c, nil
}
