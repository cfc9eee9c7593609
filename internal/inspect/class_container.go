package inspect

import (
	"regexp"
	"strconv"

	"github.com/kestrel-project/kestrel/internal/container"
	"github.com/kestrel-project/kestrel/internal/engine"
	"github.com/kestrel-project/kestrel/internal/fields"
	"github.com/kestrel-project/kestrel/internal/state"
)

// The container class, with the container plugin's semantics
// (plugins/container/src/caps/extract/extract.cpp): container.id comes
// from the thread's cgroups and is always there ("host" outside
// containers); every other field reads the container's metadata, which
// arrives asynchronously, so until it does they are missing (except
// container.start_ts and container.duration, from the thread's pid
// namespace). Host processes belong to the plugin's built-in host
// container: id, full id and name "host", type "host", everything else
// empty or false. On a container event the fields describe the container
// the event announces. The deprecated stubs (healthcheck, probes, k8s
// rc/svc/rs/deployment...) stay unbound: they never yield a value.

// hostContainer is the plugin's built-in host container.
var hostContainer = &container.Info{ID: "host", FullID: "host", Name: "host", Type: container.TypeHost}

// containerOf returns the container behind the event: the one a container
// event announces, the host container, the container of the thread, or nil
// (no thread, or metadata not there yet).
func containerOf(e *Event) *container.Info {
	if e.Parsed != nil && e.Parsed.Container != nil {
		return e.Parsed.Container
	}
	th := e.Thread()
	if th == nil {
		return nil
	}
	if th.ContainerID == "" {
		return hostContainer
	}
	return e.in.State.Container(th.ContainerID)
}

// withContainer adapts an extractor of the event's container metadata.
func withContainer(f func(c *container.Info, v *engine.Value) bool) bindFunc {
	return fixed(func(x engine.Event, v *engine.Value) bool {
		c := containerOf(ev(x))
		if c == nil {
			return false
		}
		return f(c, v)
	})
}

func containerStr(get func(c *container.Info) string) bindFunc {
	return withContainer(func(c *container.Info, v *engine.Value) bool {
		v.Str = get(c)
		return true
	})
}

func containerBool(get func(c *container.Info) bool) bindFunc {
	return withContainer(func(c *container.Info, v *engine.Value) bool {
		v.Bool = get(c)
		return true
	})
}

// labelStr binds a [key] field reading one label map; absent keys are
// missing.
func labelStr(get func(c *container.Info) map[string]string) bindFunc {
	return func(ref fields.Ref) (engine.Binding, error) {
		key := ref.Arg
		return engine.Binding{Extract: func(x engine.Event, v *engine.Value) bool {
			c := containerOf(ev(x))
			if c == nil {
				return false
			}
			val, ok := get(c)[key]
			if !ok {
				return false
			}
			v.Str = val
			return true
		}}, nil
	}
}

// podLabel binds a k8s field the plugin reads from one of the kubelet's
// labels on the container.
func podLabel(key string) bindFunc {
	return fixed(func(x engine.Event, v *engine.Value) bool {
		c := containerOf(ev(x))
		if c == nil {
			return false
		}
		val, ok := c.Labels[key]
		v.Str = val
		return ok
	})
}

// bindMount binds container.mount[...] and its parts: an index, or a
// pattern matched against each mount's source (the destination for
// container.mount.source). The plugin compiles the pattern as a regular
// expression searched anywhere in the path (reflex, multi-line), so
// "/proc*" matches "/proc" and "/host/proc"; a pattern that is not a
// valid expression is searched for literally. No matching mount: missing.
func bindMount(part func(m *container.Mount) string, byDest bool) bindFunc {
	return func(ref fields.Ref) (engine.Binding, error) {
		if idx, err := strconv.ParseUint(ref.Arg, 10, 31); err == nil {
			return engine.Binding{Extract: mountExtractor(part, func(c *container.Info) *container.Mount {
				return c.MountByIndex(int(idx))
			})}, nil
		}
		re, err := regexp.Compile("(?m)" + ref.Arg)
		if err != nil {
			re = regexp.MustCompile(regexp.QuoteMeta(ref.Arg))
		}
		match := func(_, s string) bool { return re.MatchString(s) }
		return engine.Binding{Extract: mountExtractor(part, func(c *container.Info) *container.Mount {
			if byDest {
				return c.MountByDest(ref.Arg, match)
			}
			return c.MountBySource(ref.Arg, match)
		})}, nil
	}
}

func mountExtractor(part func(m *container.Mount) string, find func(c *container.Info) *container.Mount) engine.Extractor {
	return func(x engine.Event, v *engine.Value) bool {
		c := containerOf(ev(x))
		if c == nil {
			return false
		}
		m := find(c)
		if m == nil {
			return false
		}
		v.Str = part(m)
		return true
	}
}

// sandboxOf is the plugin's fallback for pod-level values: when the
// runtime did not give the container its pod's CNI result, they come from
// the pod sandbox container's metadata (nil if that has not arrived).
func sandboxOf(e *Event, c *container.Info) *container.Info {
	if c.CNIJSON != "" {
		return nil
	}
	return e.in.State.Container(container.ShortID(c.PodSandboxID))
}

// podValue reads a pod-level value: from the container itself when it
// has its pod's CNI result, else from the sandbox container.
func podValue(e *Event, c *container.Info, get func(c *container.Info) string) (string, bool) {
	if c.CNIJSON != "" {
		return get(c), true
	}
	if sb := sandboxOf(e, c); sb != nil {
		return get(sb), true
	}
	return "", false
}

func init() {
	register(map[string]bindFunc{
		"container.id": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			if e.Parsed != nil && e.Parsed.Container != nil {
				v.Str = e.Parsed.Container.ID
				return true
			}
			th := e.Thread()
			if th == nil {
				return false
			}
			v.Str = th.ContainerID
			if v.Str == "" {
				v.Str = "host"
			}
			return true
		}),
		"container.full_id":          containerStr(func(c *container.Info) string { return c.FullID }),
		"container.name":             containerStr(func(c *container.Info) string { return c.Name }),
		"container.image":            containerStr(func(c *container.Info) string { return c.Image }),
		"container.image.id":         containerStr(func(c *container.Info) string { return c.ImageID }),
		"container.image.repository": containerStr(func(c *container.Info) string { return c.ImageRepo }),
		"container.image.tag":        containerStr(func(c *container.Info) string { return c.ImageTag }),
		"container.image.digest":     containerStr(func(c *container.Info) string { return c.ImageDigest }),
		"container.type":             containerStr(func(c *container.Info) string { return c.Type.String() }),
		"container.privileged":       containerBool(func(c *container.Info) bool { return c.Privileged }),
		"container.host_pid":         containerBool(func(c *container.Info) bool { return c.HostPID }),
		"container.host_network":     containerBool(func(c *container.Info) bool { return c.HostNetwork }),
		"container.host_ipc":         containerBool(func(c *container.Info) bool { return c.HostIPC }),
		"container.ip":               containerStr(func(c *container.Info) string { return c.IP }),
		"container.cni.json":         containerStr(func(c *container.Info) string { return c.CNIJSON }),
		"container.mounts": containerStr(func(c *container.Info) string {
			s := ""
			for i, m := range c.Mounts {
				if i > 0 {
					s += ","
				}
				s += m.String()
			}
			return s
		}),
		"container.mount":             bindMount(func(m *container.Mount) string { return m.String() }, false),
		"container.mount.source":      bindMount(func(m *container.Mount) string { return m.Source }, true),
		"container.mount.dest":        bindMount(func(m *container.Mount) string { return m.Destination }, false),
		"container.mount.mode":        bindMount(func(m *container.Mount) string { return m.Mode }, false),
		"container.mount.propagation": bindMount(func(m *container.Mount) string { return m.Propagation }, false),
		"container.mount.rdwr": bindMount(func(m *container.Mount) string {
			return strconv.FormatBool(m.RW)
		}, false),
		"container.label":  labelStr(func(c *container.Info) map[string]string { return c.Labels }),
		"container.labels": containerStr(func(c *container.Info) string { return container.LabelsString(c.Labels) }),
		"container.start_ts": fixed(withThread(func(_ *Event, th *state.Thread, v *engine.Value) bool {
			v.Uint = th.PidnsInitStartTs
			return v.Uint != 0
		})),
		"container.duration": fixed(withThread(func(e *Event, th *state.Thread, v *engine.Value) bool {
			if th.PidnsInitStartTs == 0 {
				return false
			}
			v.Uint = e.Ts() - th.PidnsInitStartTs
			return true
		})),

		"k8s.pod.name": podLabel(container.LabelPodName),
		"k8s.ns.name":  podLabel(container.LabelPodNamespace),
		"k8s.pod.uid":  podLabel(container.LabelPodUID),
		"k8s.pod.id":   podLabel(container.LabelPodUID),
		"k8s.pod.sandbox_id": containerStr(func(c *container.Info) string {
			return container.ShortID(c.PodSandboxID)
		}),
		"k8s.pod.full_sandbox_id": containerStr(func(c *container.Info) string { return c.PodSandboxID }),
		"k8s.pod.label": func(ref fields.Ref) (engine.Binding, error) {
			key := ref.Arg
			return engine.Binding{Extract: func(x engine.Event, v *engine.Value) bool {
				e := ev(x)
				c := containerOf(e)
				if c == nil {
					return false
				}
				if sb := sandboxOf(e, c); sb != nil {
					if val, ok := sb.PodSandboxLabels[key]; ok {
						v.Str = val
						return true
					}
				}
				val, ok := c.PodSandboxLabels[key]
				v.Str = val
				return ok
			}}, nil
		},
		"k8s.pod.labels": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			c := containerOf(e)
			if c == nil {
				return false
			}
			labels := c.PodSandboxLabels
			if sb := sandboxOf(e, c); sb != nil {
				labels = sb.PodSandboxLabels
			}
			v.Str = container.LabelsString(labels)
			return true
		}),
		"k8s.pod.ip": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			c := containerOf(e)
			if c == nil {
				return false
			}
			s, ok := podValue(e, c, func(c *container.Info) string { return c.IP })
			v.Str = s
			return ok
		}),
		"k8s.pod.cni.json": fixed(func(x engine.Event, v *engine.Value) bool {
			e := ev(x)
			c := containerOf(e)
			if c == nil {
				return false
			}
			s, ok := podValue(e, c, func(c *container.Info) string { return c.CNIJSON })
			v.Str = s
			return ok
		}),
	})
}

// AsyncEventNames are the async event names of the built-in container
// plugin, which rules may name in evt.type (Falco registers a plugin's
// async event names in its event table).
var AsyncEventNames = []string{state.AsyncContainerAdded, state.AsyncContainerRemoved}
