package match

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The oracle is testdata/fnmatch_oracle.c, built with the host C compiler
// at test time, which answers fnmatch and strcasestr queries with the real
// C library. Tests that need it skip when no compiler is installed (or the
// C library is not glibc); the recorded expectations in
// testdata/glibc_fnmatch.txt cover that case.

// oracleOp is an oracle operation: 'g' fnmatch(p, s, 0), 'i' fnmatch(p, s,
// FNM_CASEFOLD), 's' strcasestr(p, s).
type oracleQuery struct {
	op   byte
	a, b string
}

type oracle struct{ bin string }

var (
	oracleOnce sync.Once
	oracleBin  string
	oracleErr  error
)

// getOracle builds the oracle once per test binary, or skips the test.
func getOracle(t testing.TB) *oracle {
	t.Helper()
	oracleOnce.Do(func() {
		cc := os.Getenv("CC")
		if cc == "" {
			for _, c := range []string{"gcc", "cc"} {
				if p, err := exec.LookPath(c); err == nil {
					cc = p
					break
				}
			}
		}
		if cc == "" {
			oracleErr = fmt.Errorf("no C compiler found")
			return
		}
		dir, err := os.MkdirTemp("", "match-oracle")
		if err != nil {
			oracleErr = err
			return
		}
		bin := filepath.Join(dir, "fnmatch_oracle")
		out, err := exec.Command(cc, "-O2", "-o", bin, filepath.Join("testdata", "fnmatch_oracle.c")).CombinedOutput()
		if err != nil {
			oracleErr = fmt.Errorf("building the oracle: %v\n%s", err, out)
			return
		}
		// The expectations are glibc's: make sure that is what we have.
		if out, err := exec.Command("ldd", "--version").CombinedOutput(); err != nil ||
			!bytes.Contains(bytes.ToLower(out), []byte("glibc")) && !bytes.Contains(bytes.ToLower(out), []byte("gnu libc")) {
			oracleErr = fmt.Errorf("the C library does not look like glibc")
			return
		}
		oracleBin = bin
	})
	if oracleErr != nil {
		t.Skipf("fnmatch oracle unavailable: %v", oracleErr)
	}
	return &oracle{bin: oracleBin}
}

func hexArg(s string) string {
	if s == "" {
		return "-"
	}
	return hex.EncodeToString([]byte(s))
}

// run answers a batch of queries.
func (o *oracle) run(t testing.TB, qs []oracleQuery) []int {
	t.Helper()
	cmd := exec.Command(o.bin)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		w := bufio.NewWriter(stdin)
		for _, q := range qs {
			fmt.Fprintf(w, "%c %s %s\n", q.op, hexArg(q.a), hexArg(q.b))
		}
		w.Flush()
		stdin.Close()
	}()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("oracle: %v\n%s", err, stderr.String())
	}
	fields := strings.Fields(stdout.String())
	if len(fields) != len(qs) {
		t.Fatalf("oracle answered %d queries out of %d", len(fields), len(qs))
	}
	res := make([]int, len(qs))
	for i, f := range fields {
		if res[i], err = strconv.Atoi(f); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// fnmatchQuery is the oracle query for matching s against pattern.
func fnmatchQuery(pattern, s string, fold bool) oracleQuery {
	op := byte('g')
	if fold {
		op = 'i'
	}
	return oracleQuery{op: op, a: pattern, b: s}
}
