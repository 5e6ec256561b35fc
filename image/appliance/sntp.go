package appliance

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// DialFunc opens a connection (net.Dialer.DialContext).
type DialFunc func(ctx context.Context, network, addr string) (net.Conn, error)

// SNTP (RFC 4330) constants.
const (
	ntpPacketLen  = 48
	ntpModeClient = 3
	ntpModeServer = 4
	ntpVersion    = 4
	// MaxRoundTrip bounds the round trip of an accepted answer: a slower
	// one says little about the time.
	MaxRoundTrip = 2 * time.Second
)

// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP era 0) to
// 1970-01-01.
const ntpEpochOffset = 2208988800

// NTPTime is a 64-bit NTP timestamp: seconds since 1900 and a binary
// fraction.
type NTPTime uint64

// ToNTP converts t. Times from 2036-02-07 on wrap into era 1, as RFC 4330
// section 3 describes.
func ToNTP(t time.Time) NTPTime {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := (uint64(t.Nanosecond()) << 32) / 1e9
	return NTPTime(secs<<32 | frac&0xffffffff)
}

// Time converts an NTP timestamp: with the most significant bit set it is
// in 1968-2036 (era 0), without it in 2036-2104 (era 1).
func (n NTPTime) Time() time.Time {
	secs := int64(n >> 32)
	frac := uint64(n & 0xffffffff)
	if secs&0x80000000 == 0 {
		secs += 1 << 32
	}
	nsec := int64((frac * 1e9) >> 32)
	return time.Unix(secs-ntpEpochOffset, nsec).UTC()
}

// NTPPacket is the part of an SNTP message CalendarBot uses.
type NTPPacket struct {
	Leap      uint8 // 0..3; 3 = the server's clock is not synchronised
	Version   uint8
	Mode      uint8
	Stratum   uint8
	RefID     [4]byte
	Originate NTPTime
	Receive   NTPTime
	Transmit  NTPTime
}

// Encode returns the 48-byte wire form.
func (p NTPPacket) Encode() []byte {
	b := make([]byte, ntpPacketLen)
	b[0] = p.Leap<<6 | (p.Version&7)<<3 | p.Mode&7
	b[1] = p.Stratum
	copy(b[12:16], p.RefID[:])
	binary.BigEndian.PutUint64(b[24:32], uint64(p.Originate))
	binary.BigEndian.PutUint64(b[32:40], uint64(p.Receive))
	binary.BigEndian.PutUint64(b[40:48], uint64(p.Transmit))
	return b
}

// DecodeNTP parses a message of at least 48 bytes.
func DecodeNTP(b []byte) (NTPPacket, error) {
	if len(b) < ntpPacketLen {
		return NTPPacket{}, fmt.Errorf("short NTP packet (%d bytes)", len(b))
	}
	var p NTPPacket
	p.Leap, p.Version, p.Mode = b[0]>>6, (b[0]>>3)&7, b[0]&7
	p.Stratum = b[1]
	copy(p.RefID[:], b[12:16])
	p.Originate = NTPTime(binary.BigEndian.Uint64(b[24:32]))
	p.Receive = NTPTime(binary.BigEndian.Uint64(b[32:40]))
	p.Transmit = NTPTime(binary.BigEndian.Uint64(b[40:48]))
	return p, nil
}

// SNTPResult is one accepted answer.
type SNTPResult struct {
	Server    string
	Offset    time.Duration // add to the local clock to get the server's time
	RoundTrip time.Duration
	Stratum   uint8
}

// CheckReply applies RFC 4330's sanity checks (section 5) to a reply to a
// request whose transmit timestamp was sent.
func CheckReply(p NTPPacket, sent NTPTime) error {
	switch {
	case p.Mode != ntpModeServer:
		return fmt.Errorf("reply has mode %d, not 4 (server)", p.Mode)
	case p.Version < 3 || p.Version > 4:
		return fmt.Errorf("reply has NTP version %d", p.Version)
	case p.Stratum == 0:
		return fmt.Errorf("kiss-o'-death %q from the server (it asks us to go away or slow down)", strings.TrimRight(string(p.RefID[:]), "\x00"))
	case p.Stratum > 15:
		return fmt.Errorf("reply has stratum %d (unsynchronised)", p.Stratum)
	case p.Leap == 3:
		return errors.New("the server's clock is not synchronised (leap indicator 3)")
	case p.Transmit == 0:
		return errors.New("reply has a zero transmit time")
	case p.Originate != sent:
		return errors.New("reply does not answer our request (originate time mismatch)")
	}
	return nil
}

// QuerySNTP asks server ("host" or "host:port"; port 123 by default) for
// the time. now is the local clock (with a monotonic reading, so that the
// round trip is measured right even if the wall clock is set meanwhile).
func QuerySNTP(ctx context.Context, dial DialFunc, server string, now func() time.Time, timeout time.Duration) (SNTPResult, error) {
	addr := server
	if _, _, err := net.SplitHostPort(server); err != nil {
		addr = net.JoinHostPort(strings.Trim(server, "[]"), "123")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := dial(ctx, "udp", addr)
	if err != nil {
		return SNTPResult{}, err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	// The transmit timestamp doubles as a nonce: its low 32 bits (below a
	// second) are random, which RFC 4330 allows; the offset is computed
	// from the local clock readings, not from it.
	var nonce [4]byte
	rand.Read(nonce[:])
	t1 := now()
	sent := ToNTP(t1)&^0xffffffff | NTPTime(binary.BigEndian.Uint32(nonce[:]))
	req := NTPPacket{Version: ntpVersion, Mode: ntpModeClient, Transmit: sent}
	if _, err := conn.Write(req.Encode()); err != nil {
		return SNTPResult{}, err
	}
	buf := make([]byte, 512)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return SNTPResult{}, err
		}
		t4 := now()
		p, err := DecodeNTP(buf[:n])
		if err != nil {
			continue // stray datagram
		}
		if p.Originate != sent && p.Mode == ntpModeServer {
			continue // an old or forged answer; keep waiting
		}
		if err := CheckReply(p, sent); err != nil {
			return SNTPResult{}, err
		}
		t2, t3 := p.Receive.Time(), p.Transmit.Time()
		rtt := t4.Sub(t1) - t3.Sub(t2)
		if rtt < 0 {
			rtt = 0
		}
		if t4.Sub(t1) > MaxRoundTrip {
			return SNTPResult{}, fmt.Errorf("round trip %s is over %s", t4.Sub(t1).Round(time.Millisecond), MaxRoundTrip)
		}
		// Offset = ((T2 - T1) + (T3 - T4)) / 2, computed so that no
		// intermediate overflows: T4 = T1 + (T4 - T1) on the monotonic clock.
		local := t1.Round(0)
		offset := (t2.Sub(local) + t3.Sub(local.Add(t4.Sub(t1)))) / 2
		return SNTPResult{Server: server, Offset: offset, RoundTrip: rtt, Stratum: p.Stratum}, nil
	}
}
