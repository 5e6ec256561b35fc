package feed

import (
	"bytes"
	"crypto/sha256"
	"io"
)

// ContentHash is the sha256 of body with every DTSTAMP property removed
// (including its folded continuation lines). Outlook and Google stamp DTSTAMP
// with the time of the request, so without this every download of an
// unchanged calendar would look new and be parsed again.
//
// Only lines that begin with DTSTAMP followed by ':' or ';' (any case) are
// dropped; all other bytes, line endings included, are hashed as they are.
func ContentHash(body []byte) [32]byte {
	h := sha256.New()
	writeHashed(h, body)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

func writeHashed(w io.Writer, body []byte) {
	skipping := false // inside a DTSTAMP property: drop its continuation lines
	start := 0        // first byte not yet written
	for pos := 0; pos < len(body); {
		end := len(body)
		if i := bytes.IndexByte(body[pos:], '\n'); i >= 0 {
			end = pos + i + 1
		}
		line := body[pos:end]
		drop := false
		if skipping && (line[0] == ' ' || line[0] == '\t') {
			drop = true
		} else {
			skipping = isDTSTAMP(line)
			drop = skipping
		}
		if drop {
			if start < pos {
				_, _ = w.Write(body[start:pos])
			}
			start = end
		}
		pos = end
	}
	if start < len(body) {
		_, _ = w.Write(body[start:])
	}
}

func isDTSTAMP(line []byte) bool {
	const name = "DTSTAMP"
	if len(line) <= len(name) {
		return false
	}
	if c := line[len(name)]; c != ':' && c != ';' {
		return false
	}
	return bytes.EqualFold(line[:len(name)], []byte(name))
}
