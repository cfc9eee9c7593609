package output

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// defaultUserAgent is Falco's http_output.user_agent default.
const defaultUserAgent = "falcosecurity/falco"

// defaultHTTPTimeout bounds one request when HTTPConfig.Timeout is 0, so
// that a receiver that accepts and never answers cannot hold the sink.
const defaultHTTPTimeout = 10 * time.Second

// HTTPConfig is Falco's http_output block. Of the CA settings the first
// non-empty of CACert, CABundle (a file of PEM certificates, either) and
// CAPath (a directory of PEM files, added to the system roots) is used, as
// Falco's libcurl setup does; TLS files are only read for an https URL.
// Headers are extra request headers (they override the defaults).
// Timeout bounds one request (0: 10s). Compress gzips the body and sets
// Content-Encoding: gzip.
type HTTPConfig struct {
	URL, UserAgent           string
	Insecure                 bool
	CACert, CABundle, CAPath string
	MTLS                     bool
	ClientCert, ClientKey    string
	Headers                  map[string]string
	Timeout                  time.Duration
	Compress                 bool
}

type httpSink struct {
	cfg    HTTPConfig
	url    string // for requests
	shown  string // for errors (password redacted)
	client *http.Client
}

// NewHTTP is Falco's http_output: every message is POSTed to cfg.URL with
// the Line as body, Content-Type application/json for JSON messages and
// text/plain otherwise. A non-2xx answer is an error naming the URL and
// status.
func NewHTTP(cfg HTTPConfig) (Sink, error) {
	raw := cfg.URL
	// As Falco, accept a quoted URL.
	if len(raw) >= 2 && (raw[0] == '"' && raw[len(raw)-1] == '"' || raw[0] == '\'' && raw[len(raw)-1] == '\'') {
		raw = raw[1 : len(raw)-1]
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("http output: url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("http output: url %q: want http:// or https://host", u.Redacted())
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultHTTPTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if u.Scheme == "https" {
		tc, err := httpTLSConfig(cfg)
		if err != nil {
			return nil, err
		}
		tr.TLSClientConfig = tc
	}
	return &httpSink{
		cfg:    cfg,
		url:    u.String(),
		shown:  u.Redacted(),
		client: &http.Client{Transport: tr, Timeout: cfg.Timeout},
	}, nil
}

func httpTLSConfig(cfg HTTPConfig) (*tls.Config, error) {
	tc := &tls.Config{InsecureSkipVerify: cfg.Insecure} //nolint:gosec // Falco's http_output.insecure
	switch {
	case cfg.CACert != "" || cfg.CABundle != "":
		file := cfg.CACert
		if file == "" {
			file = cfg.CABundle
		}
		pem, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("http output: CA certificates: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("http output: CA certificates: no PEM certificate in %s", file)
		}
		tc.RootCAs = pool
	case cfg.CAPath != "":
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		entries, err := os.ReadDir(cfg.CAPath)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("http output: CA path: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			if pem, err := os.ReadFile(filepath.Join(cfg.CAPath, e.Name())); err == nil {
				pool.AppendCertsFromPEM(pem) // non-PEM files are skipped, as curl's CAPATH
			}
		}
		tc.RootCAs = pool
	}
	if cfg.MTLS {
		cert, err := tls.LoadX509KeyPair(cfg.ClientCert, cfg.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("http output: client certificate %s, key %s: %w", cfg.ClientCert, cfg.ClientKey, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func (s *httpSink) Name() string { return "http" }

func (s *httpSink) Write(ctx context.Context, m *Message) error {
	body := m.Line
	if s.cfg.Compress {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write(body); err != nil {
			return fmt.Errorf("http output %s: gzip: %w", s.shown, err)
		}
		if err := zw.Close(); err != nil {
			return fmt.Errorf("http output %s: gzip: %w", s.shown, err)
		}
		body = b.Bytes()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("http output %s: %w", s.shown, err)
	}
	if m.JSON {
		req.Header.Set("Content-Type", "application/json")
	} else {
		req.Header.Set("Content-Type", "text/plain")
	}
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	if s.cfg.Compress {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// *url.Error names the method and (redacted) URL.
		return fmt.Errorf("http output: %w", err)
	}
	// Drain a little so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("http output %s: %s", s.shown, strings.TrimSpace(resp.Status))
	}
	return nil
}

func (s *httpSink) Close() error {
	s.client.CloseIdleConnections()
	return nil
}
