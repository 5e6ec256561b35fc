package cache

import (
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Entry is one cached, fully rendered HTTP response. An Entry is immutable
// once it has been handed to the cache: neither the cache nor its readers
// may modify Body or Header, because the same *Entry is shared by every
// request that hits it.
type Entry struct {
	Body        []byte
	ContentType string
	// ETag is a strong entity tag including its quotes, e.g.
	// "\"0123456789abcdef\"" (see ETagOf). Empty means no ETag is sent.
	ETag string
	// Header holds optional extra response headers (Cache-Control, Vary,
	// ...). Nil for most entries; its keys and values count towards the
	// entry's weight.
	Header http.Header
	// TTL is how long after it is stored the entry may be served, on the
	// cache's clock (Options.Clock); zero means until it is evicted for
	// space. Set it before handing the entry to the cache.
	TTL time.Duration

	// The header values as ready-made slices, built once by NewEntry so
	// that a hit allocates nothing (net/http never modifies them).
	etagV, typeV, lengthV []string
}

// NewEntry returns an Entry for body with a strong ETag computed by ETagOf.
// body is retained, not copied: pass a right-sized slice (the cache weighs
// cap(body), so a 64 KiB bytes.Buffer holding 10 KiB costs 64 KiB).
func NewEntry(body []byte, contentType string) *Entry {
	e := &Entry{Body: body, ContentType: contentType, ETag: ETagOf(body)}
	e.etagV, e.typeV, e.lengthV = []string{e.ETag}, []string{contentType}, []string{strconv.Itoa(len(body))}
	return e
}

func (e *Entry) values() (etag, ctype, length []string) {
	if e.lengthV != nil {
		return e.etagV, e.typeV, e.lengthV
	}
	return []string{e.ETag}, []string{e.ContentType}, []string{strconv.Itoa(len(e.Body))}
}

var crcTable = crc64.MakeTable(crc64.ECMA)

// ETagOf returns a strong ETag for body: the quoted 16-digit lower-case hex
// form of its CRC-64/ECMA checksum, 18 bytes in all. CRC-64 is not a
// cryptographic hash; an ETag only has to change when the body changes,
// and an accidental collision between two versions of the same resource
// has probability about 2^-64. It is stable across restarts (unlike
// hash/maphash), so clients keep their validators when the server restarts,
// and the table-driven implementation is several times faster per byte than
// FNV on the Pi's Cortex-A53.
func ETagOf(body []byte) string {
	const hexdigits = "0123456789abcdef"
	sum := crc64.Checksum(body, crcTable)
	var b [18]byte
	b[0], b[17] = '"', '"'
	for i := 16; i >= 1; i-- {
		b[i] = hexdigits[sum&0xf]
		sum >>= 4
	}
	return string(b[:])
}

// ServeHTTP writes the entry as the response to r: its extra headers,
// Content-Type, ETag and Content-Length, then the body, or
// 304 Not Modified when r's If-None-Match matches the ETag (RFC 9110
// section 13.1.2, weak comparison). HEAD requests get the headers only.
func (e *Entry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	etag, ctype, length := e.values()
	if e.ETag != "" {
		h["Etag"] = etag
		if inm := r.Header.Get("If-None-Match"); inm != "" &&
			(r.Method == http.MethodGet || r.Method == http.MethodHead) &&
			etagListMatches(inm, e.ETag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if e.ContentType != "" {
		h["Content-Type"] = ctype
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(e.Body)
	}
}

// etagListMatches reports whether the If-None-Match field value list
// matches etag under weak comparison ("W/" prefixes are ignored).
func etagListMatches(list, etag string) bool {
	etag = strings.TrimPrefix(etag, "W/")
	for list != "" {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			break
		}
		if list[0] == '*' {
			return true
		}
		var tag string
		tag, list, _ = strings.Cut(list, ",")
		tag = strings.TrimSpace(tag)
		if strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}
