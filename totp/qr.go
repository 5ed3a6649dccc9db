package totp

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// QR image geometry.
const (
	// DefaultModuleSize is the QRPNG scale used when moduleSize is 0.
	DefaultModuleSize = 6
	// MaxModuleSize bounds the scale so a PNG stays a few megapixels at most.
	MaxModuleSize = 32
	// QuietZone is the white margin, in modules, on every side (ISO/IEC
	// 18004 asks for 4; scanners fail more often with less).
	QuietZone = 4
)

// QRPNG renders content as a QR code (error correction M) in a PNG:
// black modules on white, each moduleSize×moduleSize pixels (0 means
// DefaultModuleSize) with no interpolation, and a QuietZone-module white
// margin on every side. It fails for empty content (URI's "" for bad
// input), a scale outside 0..MaxModuleSize, or content too long for a QR
// code.
func QRPNG(content string, moduleSize int) ([]byte, error) {
	if content == "" {
		return nil, errors.New("qr code: empty content")
	}
	if moduleSize == 0 {
		moduleSize = DefaultModuleSize
	}
	if moduleSize < 1 || moduleSize > MaxModuleSize {
		return nil, fmt.Errorf("qr code: module size %d: must be 1..%d", moduleSize, MaxModuleSize)
	}
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, drawQR(code, moduleSize)); err != nil {
		return nil, fmt.Errorf("qr code png: %w", err)
	}
	return buf.Bytes(), nil
}

// drawQR paints the modules of code scaled by scale onto a white
// two-colour image with the quiet zone around them.
func drawQR(code image.Image, scale int) *image.Paletted {
	modules := code.Bounds().Dx()
	side := (modules + 2*QuietZone) * scale
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	// Index 0 (white) is the zero value: the whole image starts white.
	for my := 0; my < modules; my++ {
		for mx := 0; mx < modules; mx++ {
			if !dark(code.At(code.Bounds().Min.X+mx, code.Bounds().Min.Y+my)) {
				continue
			}
			x0, y0 := (mx+QuietZone)*scale, (my+QuietZone)*scale
			for y := y0; y < y0+scale; y++ {
				for x := x0; x < x0+scale; x++ {
					img.SetColorIndex(x, y, 1)
				}
			}
		}
	}
	return img
}

// dark reports whether c is a dark (set) module.
func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}
