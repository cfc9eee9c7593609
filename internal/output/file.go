package output

import (
	"context"
	"fmt"
	"os"
)

// fileMode is the mode a new output file is created with. Falco opens it
// with std::ofstream in append mode, i.e. fopen "a": 0666 less the umask.
const fileMode = 0o666

type fileSink struct {
	path      string
	keepAlive bool
	f         *os.File
}

// NewFile is Falco's file_output. The file at path is opened for
// appending (created if missing). With keepAlive it stays open and is
// reopened by Outputs.Reopen (log rotation: after a rename, new alerts go
// to a new file at path); without, it is opened, appended to and closed
// for every message. The file is opened once here so that a bad path is
// reported at once; errors name the path.
func NewFile(path string, keepAlive bool) (Sink, error) {
	s := &fileSink{path: path, keepAlive: keepAlive}
	f, err := s.open()
	if err != nil {
		return nil, err
	}
	if keepAlive {
		s.f = f
	} else if err := f.Close(); err != nil {
		return nil, fmt.Errorf("file output %s: %w", path, err)
	}
	return s, nil
}

func (s *fileSink) open() (*os.File, error) {
	f, err := os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		// *PathError already names the path.
		return nil, fmt.Errorf("file output: %w", err)
	}
	return f, nil
}

func (s *fileSink) Name() string { return "file" }

func (s *fileSink) Write(_ context.Context, m *Message) error {
	if s.f == nil {
		f, err := s.open()
		if err != nil {
			return err
		}
		s.f = f
	}
	_, err := s.f.Write(withNewline(m.Line))
	if err != nil {
		err = fmt.Errorf("file output %s: %w", s.path, err)
	}
	if !s.keepAlive || err != nil {
		// Without keep_alive, or after a failed write, close: the next
		// message opens the path afresh.
		if cerr := s.closeFile(); err == nil {
			err = cerr
		}
	}
	return err
}

func (s *fileSink) closeFile() error {
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	if err != nil {
		return fmt.Errorf("file output %s: %w", s.path, err)
	}
	return nil
}

func (s *fileSink) reopen() error {
	err := s.closeFile()
	if !s.keepAlive {
		return err
	}
	f, oerr := s.open()
	if oerr != nil {
		return oerr
	}
	s.f = f
	return err
}

func (s *fileSink) Close() error { return s.closeFile() }
