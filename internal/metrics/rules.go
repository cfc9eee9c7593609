package metrics

import "github.com/prometheus/client_golang/prometheus"

// rulesMetrics count the rules in force and the reloads.
type rulesMetrics struct {
	loaded  prometheus.Gauge
	reloads *prometheus.CounterVec
}

func newRulesMetrics() rulesMetrics {
	return rulesMetrics{
		loaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kestrel_rules_enabled",
			Help: "Rules in force (loaded and enabled)."}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "kestrel_rules_reloads_total",
			Help: "Rules reloads, by result (ok, failed: the previous rules stayed in force)."}, []string{"result"}),
	}
}

// RulesInForce records how many rules are enabled.
func (m *Metrics) RulesInForce(n int) { m.rules.loaded.Set(float64(n)) }

// RulesReloaded counts a reload and its outcome.
func (m *Metrics) RulesReloaded(ok bool) {
	result := "ok"
	if !ok {
		result = "failed"
	}
	m.rules.reloads.WithLabelValues(result).Inc()
}
