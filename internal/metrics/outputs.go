package metrics

import "github.com/prometheus/client_golang/prometheus"

// OutputCounters are one alert destination's counters.
type OutputCounters struct {
	Name                  string
	Sent, Failed, Dropped uint64
	Queued                int
}

var (
	descOutSent    = prometheus.NewDesc("kestrel_outputs_sent_total", "Alerts delivered, by output.", []string{"output"}, nil)
	descOutFailed  = prometheus.NewDesc("kestrel_outputs_failed_total", "Alerts an output failed to deliver.", []string{"output"}, nil)
	descOutDropped = prometheus.NewDesc("kestrel_outputs_dropped_total", "Alerts dropped because an output's queue was full (outputs_queue.capacity).", []string{"output"}, nil)
	descOutQueued  = prometheus.NewDesc("kestrel_outputs_queued", "Alerts waiting in an output's queue.", []string{"output"}, nil)
	// Falco's single-queue drop counter: the sum over outputs.
	descFalcoQueueDrops = prometheus.NewDesc("falcosecurity_falco_outputs_queue_num_drops_total", "Alerts dropped by full output queues.", nil, nil)
)

// SetOutputs sets the function the outputs' counters are read with at
// each scrape (nil: none).
func (m *Metrics) SetOutputs(f func() []OutputCounters) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outputs = f
}

type outputsCollector struct{ m *Metrics }

func (c outputsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOutSent, descOutFailed, descOutDropped, descOutQueued, descFalcoQueueDrops} {
		ch <- d
	}
}

func (c outputsCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	f := c.m.outputs
	c.m.mu.Unlock()
	if f == nil {
		return
	}
	var drops uint64
	for _, o := range f() {
		ch <- prometheus.MustNewConstMetric(descOutSent, prometheus.CounterValue, float64(o.Sent), o.Name)
		ch <- prometheus.MustNewConstMetric(descOutFailed, prometheus.CounterValue, float64(o.Failed), o.Name)
		ch <- prometheus.MustNewConstMetric(descOutDropped, prometheus.CounterValue, float64(o.Dropped), o.Name)
		ch <- prometheus.MustNewConstMetric(descOutQueued, prometheus.GaugeValue, float64(o.Queued), o.Name)
		drops += o.Dropped
	}
	ch <- prometheus.MustNewConstMetric(descFalcoQueueDrops, prometheus.CounterValue, float64(drops))
}
