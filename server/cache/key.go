package cache

import (
	"strconv"
	"strings"
)

// KeySep separates the parts of a key built by Key or KeyBuilder. It is the
// ASCII unit separator, which does not occur in URL paths, normalised query
// values or version numbers; should a part contain it (or keyEsc), the byte
// is escaped so that distinct part lists always give distinct keys.
const KeySep = '\x1f'

// keyEsc introduces an escape: keyEsc 1 stands for KeySep and keyEsc 2 for
// keyEsc itself inside a part.
const keyEsc = '\x1e'

// Key joins parts into a compact cache key, e.g.
//
//	cache.Key("/api/day", "tz=Europe/Berlin", "v42", "b1712345")
//
// It allocates exactly once (the result) and never formats via fmt.
func Key(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p) + 1
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(KeySep)
		}
		if strings.IndexByte(p, KeySep) < 0 && strings.IndexByte(p, keyEsc) < 0 {
			b.WriteString(p)
			continue
		}
		for j := 0; j < len(p); j++ {
			switch p[j] {
			case KeySep:
				b.WriteByte(keyEsc)
				b.WriteByte(1)
			case keyEsc:
				b.WriteByte(keyEsc)
				b.WriteByte(2)
			default:
				b.WriteByte(p[j])
			}
		}
	}
	return b.String()
}

// keyInline is the size of KeyBuilder's inline buffer; typical keys
// (endpoint, a handful of normalised parameters, version and bucket) fit.
const keyInline = 192

// KeyBuilder builds a key from string and integer parts without fmt and,
// for keys up to 192 bytes, with a single allocation (String's result).
// The zero value is ready to use; keep it on the stack:
//
//	var kb cache.KeyBuilder
//	key := kb.Str("/api/week").Str(tz).Uint(snapshotVersion).Int(bucket).String()
//
// Parts are separated and escaped exactly as by Key, so
// kb.Str("a").Str("b").String() == Key("a", "b"); integer parts are in
// decimal.
type KeyBuilder struct {
	buf   [keyInline]byte
	n     int
	spill []byte // used instead of buf once a key outgrows it
	parts int
}

func (k *KeyBuilder) sep() {
	if k.parts > 0 {
		k.byte(KeySep)
	}
	k.parts++
}

func (k *KeyBuilder) byte(c byte) {
	if k.spill == nil && k.n < len(k.buf) {
		k.buf[k.n] = c
		k.n++
		return
	}
	k.grow()
	k.spill = append(k.spill, c)
}

func (k *KeyBuilder) grow() {
	if k.spill == nil {
		k.spill = make([]byte, k.n, 2*keyInline)
		copy(k.spill, k.buf[:k.n])
	}
}

// Str appends a string part.
func (k *KeyBuilder) Str(s string) *KeyBuilder {
	k.sep()
	if strings.IndexByte(s, KeySep) < 0 && strings.IndexByte(s, keyEsc) < 0 {
		if k.spill == nil && k.n+len(s) <= len(k.buf) {
			k.n += copy(k.buf[k.n:], s)
			return k
		}
		k.grow()
		k.spill = append(k.spill, s...)
		return k
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case KeySep:
			k.byte(keyEsc)
			k.byte(1)
		case keyEsc:
			k.byte(keyEsc)
			k.byte(2)
		default:
			k.byte(s[i])
		}
	}
	return k
}

// Int appends a signed decimal part.
func (k *KeyBuilder) Int(v int64) *KeyBuilder {
	var d [20]byte
	return k.digits(strconv.AppendInt(d[:0], v, 10))
}

// Uint appends an unsigned decimal part.
func (k *KeyBuilder) Uint(v uint64) *KeyBuilder {
	var d [20]byte
	return k.digits(strconv.AppendUint(d[:0], v, 10))
}

func (k *KeyBuilder) digits(d []byte) *KeyBuilder {
	k.sep()
	for _, c := range d {
		k.byte(c)
	}
	return k
}

// String returns the key built so far.
func (k *KeyBuilder) String() string {
	if k.spill != nil {
		return string(k.spill)
	}
	return string(k.buf[:k.n])
}

// Reset empties the builder for reuse.
func (k *KeyBuilder) Reset() {
	k.n, k.parts, k.spill = 0, 0, nil
}
