package config

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Destinations are where alerts go: falco.yaml's stdout_output,
// syslog_output, file_output, program_output, http_output and
// outputs_queue, with Falco's defaults.
type Destinations struct {
	Stdout  bool // stdout_output.enabled (true)
	Syslog  bool // syslog_output.enabled (true)
	File    FileDestination
	Program ProgramDestination
	HTTP    HTTPDestination
	// QueueCapacity is outputs_queue.capacity: 0 unbounded, N > 0 at most
	// N alerts waiting per destination, further ones dropped and counted.
	QueueCapacity int
}

// FileDestination is file_output.
type FileDestination struct {
	Enabled   bool
	KeepAlive bool
	Filename  string
}

// ProgramDestination is program_output.
type ProgramDestination struct {
	Enabled   bool
	KeepAlive bool
	Program   string
}

// HTTPDestination is http_output.
type HTTPDestination struct {
	Enabled         bool
	URL             string
	UserAgent       string
	Insecure        bool
	CACert          string
	CABundle        string
	CAPath          string
	MTLS            bool
	ClientCert      string
	ClientKey       string
	Echo            bool
	CompressUploads bool
	KeepAlive       bool
	CustomHeaders   map[string]string
}

// DestinationSettings decodes the output destinations.
func (t *Tree) DestinationSettings() (Destinations, error) {
	d := Destinations{Stdout: true, Syslog: true,
		File: FileDestination{Filename: "./events.txt"},
		HTTP: HTTPDestination{UserAgent: "falcosecurity/falco", CAPath: "/etc/ssl/certs",
			ClientCert: "/etc/ssl/certs/client.crt", ClientKey: "/etc/ssl/certs/client.key"}}
	bools := []struct {
		key string
		dst *bool
	}{
		{"stdout_output.enabled", &d.Stdout}, {"syslog_output.enabled", &d.Syslog},
		{"file_output.enabled", &d.File.Enabled}, {"file_output.keep_alive", &d.File.KeepAlive},
		{"program_output.enabled", &d.Program.Enabled}, {"program_output.keep_alive", &d.Program.KeepAlive},
		{"http_output.enabled", &d.HTTP.Enabled}, {"http_output.insecure", &d.HTTP.Insecure},
		{"http_output.mtls", &d.HTTP.MTLS}, {"http_output.echo", &d.HTTP.Echo},
		{"http_output.compress_uploads", &d.HTTP.CompressUploads}, {"http_output.keep_alive", &d.HTTP.KeepAlive},
	}
	var err error
	for _, b := range bools {
		if *b.dst, err = t.boolAt(b.key, *b.dst); err != nil {
			return d, err
		}
	}
	d.File.Filename = t.stringAt("file_output.filename", d.File.Filename)
	d.Program.Program = t.stringAt("program_output.program", "")
	d.HTTP.URL = t.stringAt("http_output.url", "")
	d.HTTP.UserAgent = t.stringAt("http_output.user_agent", d.HTTP.UserAgent)
	d.HTTP.CACert = t.stringAt("http_output.ca_cert", "")
	d.HTTP.CABundle = t.stringAt("http_output.ca_bundle", "")
	d.HTTP.CAPath = t.stringAt("http_output.ca_path", d.HTTP.CAPath)
	d.HTTP.ClientCert = t.stringAt("http_output.client_cert", d.HTTP.ClientCert)
	d.HTTP.ClientKey = t.stringAt("http_output.client_key", d.HTTP.ClientKey)
	if n := t.Get("http_output.custom_headers"); n != nil && n.Tag != "!!null" {
		d.HTTP.CustomHeaders = map[string]string{}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				d.HTTP.CustomHeaders[n.Content[i].Value] = n.Content[i+1].Value
			}
		case yaml.SequenceNode:
			// Falco's form: a list of one-key maps.
			for _, item := range n.Content {
				if item.Kind != yaml.MappingNode {
					return d, fmt.Errorf("http_output.custom_headers (line %d): expected name: value entries", item.Line)
				}
				for i := 0; i+1 < len(item.Content); i += 2 {
					d.HTTP.CustomHeaders[item.Content[i].Value] = item.Content[i+1].Value
				}
			}
		default:
			return d, fmt.Errorf("http_output.custom_headers (line %d): expected name: value entries", n.Line)
		}
	}
	if d.HTTP.Enabled && d.HTTP.URL == "" {
		return d, fmt.Errorf("http_output.url: required when http_output.enabled is true")
	}
	if d.Program.Enabled && d.Program.Program == "" {
		return d, fmt.Errorf("program_output.program: required when program_output.enabled is true")
	}
	if n := t.Get("outputs_queue.capacity"); n != nil {
		c, err := strconv.Atoi(n.Value)
		if err != nil || c < 0 {
			return d, fmt.Errorf("outputs_queue.capacity (line %d): '%s' is not a non-negative integer", n.Line, n.Value)
		}
		d.QueueCapacity = c
	}
	return d, nil
}
