package metrics

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServerAndMetrics(t *testing.T) {
	m := New("1.2.3")
	m.RuleMatched("Read sensitive file untrusted", "Warning", "syscall", []string{"host", "T1555"})
	m.RuleMatched("Read sensitive file untrusted", "Warning", "syscall", []string{"host", "T1555"})
	m.SetDriver(func() (DriverCounters, error) {
		return DriverCounters{Events: 1000, DropsBuffer: map[string]uint64{"open": 7, "execve": 3}, DropsScratch: 2, DropsNoRing: 4,
			PerCPU: []CPUCounters{{Events: 600, Drops: 10}, {Events: 400}}, DecodeErrors: 1}, nil
	})
	m.RulesInForce(25)
	m.RulesReloaded(true)
	m.RulesReloaded(false)
	m.RulesReloaded(false)
	m.SetOutputs(func() []OutputCounters {
		return []OutputCounters{{Name: "file", Sent: 5}, {Name: "http", Sent: 2, Failed: 1, Dropped: 3, Queued: 4}}
	})
	srv, err := Serve(ServerConfig{Address: "127.0.0.1:0", Healthz: "/healthz", Metrics: true,
		Versions: map[string]any{"kestrel_version": "1.2.3", "engine_version_semver": "0.62.0"}}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := "http://" + srv.Addr.String()
	if code, body := get(t, base+"/healthz"); code != 200 || body != `{"status": "ok"}` {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, body := get(t, base+"/versions"); code != 200 || body != `{"engine_version_semver":"0.62.0","kestrel_version":"1.2.3"}` {
		t.Errorf("versions: %d %q", code, body)
	}
	code, body := get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("metrics: %d", code)
	}
	for _, want := range []string{
		`falcosecurity_falco_rules_matches_total{priority="Warning",rule_name="Read sensitive file untrusted",source="syscall",tags="host,T1555"} 2`,
		`falcosecurity_scap_n_evts_total 1016`,
		`falcosecurity_scap_n_drops_total 16`,
		`falcosecurity_scap_n_drops_buffer_total{category="open"} 7`,
		`falcosecurity_scap_n_drops_scratch_map_total 6`,
		`kestrel_events_dropped_total{reason="ring_buffer_full"} 10`,
		`kestrel_events_dropped_total{reason="too_large"} 2`,
		`kestrel_events_dropped_total{reason="no_ring_buffer"} 4`,
		`kestrel_events_dropped_total{reason="decode_error"} 1`,
		`falcosecurity_scap_n_evts_cpu_total{cpu="0"} 600`,
		`falcosecurity_scap_n_drops_cpu_total{cpu="0"} 10`,
		`kestrel_decode_errors_total 1`,
		`kestrel_outputs_sent_total{output="file"} 5`,
		`kestrel_outputs_failed_total{output="http"} 1`,
		`kestrel_outputs_dropped_total{output="http"} 3`,
		`kestrel_outputs_queued{output="http"} 4`,
		`falcosecurity_falco_outputs_queue_num_drops_total 3`,
		`kestrel_rules_enabled 25`,
		`falcosecurity_falco_duration_sec `,
		`kestrel_rules_reloads_total{result="ok"} 1`,
		`kestrel_rules_reloads_total{result="failed"} 2`,
		`falcosecurity_falco_version_info{implementation="kestrel",version="1.2.3"} 1`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// Without metrics enabled, /metrics is not served; a taken port is an error.
	srv2, err := Serve(ServerConfig{Address: "127.0.0.1:0"}, m)
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	if code, _ := get(t, "http://"+srv2.Addr.String()+"/metrics"); code != 404 {
		t.Errorf("/metrics without metrics: %d", code)
	}
	if _, err := Serve(ServerConfig{Address: srv.Addr.String()}, m); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("port in use: %v", err)
	}
}
