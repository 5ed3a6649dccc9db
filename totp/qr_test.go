package totp_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/totp"
)

// qrImage is a decoded QRPNG result measured in modules.
type qrImage struct {
	img     image.Image
	scale   int
	modules int // symbol width without the quiet zone
}

// decodeQR decodes a PNG and checks the geometry a scanner relies on:
// square, (modules+8)*scale pixels, a QR version's module count, pure black
// and white, every module a uniform scale×scale block.
func decodeQR(t *testing.T, data []byte, scale int) qrImage {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Min != (image.Point{}) || b.Dx() != b.Dy() || b.Dx()%scale != 0 {
		t.Fatalf("image bounds %v: want a square of whole %d-pixel modules", b, scale)
	}
	q := qrImage{img: img, scale: scale, modules: b.Dx()/scale - 2*totp.QuietZone}
	if v := (q.modules - 17) / 4; q.modules < 21 || (q.modules-17)%4 != 0 || v > 40 {
		t.Fatalf("%d px at %d px/module is %d modules plus the quiet zone: no QR version has that", b.Dx(), scale, q.modules)
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			if c != (color.RGBA{0, 0, 0, 255}) && c != (color.RGBA{255, 255, 255, 255}) {
				t.Fatalf("pixel (%d,%d) is %v: want pure black or white", x, y, c)
			}
			if black(img, x, y) != black(img, x/scale*scale, y/scale*scale) {
				t.Fatalf("pixel (%d,%d) differs from its module: interpolated or misaligned", x, y)
			}
		}
	}
	return q
}

func black(img image.Image, x, y int) bool {
	return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y < 0x80
}

// dark reports whether module (mx, my) of the symbol is dark; -4..-1 and
// modules..modules+3 address the quiet zone.
func (q qrImage) dark(mx, my int) bool {
	return black(q.img, (mx+totp.QuietZone)*q.scale, (my+totp.QuietZone)*q.scale)
}

// checkQuietZone asserts four white modules on every side and a finder
// pattern corner right inside them (so the margin is exactly four).
func checkQuietZone(t *testing.T, q qrImage) {
	t.Helper()
	n := q.modules
	for i := -totp.QuietZone; i < n+totp.QuietZone; i++ {
		for d := 1; d <= totp.QuietZone; d++ {
			for _, m := range [][2]int{{i, -d}, {i, n - 1 + d}, {-d, i}, {n - 1 + d, i}} {
				if q.dark(m[0], m[1]) {
					t.Fatalf("quiet zone module (%d,%d) is dark", m[0], m[1])
				}
			}
		}
	}
	for _, m := range [][2]int{{0, 0}, {6, 0}, {0, 6}, {n - 1, 0}, {n - 7, 6}, {0, n - 1}, {6, n - 7}} {
		if !q.dark(m[0], m[1]) {
			t.Fatalf("finder pattern module (%d,%d) is light: the margin is not %d modules", m[0], m[1], totp.QuietZone)
		}
	}
}

// ecLevel reads the format information next to the top-left finder
// pattern (ISO/IEC 18004 §7.9) and returns "L", "M", "Q" or "H".
func ecLevel(t *testing.T, q qrImage) string {
	t.Helper()
	cells := [][2]int{{0, 8}, {1, 8}, {2, 8}, {3, 8}, {4, 8}, {5, 8}, {7, 8}, {8, 8}, {8, 7}, {8, 5}, {8, 4}, {8, 3}, {8, 2}, {8, 1}, {8, 0}}
	for _, transpose := range []bool{false, true} {
		var word uint16
		for _, c := range cells {
			x, y := c[0], c[1]
			if transpose {
				x, y = y, x
			}
			word <<= 1
			if q.dark(x, y) {
				word |= 1
			}
		}
		word ^= 0x5412 // format mask 101010000010010
		data := word >> 10
		rem := uint32(data) << 10
		for bit := 14; bit >= 10; bit-- {
			if rem&(1<<bit) != 0 {
				rem ^= 0x537 << (bit - 10) // BCH generator 10100110111
			}
		}
		if uint16(rem) == word&0x3ff {
			return [4]string{"M", "L", "H", "Q"}[data>>3]
		}
	}
	t.Fatal("no valid format information next to the top-left finder pattern")
	return ""
}

// zbarDecode scans a PNG with zbarimg (ZBar, an independent decoder).
func zbarDecode(t *testing.T, bin string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // zbarimg also chats about D-Bus there
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg could not read the QR code: %v\n%s", err, stderr.Bytes())
	}
	return strings.TrimSuffix(string(out), "\n")
}

func TestQRPNGScansBack(t *testing.T) {
	bin := requireTool(t, "zbarimg", "zbar-tools")
	secret, err := totp.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		content   string
		size      int
		wantScale int
	}{
		{totp.URI("Example University", "alice", secret, totp.Params{}), 0, totp.DefaultModuleSize},
		{totp.URI("東工大", "山田 太郎@example.ac.jp", secret, totp.Params{}), 3, 3},
		{totp.URI("Example University", "bob", make([]byte, 64), totp.Params{Digits: 8, Algorithm: totp.SHA512}), 2, 2},
		{"hello", 1, 1},
	} {
		data, err := totp.QRPNG(tc.content, tc.size)
		if err != nil {
			t.Fatalf("QRPNG(%q, %d): %v", tc.content, tc.size, err)
		}
		q := decodeQR(t, data, tc.wantScale)
		checkQuietZone(t, q)
		if got := ecLevel(t, q); got != "M" {
			t.Errorf("%q: error correction level %s, want M", tc.content, got)
		}
		if tc.wantScale == 1 {
			// One pixel per module is for a page that scales the image
			// with image-rendering: pixelated; ZBar needs at least two.
			continue
		}
		if got := zbarDecode(t, bin, data); got != tc.content {
			t.Errorf("zbarimg read %q, want %q", got, tc.content)
		}
	}
}

func TestQRPNGRejects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		size    int
	}{
		{"empty content (URI of bad input)", "", 0},
		{"negative module size", "hello", -1},
		{"huge module size", "hello", totp.MaxModuleSize + 1},
		{"too long for a QR code", strings.Repeat("x", 3000), 1},
	} {
		if data, err := totp.QRPNG(tc.content, tc.size); err == nil {
			t.Errorf("%s: got a %d-byte PNG, want an error", tc.name, len(data))
		}
	}
}
