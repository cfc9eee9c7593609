package output

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// programCloseWait is how long closing a keep_alive program waits for it
// to exit once its stdin is closed, before killing it.
const programCloseWait = 5 * time.Second

type programSink struct {
	cmdline   string
	keepAlive bool

	// keep_alive state
	cmd    *exec.Cmd
	stdin  *os.File
	exited chan struct{} // closed when cmd has exited
}

// NewProgram is Falco's program_output: cmdline runs under sh -c. With
// keepAlive one long-running process gets every message as Line + "\n" on
// its stdin; it is started on the first message, started again when it
// has died, and restarted by Outputs.Reopen. Without keepAlive every
// message runs a new process with the line on its stdin, waited for as
// Falco's pclose does. The program's stdout and stderr are Kestrel's, as
// with Falco's popen.
func NewProgram(cmdline string, keepAlive bool) Sink {
	return &programSink{cmdline: cmdline, keepAlive: keepAlive}
}

func (s *programSink) Name() string { return "program" }

func (s *programSink) command(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", s.cmdline)
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	// Own process group, so that a kill reaches the whole pipeline.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	return cmd
}

func (s *programSink) Write(ctx context.Context, m *Message) error {
	line := withNewline(m.Line)
	if !s.keepAlive {
		cmd := s.command(ctx)
		cmd.Stdin = bytes.NewReader(line)
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("program output %q: %w", s.cmdline, err)
		}
		return nil
	}
	if s.cmd != nil {
		select {
		case <-s.exited:
			// It died since the last message: start it anew.
			_ = s.stop()
		default:
		}
	}
	if s.cmd == nil {
		if err := s.start(); err != nil {
			return err
		}
	}
	err := s.write(ctx, line)
	if err == nil {
		return nil
	}
	// A broken pipe means the program is gone or going: give it a moment
	// to be reaped, then restart it once and try this message again.
	t := time.NewTimer(100 * time.Millisecond)
	defer t.Stop()
	select {
	case <-s.exited:
		_ = s.stop()
		if serr := s.start(); serr != nil {
			return serr
		}
		err = s.write(ctx, line)
	case <-t.C:
	case <-ctx.Done():
	}
	if err != nil {
		return fmt.Errorf("program output %q: %w", s.cmdline, err)
	}
	return nil
}

// write writes to the program's stdin, giving up when ctx is done (a
// program that stops reading must not hang the sink past Close).
func (s *programSink) write(ctx context.Context, b []byte) error {
	if d, ok := ctx.Deadline(); ok {
		_ = s.stdin.SetWriteDeadline(d)
	} else {
		_ = s.stdin.SetWriteDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { _ = s.stdin.SetWriteDeadline(time.Now()) })
	defer stop()
	_, err := s.stdin.Write(b)
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	return err
}

func (s *programSink) start() error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("program output %q: %w", s.cmdline, err)
	}
	// Not tied to a message's context: the process outlives messages.
	cmd := s.command(context.Background())
	cmd.Stdin = r
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("program output %q: %w", s.cmdline, err)
	}
	r.Close() // the child has its copy
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	s.cmd, s.stdin, s.exited = cmd, w, exited
	return nil
}

// stop closes the program's stdin and waits for it to exit, killing its
// process group if it has not after programCloseWait.
func (s *programSink) stop() error {
	if s.cmd == nil {
		return nil
	}
	err := s.stdin.Close()
	t := time.NewTimer(programCloseWait)
	defer t.Stop()
	select {
	case <-s.exited:
	case <-t.C:
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
		err = errors.Join(err, fmt.Errorf("program output %q: killed, not exited %v after its stdin closed", s.cmdline, programCloseWait))
	}
	s.cmd, s.stdin, s.exited = nil, nil, nil
	return err
}

func (s *programSink) reopen() error {
	if !s.keepAlive {
		return nil
	}
	err := s.stop()
	if serr := s.start(); serr != nil {
		return errors.Join(err, serr)
	}
	return err
}

func (s *programSink) Close() error { return s.stop() }
