package appliance

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

func TestNTPTimeRoundTrip(t *testing.T) {
	for _, s := range []string{"1970-01-01T00:00:00Z", "2026-01-15T09:00:00.5Z", "2036-02-07T06:28:16Z", "2040-06-01T12:00:00.25Z"} {
		tm, _ := time.Parse(time.RFC3339Nano, s)
		got := ToNTP(tm).Time()
		if d := got.Sub(tm); d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("%s -> %s", s, got)
		}
	}
	// 2036-02-07T06:28:16Z is NTP second 2^32: era 1 starts at 0.
	if n := ToNTP(time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC)); n>>32 != 0 {
		t.Errorf("era 1 start = %x", n>>32)
	}
}

func TestNTPPacketEncodeDecode(t *testing.T) {
	p := NTPPacket{Leap: 0, Version: 4, Mode: 3, Stratum: 2, RefID: [4]byte{'G', 'P', 'S', 0}, Originate: 1, Receive: 2, Transmit: 3}
	b := p.Encode()
	if len(b) != 48 || b[0] != 0x23 {
		t.Fatalf("encoded %x", b[:4])
	}
	q, err := DecodeNTP(b)
	if err != nil || q != p {
		t.Errorf("decoded %+v, %v", q, err)
	}
	if _, err := DecodeNTP(b[:47]); err == nil {
		t.Error("short packet accepted")
	}
}

// fakeNTP answers one request per reply function on 127.0.0.1.
func fakeNTP(t *testing.T, serverTime time.Time, mutate func(req, resp *NTPPacket)) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			req, err := DecodeNTP(buf[:n])
			if err != nil || req.Mode != 3 {
				continue
			}
			resp := NTPPacket{Version: req.Version, Mode: 4, Stratum: 2, RefID: [4]byte{'T', 'E', 'S', 'T'},
				Originate: req.Transmit, Receive: ToNTP(serverTime), Transmit: ToNTP(serverTime.Add(time.Millisecond))}
			if mutate != nil {
				mutate(&req, &resp)
			}
			pc.WriteTo(resp.Encode(), addr)
		}
	}()
	return pc.LocalAddr().String()
}

func dialer() DialFunc {
	var d net.Dialer
	return d.DialContext
}

func TestQuerySNTP(t *testing.T) {
	serverTime := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	addr := fakeNTP(t, serverTime, nil)
	// The local clock is 1 hour behind.
	local := func() time.Time { return time.Now().Add(serverTime.Sub(time.Now()) - time.Hour) }
	r, err := QuerySNTP(context.Background(), dialer(), addr, local, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if d := r.Offset - time.Hour; d > 50*time.Millisecond || d < -50*time.Millisecond {
		t.Errorf("offset = %s, want about 1h", r.Offset)
	}
	if r.Stratum != 2 || r.Server != addr {
		t.Errorf("result = %+v", r)
	}
}

func TestQuerySNTPSanityChecks(t *testing.T) {
	serverTime := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		mutate func(req, resp *NTPPacket)
		want   string
	}{
		"mode":     {func(_, r *NTPPacket) { r.Mode = 5 }, "mode 5"},
		"kod":      {func(_, r *NTPPacket) { r.Stratum, r.RefID = 0, [4]byte{'R', 'A', 'T', 'E'} }, "kiss-o'-death \"RATE\""},
		"stratum":  {func(_, r *NTPPacket) { r.Stratum = 16 }, "stratum 16"},
		"transmit": {func(_, r *NTPPacket) { r.Transmit = 0 }, "zero transmit"},
		"leap":     {func(_, r *NTPPacket) { r.Leap = 3 }, "not synchronised"},
		"version":  {func(_, r *NTPPacket) { r.Version = 2 }, "version 2"},
	} {
		t.Run(name, func(t *testing.T) {
			addr := fakeNTP(t, serverTime, tc.mutate)
			_, err := QuerySNTP(context.Background(), dialer(), addr, time.Now, 2*time.Second)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestQuerySNTPIgnoresForeignReplies(t *testing.T) {
	// A reply to someone else's request (wrong originate) is ignored, so
	// the query times out.
	addr := fakeNTP(t, time.Now(), func(_, r *NTPPacket) { r.Originate++ })
	_, err := QuerySNTP(context.Background(), dialer(), addr, time.Now, 300*time.Millisecond)
	if err == nil {
		t.Fatal("forged reply accepted")
	}
}

func TestQuerySNTPRoundTripBound(t *testing.T) {
	addr := fakeNTP(t, time.Now(), nil)
	calls := 0
	slow := func() time.Time {
		calls++
		if calls > 1 {
			return time.Now().Add(3 * time.Second) // the reply "took" 3 s
		}
		return time.Now()
	}
	_, err := QuerySNTP(context.Background(), dialer(), addr, slow, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "round trip") {
		t.Errorf("err = %v", err)
	}
}

// netListenUDP returns the address of a UDP socket that never answers.
func netListenUDP(t *testing.T) (string, net.PacketConn) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String(), pc
}
