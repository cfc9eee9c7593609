package procfs

import (
	"bufio"
	"encoding/binary"
	"io"
	"os"
	"strconv"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reads go through file descriptors relative to a process's /proc
// directory, opened once: if the process exits and its pid is reused
// while it is being read, the reads fail instead of mixing two processes.

// readFile reads at most limit bytes of name under dirfd into the
// scanner's scratch buffer. The result is valid until the next read.
func (s *scanner) readFile(dirfd int, name string, limit int) ([]byte, error) {
	fd, err := openat(dirfd, name, unix.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if limit > len(s.buf) {
		limit = len(s.buf)
	}
	// One read: the files read this way fill a read as far as they can
	// (seq_file generates the whole text; cmdline and environ loop over
	// the process's memory until the buffer is full), so what one read
	// returns is the file, or its first limit bytes as libscap's
	// read_exact into a buffer of that size gives them. This saves the
	// read that would return 0 on every file.
	for {
		n, err := unix.Read(fd, s.buf[:limit])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		return s.buf[:n], nil
	}
}

// readLink reads a symbolic link (or a /proc magic link) under dirfd,
// cut at 1023 bytes as libscap's readlink into a SCAP_MAX_PATH_SIZE
// buffer is.
func (s *scanner) readLink(dirfd int, name string) (string, error) {
	for {
		n, err := unix.Readlinkat(dirfd, name, s.linkBuf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", err
		}
		return string(s.linkBuf[:n]), nil
	}
}

// readDir calls fn for each entry of the open directory fd (but "." and
// "..").
func (s *scanner) readDir(fd int, fn func(name string)) error {
	var names []string
	for {
		n, err := unix.ReadDirent(fd, s.dirBuf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		_, _, names = unix.ParseDirent(s.dirBuf[:n], -1, names[:0])
		for _, name := range names {
			fn(name)
		}
	}
}

func openat(dirfd int, name string, flags int) (int, error) {
	for {
		fd, err := unix.Openat(dirfd, name, flags|unix.O_CLOEXEC, 0)
		if err == unix.EINTR {
			continue
		}
		return fd, err
	}
}

// lines calls fn for each line of the file at path (without its newline)
// until fn returns false. It streams, so a large socket table or mount
// table costs one buffer.
func lines(path string, fn func(line []byte) bool) error {
	return linesSized(path, 32<<10, fn)
}

// linesSized is lines with a buffer of size bytes (the longest line it
// can see whole).
func linesSized(path string, size int, fn func(line []byte) bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return linesOf(f, size, fn)
}

// linesAt is lines for a file under dirfd.
func linesAt(dirfd int, name string, fn func(line []byte) bool) error {
	fd, err := openat(dirfd, name, unix.O_RDONLY)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	// Mount tables can have long lines: an overlay's lowerdir lists every
	// layer of an image.
	return linesOf(f, 32<<10, fn)
}

func linesOf(r io.Reader, size int, fn func(line []byte) bool) error {
	br := bufio.NewReaderSize(r, size)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: skip the rest of it (no
			// file read this way has meaningful lines that long).
			for err == bufio.ErrBufferFull {
				_, err = br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return err
			}
			if err == io.EOF {
				return nil
			}
			continue
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			line = line[:len(line)-1]
		}
		if len(line) > 0 || err == nil {
			if !fn(line) {
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// clockTicks returns USER_HZ, the unit of the start times in
// /proc/<pid>/stat, from the auxiliary vector the kernel gave this
// process (AT_CLKTCK); 100 when it cannot be read, which is its value on
// every architecture Linux supports today.
func clockTicks() uint64 {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return 100
	}
	w := int(unsafe.Sizeof(uintptr(0)))
	for i := 0; i+2*w <= len(b); i += 2 * w {
		var k, v uint64
		if w == 8 {
			k, v = binary.NativeEndian.Uint64(b[i:]), binary.NativeEndian.Uint64(b[i+w:])
		} else {
			k, v = uint64(binary.NativeEndian.Uint32(b[i:])), uint64(binary.NativeEndian.Uint32(b[i+w:]))
		}
		if k == atClkTck && v > 0 {
			return v
		}
		if k == 0 {
			break
		}
	}
	return 100
}

// Facts read once per process, as libscap reads them once when it opens:
// USER_HZ, and the boot time per /proc (it is static, and /proc/stat is a
// long file on a large machine).
var (
	userHZ = sync.OnceValue(clockTicks)
	boots  struct {
		sync.Mutex
		m map[string]uint64
	}
)

func cachedBootTime(proc string) uint64 {
	boots.Lock()
	defer boots.Unlock()
	if bt, ok := boots.m[proc]; ok {
		return bt
	}
	bt := bootTime(proc)
	if bt != 0 {
		if boots.m == nil {
			boots.m = make(map[string]uint64)
		}
		boots.m[proc] = bt
	}
	return bt
}

// bootTime returns the boot time in ns since the epoch from the btime
// line of /proc/stat, as libscap's scap_linux_get_host_boot_time_ns does
// (a value that does not drift with the current clock); 0 if unknown.
func bootTime(proc string) uint64 {
	var bt uint64
	_ = lines(proc+"/stat", func(line []byte) bool {
		if len(line) > 6 && string(line[:6]) == "btime " {
			if v, err := strconv.ParseUint(string(trimSpace(line[6:])), 10, 64); err == nil {
				bt = v * 1e9
			}
			return false
		}
		return true
	})
	return bt
}
