package totp_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

// vectorFile is one testdata/totp/rfc6238-*.txt file.
type vectorFile struct {
	algorithm totp.Algorithm
	seed      []byte
	vectors   []vector
}

// vector is one row of RFC 6238 Appendix B.
type vector struct {
	unix    int64
	utc     string
	stepHex string
	code    string // 8 digits
}

func readVectors(t *testing.T, name string) vectorFile {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "totp", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vf vectorFile
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 0 || strings.HasPrefix(fields[0], "#"):
		case fields[0] == "algorithm" && len(fields) == 2:
			vf.algorithm = totp.Algorithm(fields[1])
		case fields[0] == "seed" && len(fields) == 2:
			vf.seed = []byte(fields[1])
		case len(fields) == 4:
			unix, err := strconv.ParseInt(fields[0], 10, 64)
			if err != nil {
				t.Fatalf("%s: %q: %v", name, sc.Text(), err)
			}
			vf.vectors = append(vf.vectors, vector{unix, fields[1], fields[2], fields[3]})
		default:
			t.Fatalf("%s: cannot parse line %q", name, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if vf.algorithm == "" || vf.seed == nil || len(vf.vectors) != 6 {
		t.Fatalf("%s: want algorithm, seed and the 6 RFC rows, got %q, %d-byte seed, %d rows", name, vf.algorithm, len(vf.seed), len(vf.vectors))
	}
	return vf
}

func TestRFC6238Vectors(t *testing.T) {
	for _, tc := range []struct {
		file     string
		alg      totp.Algorithm
		seedSize int
	}{
		{"rfc6238-sha1.txt", totp.SHA1, 20},
		{"rfc6238-sha256.txt", totp.SHA256, 32},
		{"rfc6238-sha512.txt", totp.SHA512, 64},
	} {
		vf := readVectors(t, tc.file)
		if vf.algorithm != tc.alg || len(vf.seed) != tc.seedSize {
			t.Fatalf("%s: algorithm %s with %d-byte seed, want %s with %d", tc.file, vf.algorithm, len(vf.seed), tc.alg, tc.seedSize)
		}
		for _, v := range vf.vectors {
			t.Run(string(tc.alg)+"/"+v.utc, func(t *testing.T) {
				now := time.Unix(v.unix, 0)
				if got := now.UTC().Format(time.RFC3339); got != v.utc {
					t.Fatalf("row time %d is %s, file says %s", v.unix, got, v.utc)
				}
				step := totp.Step(now, 30*time.Second)
				if got := strings.ToUpper(strconv.FormatUint(step, 16)); strings.TrimLeft(v.stepHex, "0") != got {
					t.Errorf("Step = %s, want %s", got, v.stepHex)
				}
				p8 := totp.Params{Digits: 8, Algorithm: tc.alg}
				if got := totp.Code(vf.seed, step, p8); got != v.code {
					t.Errorf("Code 8 digits = %q, want %q", got, v.code)
				}
				p6 := totp.Params{Algorithm: tc.alg}
				if got, want := totp.Code(vf.seed, step, p6), v.code[2:]; got != want {
					t.Errorf("Code 6 digits = %q, want %q", got, want)
				}
			})
		}
	}
}

func TestStep(t *testing.T) {
	for _, tc := range []struct {
		unix   int64
		period time.Duration
		want   uint64
	}{
		{0, 30 * time.Second, 0},
		{29, 30 * time.Second, 0},
		{30, 30 * time.Second, 1},
		{59, 30 * time.Second, 1},
		{60, 60 * time.Second, 1},
		{119, 60 * time.Second, 1},
		{59, 0, 1},                      // default period
		{59, 500 * time.Millisecond, 1}, // under a second: default period
		{-1, 30 * time.Second, 0},       // before 1970
	} {
		if got := totp.Step(time.Unix(tc.unix, 999_999_999), tc.period); got != tc.want {
			t.Errorf("Step(%d.999s, %s) = %d, want %d", tc.unix, tc.period, got, tc.want)
		}
	}
}

func TestCodeRefusesWhatCannotBeVerified(t *testing.T) {
	seed := []byte("12345678901234567890")
	for name, tc := range map[string]struct {
		secret []byte
		p      totp.Params
	}{
		"7 digits":          {seed, totp.Params{Digits: 7}},
		"negative digits":   {seed, totp.Params{Digits: -6}},
		"MD5":               {seed, totp.Params{Algorithm: "MD5"}},
		"lower-case sha1":   {seed, totp.Params{Algorithm: "sha1"}},
		"fractional period": {seed, totp.Params{Period: 1500 * time.Millisecond}},
		"negative period":   {seed, totp.Params{Period: -30 * time.Second}},
		"empty secret":      {nil, totp.Params{}},
		"9-byte secret":     {seed[:9], totp.Params{}},
	} {
		if got := totp.Code(tc.secret, 1, tc.p); got != "" {
			t.Errorf("%s: Code = %q, want \"\"", name, got)
		}
	}
	if got := totp.Code(seed[:10], 1, totp.Params{}); len(got) != 6 {
		t.Errorf("10-byte secret: Code = %q, want 6 digits", got)
	}
}
