// Command container-enrichment measures what container metadata costs the
// live event path (needs root and a Docker daemon):
//
//  1. the same syscall load (open+close of /dev/null, from
//     bench/cmd/syscall-load) with Kestrel running Falco's stable rules
//     and the container manager, first with no container running, then
//     with a hundred, then from inside one of them (every event then
//     carries a container whose metadata the rules read);
//  2. while the hundred containers start, the time from each container's
//     first event to its metadata entering the event stream.
//
// It prints, per phase, the load's median cost per open+close, the events
// Kestrel processed and lost, and Kestrel's CPU per event, with the ratio
// to the first phase; then the enrichment latency's median, p90 and max.
//
//	container-enrichment -rules ../shared/falco-rules/falco_rules.yaml -load ./syscall-load -containers 100
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kestrel-project/kestrel/internal/agent"
	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/container/runtimes"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/event"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/pipeline"
	"github.com/kestrel-project/kestrel/internal/priority"
	"github.com/kestrel-project/kestrel/internal/selection"
	"github.com/kestrel-project/kestrel/internal/sources"
)

const image = "kestrel-bench/busybox:enrichment"

func main() {
	rulesFile := flag.String("rules", "../shared/falco-rules/falco_rules.yaml", "Falco rules file")
	loadBin := flag.String("load", "", "syscall-load binary (statically linked)")
	n := flag.Int("containers", 100, "containers to run")
	rounds := flag.Int("rounds", 5, "rounds of the load; medians are printed")
	iters := flag.Int("n", 200000, "open+close per round")
	flag.Parse()
	if *loadBin == "" {
		fail(fmt.Errorf("-load is required"))
	}
	rs, sel, err := rules(*rulesFile)
	if err != nil {
		fail(err)
	}
	if err := importImage(); err != nil {
		fail(err)
	}
	binDir, _ := filepath.Abs(filepath.Dir(*loadBin))
	loadName := filepath.Base(*loadBin)
	var ids []string
	defer func() {
		if len(ids) > 0 {
			exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
		}
	}()
	hostLoad := []string{*loadBin, "-mode", "openclose", "-n", fmt.Sprint(*iters), "-rounds", fmt.Sprint(*rounds)}

	type result struct {
		name       string
		nsPerOp    float64
		events     uint64
		lost       uint64
		cpuPerEvNs float64
	}
	var results []result
	phase := func(name string, during func(), loadCmd []string) {
		var out string
		stats, cpu, err := withAgent(rs, sel, nil, nil, func() {
			b, err := exec.Command(loadCmd[0], loadCmd[1:]...).CombinedOutput()
			if err != nil {
				fail(fmt.Errorf("%s: %v %s", name, err, b))
			}
			out = string(b)
			if during != nil {
				during()
			}
		})
		if err != nil {
			fail(err)
		}
		// The load prints "openclose n=N median=M ns/op".
		var ns float64
		for _, f := range strings.Fields(out) {
			if strings.HasPrefix(f, "median=") {
				fmt.Sscanf(strings.TrimPrefix(f, "median="), "%f", &ns)
			}
		}
		r := result{name: name, nsPerOp: ns, events: stats.Counters.Events, lost: stats.Counters.Drops()}
		if r.events > 0 {
			r.cpuPerEvNs = float64(cpu.Nanoseconds()) / float64(r.events)
		}
		results = append(results, r)
		fmt.Fprintf(os.Stderr, "== %s: %s", name, out)
	}

	phase("no containers, load on the host", nil, hostLoad)

	// Start the containers while an agent watches, timing enrichment.
	var mu sync.Mutex
	noticed := map[string]time.Time{}
	applied := map[string]time.Time{}
	_, _, err = withAgent(rs, sel, func(r container.Request) {
		mu.Lock()
		if _, ok := noticed[r.ID]; !ok {
			noticed[r.ID] = time.Now()
		}
		mu.Unlock()
	}, func(u container.Update) {
		if u.Removed {
			return
		}
		mu.Lock()
		if _, ok := applied[u.Info.ID]; !ok {
			applied[u.Info.ID] = time.Now()
		}
		mu.Unlock()
	}, func() {
		for i := 0; i < *n; i++ {
			out, err := exec.Command("docker", "run", "-d", "--network", "none", "-v", binDir+":/bench:ro",
				"--label", "kestrel.bench=enrichment", image, "sleep", "3600").CombinedOutput()
			if err != nil {
				fail(fmt.Errorf("docker run: %v %s", err, out))
			}
			ids = append(ids, strings.TrimSpace(string(out)))
		}
		time.Sleep(2 * time.Second)
	})
	if err != nil {
		fail(err)
	}
	var lat []time.Duration
	before, missing := 0, 0
	for _, id := range ids {
		short := id[:12]
		a, okA := applied[short]
		nt, okN := noticed[short]
		switch {
		case !okA:
			missing++
		case !okN || !a.After(nt):
			// The runtime's start report arrived before the container's
			// first event: its metadata was there from the first event on.
			before++
			lat = append(lat, 0)
		default:
			lat = append(lat, a.Sub(nt))
		}
	}

	phase(fmt.Sprintf("%d containers, load on the host", *n), nil, hostLoad)
	inside := append([]string{"docker", "exec", ids[0], "/bench/" + loadName}, hostLoad[1:]...)
	phase(fmt.Sprintf("%d containers, load in a container", *n), nil, inside)

	fmt.Printf("%-36s %12s %12s %10s %14s %8s\n", "phase", "ns/open+close", "events", "lost", "Kestrel ns/ev", "ratio")
	for _, r := range results {
		ratio := r.cpuPerEvNs / results[0].cpuPerEvNs
		fmt.Printf("%-36s %12.0f %12d %10d %14.0f %7.2fx\n", r.name, r.nsPerOp, r.events, r.lost, r.cpuPerEvNs, ratio)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		fmt.Printf("\nenrichment latency over %d container starts (first event -> metadata in the stream): "+
			"median %v, p90 %v, max %v; %d had metadata before their first event; %d never got it\n",
			len(ids), lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*9/10].Round(time.Microsecond),
			lat[len(lat)-1].Round(time.Microsecond), before, missing)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "container-enrichment:", err)
	os.Exit(1)
}

func rules(file string) (*engine.Ruleset, event.SyscallSet, error) {
	l := sources.NewLoader(sources.DefaultOptions())
	if res := l.LoadFile(file); !res.OK() {
		return nil, event.SyscallSet{}, fmt.Errorf("%s", res.Verbose(l.Contents()))
	}
	rs, _ := l.Ruleset(fields.SyscallSource, priority.Debug, nil, engine.MatchFirst)
	var sc event.SyscallSet
	for _, r := range rs.Rules() {
		for _, c := range r.Syscalls.Codes() {
			sc.Add(c)
		}
	}
	return rs, selection.Select(sc, selection.Config{}).Selected, nil
}

// withAgent runs the agent with a Docker container manager around action
// and returns its result and the CPU time this process spent meanwhile
// (the agent is the only work it does).
func withAgent(rs *engine.Ruleset, sel event.SyscallSet, noticed func(container.Request),
	applied func(container.Update), action func()) (*agent.Result, time.Duration, error) {
	rts, errs := runtimes.Open(container.EngineConfig{
		Docker: container.SocketEngine{Enabled: true, Sockets: []string{"/var/run/docker.sock"}}})
	if len(errs) > 0 || len(rts) == 0 {
		return nil, 0, fmt.Errorf("docker: %v", errs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	type done struct {
		res *agent.Result
		err error
	}
	fin := make(chan done, 1)
	go func() {
		res, err := agent.Run(ctx, agent.Config{
			Pipeline:         pipeline.Config{Ruleset: rs, Out: io.Discard, JSON: true},
			Syscalls:         sel,
			Seed:             agent.ProcSnapshot,
			Containers:       container.NewManager(rts, container.ManagerOptions{}),
			ContainerNoticed: noticed,
			ContainerApplied: applied,
			Ready:            func() { close(ready) },
		})
		fin <- done{res, err}
	}()
	select {
	case <-ready:
	case d := <-fin:
		return nil, 0, d.err
	}
	time.Sleep(500 * time.Millisecond)
	c0 := cpuTime()
	action()
	time.Sleep(500 * time.Millisecond)
	cpu := cpuTime() - c0
	cancel()
	d := <-fin
	return d.res, cpu, d.err
}

func cpuTime() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// importImage makes a busybox image from Debian's busybox-static (no
// registry can be reached).
func importImage() error {
	if exec.Command("docker", "image", "inspect", image).Run() == nil {
		return nil
	}
	root, err := os.MkdirTemp("", "kestrel-bench-rootfs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		return err
	}
	bb, err := os.ReadFile("/usr/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox-static: %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755); err != nil {
		return err
	}
	for _, a := range []string{"sh", "sleep"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			return err
		}
	}
	out, err := exec.Command("sh", "-c", "tar -C "+root+" -c . | docker import - "+image).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker import: %v %s", err, out)
	}
	return nil
}
