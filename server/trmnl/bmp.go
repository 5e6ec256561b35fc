package trmnl

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"io"
)

// EncodeBMP writes img as a 1-bit, bottom-up Windows BMP with a black and
// a white palette entry: the format the TRMNL firmware shows after setup
// (for 800×480 exactly 48,062 bytes: a 62-byte header, 100-byte rows).
// Pixels with luminance of at least half are white.
func EncodeBMP(w io.Writer, img image.Image) error {
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	if width <= 0 || height <= 0 || width > MaxSide || height > MaxSide {
		return errors.New("bmp: image size out of range")
	}
	stride := (width + 31) / 32 * 4 // rows are padded to 4 bytes
	const headerSize = 14 + 40 + 8
	size := headerSize + stride*height
	buf := make([]byte, size)
	// BITMAPFILEHEADER
	buf[0], buf[1] = 'B', 'M'
	binary.LittleEndian.PutUint32(buf[2:], uint32(size))
	binary.LittleEndian.PutUint32(buf[10:], headerSize)
	// BITMAPINFOHEADER
	h := buf[14:]
	binary.LittleEndian.PutUint32(h[0:], 40)
	binary.LittleEndian.PutUint32(h[4:], uint32(width))
	binary.LittleEndian.PutUint32(h[8:], uint32(height)) // positive: bottom-up
	binary.LittleEndian.PutUint16(h[12:], 1)             // planes
	binary.LittleEndian.PutUint16(h[14:], 1)             // bits per pixel
	binary.LittleEndian.PutUint32(h[20:], uint32(stride*height))
	binary.LittleEndian.PutUint32(h[24:], 2835) // 72 dpi
	binary.LittleEndian.PutUint32(h[28:], 2835)
	binary.LittleEndian.PutUint32(h[32:], 2) // colours used
	// Palette: index 0 black, index 1 white (B, G, R, reserved).
	copy(buf[54:], []byte{0, 0, 0, 0, 0xff, 0xff, 0xff, 0})
	pix := buf[headerSize:]
	for y := 0; y < height; y++ {
		row := pix[(height-1-y)*stride:]
		for x := 0; x < width; x++ {
			if color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y >= 0x80 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
	}
	_, err := w.Write(buf)
	return err
}
