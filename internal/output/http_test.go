package output

import (
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type request struct {
	method, path, contentType, userAgent, encoding, custom string
	body                                                   string
}

// recorder is a receiver on 127.0.0.1 that records requests and answers
// with status.
type recorder struct {
	mu     sync.Mutex
	reqs   []request
	status int
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		body = zr
	}
	b, _ := io.ReadAll(body)
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, request{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"),
		r.Header.Get("Content-Encoding"), r.Header.Get("X-Custom"), string(b)})
	status := rc.status
	rc.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
	}
}

func (rc *recorder) last(t *testing.T) request {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reqs) == 0 {
		t.Fatal("no request received")
	}
	return rc.reqs[len(rc.reqs)-1]
}

func TestHTTPRequest(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	ctx := context.Background()

	s, err := NewHTTP(HTTPConfig{URL: srv.URL + "/alerts"})
	if err != nil {
		t.Fatal(err)
	}
	json := `{"output":"x","priority":"Warning","rule":"r"}`
	if err := s.Write(ctx, &Message{Line: []byte(json), JSON: true}); err != nil {
		t.Fatal(err)
	}
	want := request{method: "POST", path: "/alerts", contentType: "application/json", userAgent: "falcosecurity/falco", body: json}
	if got := rc.last(t); got != want {
		t.Errorf("JSON request %+v, want %+v", got, want)
	}

	s, err = NewHTTP(HTTPConfig{URL: "'" + srv.URL + "/text'", UserAgent: "kestrel/1", Headers: map[string]string{"X-Custom": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &Message{Line: []byte("12:00:00: Warning text alert")}); err != nil {
		t.Fatal(err)
	}
	want = request{method: "POST", path: "/text", contentType: "text/plain", userAgent: "kestrel/1", custom: "yes", body: "12:00:00: Warning text alert"}
	if got := rc.last(t); got != want {
		t.Errorf("text request %+v, want %+v", got, want)
	}

	s, err = NewHTTP(HTTPConfig{URL: srv.URL + "/gz", Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &Message{Line: []byte(json), JSON: true}); err != nil {
		t.Fatal(err)
	}
	want = request{method: "POST", path: "/gz", contentType: "application/json", userAgent: "falcosecurity/falco", encoding: "gzip", body: json}
	if got := rc.last(t); got != want {
		t.Errorf("gzip request %+v, want %+v", got, want)
	}

	if _, err := NewHTTP(HTTPConfig{URL: "ftp://127.0.0.1/"}); err == nil {
		t.Error("ftp URL accepted")
	}
}

func TestHTTPStatusErrorCountsFailed(t *testing.T) {
	rc := &recorder{status: 500}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	s, err := NewHTTP(HTTPConfig{URL: srv.URL + "/x"})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Write(context.Background(), &Message{Line: []byte("a")})
	if err == nil || !strings.Contains(err.Error(), srv.URL+"/x") || !strings.Contains(err.Error(), "500") {
		t.Fatalf("error %v, want it to name the URL and status", err)
	}
	o := New([]Sink{s}, 0, nil)
	o.Emit(msg("a"))
	o.Emit(msg("b"))
	if err := o.Close(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if st := o.Stats()[0]; st.Failed != 2 || st.Sent != 0 {
		t.Errorf("stats %+v", st)
	}
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSCABundleAndInsecure(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewUnstartedServer(rc)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted case's handshake error
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writePEM(t, ca, "CERTIFICATE", srv.Certificate().Raw)
	ctx := context.Background()

	for _, cfg := range []HTTPConfig{
		{URL: srv.URL, CABundle: ca},
		{URL: srv.URL, CACert: ca},
		{URL: srv.URL, CAPath: filepath.Dir(ca)},
		{URL: srv.URL, Insecure: true},
	} {
		s, err := NewHTTP(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(ctx, &Message{Line: []byte("tls")}); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	// Without the CA the server is not trusted.
	s, err := NewHTTP(HTTPConfig{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &Message{Line: []byte("tls")}); err == nil {
		t.Error("untrusted server accepted")
	}
	if _, err := NewHTTP(HTTPConfig{URL: srv.URL, CABundle: ca + ".missing"}); err == nil || !strings.Contains(err.Error(), ca+".missing") {
		t.Errorf("missing CA bundle: %v", err)
	}
}

func TestHTTPSMutualTLS(t *testing.T) {
	dir := t.TempDir()
	// A CA, and a client certificate it signs.
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	clKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	clTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kestrel"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	clDER, err := x509.CreateCertificate(rand.Reader, clTmpl, caCert, &clKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	clKeyDER, _ := x509.MarshalECPrivateKey(clKey)
	clientCert, clientKey := filepath.Join(dir, "client.crt"), filepath.Join(dir, "client.key")
	writePEM(t, clientCert, "CERTIFICATE", clDER)
	writePEM(t, clientKey, "EC PRIVATE KEY", clKeyDER)

	var mu sync.Mutex
	var peer string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		peer = r.TLS.PeerCertificates[0].Subject.CommonName
		mu.Unlock()
	}))
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	serverCA := filepath.Join(dir, "server.pem")
	writePEM(t, serverCA, "CERTIFICATE", srv.Certificate().Raw)
	ctx := context.Background()

	s, err := NewHTTP(HTTPConfig{URL: srv.URL, CACert: serverCA, MTLS: true, ClientCert: clientCert, ClientKey: clientKey})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &Message{Line: []byte("m")}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if peer != "kestrel" {
		t.Errorf("server saw client %q", peer)
	}
	mu.Unlock()

	// Without mTLS the server refuses the connection.
	s, err = NewHTTP(HTTPConfig{URL: srv.URL, CACert: serverCA})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &Message{Line: []byte("m")}); err == nil {
		t.Error("server requiring a client certificate accepted none")
	}
	if _, err := NewHTTP(HTTPConfig{URL: srv.URL, MTLS: true, ClientCert: clientCert + ".no", ClientKey: clientKey}); err == nil || !strings.Contains(err.Error(), clientCert+".no") {
		t.Errorf("missing client cert: %v", err)
	}
}

// A dead or hanging receiver blocks neither Emit nor the file sink.
func TestDeadHTTPReceiverIsolated(t *testing.T) {
	const n = 50

	// A receiver that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	// A receiver that is gone: its server closed.
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL
	gone.Close()

	for _, c := range []struct {
		name     string
		url      string
		capacity int
		timeout  time.Duration
	}{
		// The request timeout outlasts the test: the hanging receiver
		// holds the sink's first write until Close cancels it, so an
		// Emit that waited for the sink would never return.
		{"hanging", "http://" + ln.Addr().String() + "/", 3, time.Hour},
		{"closed", goneURL + "/", 0, 300 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "alerts.log")
			f, err := NewFile(path, true)
			if err != nil {
				t.Fatal(err)
			}
			h, err := NewHTTP(HTTPConfig{URL: c.url, Timeout: c.timeout})
			if err != nil {
				t.Fatal(err)
			}
			o := New([]Sink{h, f}, c.capacity, nil)
			for i := 0; i < n; i++ {
				returns(t, "Emit", func() { o.Emit(msg(fmt.Sprintf("alert %d", i))) })
				// The file sink keeps up, message by message, whatever
				// the http sink is doing (and so it drops nothing even
				// with a small capacity).
				waitFor(t, "file sink", func() bool { return len(readLines(path)) == i+1 })
			}
			if c.capacity > 0 {
				if st := statsOf(o, "http"); st.Dropped == 0 || st.Sent != 0 {
					t.Errorf("stats %+v, want drops", st)
				}
			} else {
				waitFor(t, "all failed", func() bool { return statsOf(o, "http").Failed == n })
			}
			returns(t, "Close", func() { _ = o.Close(200 * time.Millisecond) })
			if fs := statsOf(o, "file"); fs.Sent != n || fs.Failed != 0 || fs.Dropped != 0 {
				t.Errorf("file stats %+v", fs)
			}
			// The write Close cancelled is counted when it returns, which
			// may be after Close's grace period.
			waitFor(t, "the http sink's last write", func() bool {
				st := statsOf(o, "http")
				return st.Failed+st.Dropped == n
			})
			if st := statsOf(o, "http"); st.Sent != 0 || st.Queued != 0 {
				t.Errorf("http stats %+v, want all %d failed or dropped", st, n)
			}
		})
	}
}
