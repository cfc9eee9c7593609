package config

import (
	"strings"
	"testing"
)

func TestDestinationSettings(t *testing.T) {
	d, err := Empty().DestinationSettings()
	if err != nil || !d.Stdout || !d.Syslog || d.File.Enabled || d.File.Filename != "./events.txt" ||
		d.HTTP.UserAgent != "falcosecurity/falco" || d.QueueCapacity != 0 {
		t.Fatalf("defaults %+v %v", d, err)
	}
	tree, err := Parse("falco.yaml", []byte(`
stdout_output: {enabled: false}
syslog_output: {enabled: false}
file_output: {enabled: true, keep_alive: true, filename: /var/log/kestrel.txt}
program_output: {enabled: true, program: "cat >> /tmp/x"}
http_output:
  enabled: true
  url: http://127.0.0.1:2801/
  user_agent: kestrel-test
  mtls: true
  compress_uploads: true
  custom_headers:
    - Authorization: Bearer x
    - X-Team: red
outputs_queue: {capacity: 100}
`))
	if err != nil {
		t.Fatal(err)
	}
	d, err = tree.DestinationSettings()
	if err != nil {
		t.Fatal(err)
	}
	if d.Stdout || d.Syslog || !d.File.KeepAlive || d.File.Filename != "/var/log/kestrel.txt" || d.Program.Program != "cat >> /tmp/x" ||
		d.HTTP.URL != "http://127.0.0.1:2801/" || d.HTTP.UserAgent != "kestrel-test" || !d.HTTP.MTLS || !d.HTTP.CompressUploads ||
		d.HTTP.CustomHeaders["Authorization"] != "Bearer x" || d.HTTP.CustomHeaders["X-Team"] != "red" || d.QueueCapacity != 100 {
		t.Fatalf("settings %+v", d)
	}
	for _, bad := range []struct{ doc, want string }{
		{"http_output: {enabled: true}\n", "http_output.url: required"},
		{"program_output: {enabled: true}\n", "program_output.program: required"},
		{"outputs_queue: {capacity: -1}\n", "outputs_queue.capacity (line 1)"},
		{"file_output: {enabled: maybe}\n", "maybe"},
	} {
		tree, err := Parse("falco.yaml", []byte(bad.doc))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tree.DestinationSettings(); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.doc, err, bad.want)
		}
	}
}
