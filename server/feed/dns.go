package feed

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	dnsTTL        = 5 * time.Minute
	dnsMaxEntries = 128 // a handful of feed hosts; bounded anyway
)

// dnsCache sits between http.Transport's DialContext and the resolver.
// Fresh answers are served for dnsTTL; after that the resolver is asked
// again, and if it fails the last good answer is served (stale) for as long
// as the resolver keeps failing. Concurrent lookups of one host share a
// single resolver call.
type dnsCache struct {
	res *net.Resolver
	now func() time.Time

	mu      sync.Mutex
	entries map[string]dnsEntry
	group   singleflight.Group
}

type dnsEntry struct {
	addrs   []netip.Addr
	expires time.Time
}

func newDNSCache(res *net.Resolver, now func() time.Time) *dnsCache {
	if res == nil {
		res = net.DefaultResolver
	}
	return &dnsCache{res: res, now: now, entries: make(map[string]dnsEntry)}
}

// lookup returns the addresses of host, from the cache when fresh.
func (c *dnsCache) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	key := strings.ToLower(strings.TrimSuffix(host, "."))
	c.mu.Lock()
	old, have := c.entries[key]
	c.mu.Unlock()
	if have && c.now().Before(old.expires) {
		dnsHit.Inc()
		return old.addrs, nil
	}

	ch := c.group.DoChan(key, func() (any, error) {
		// The shared lookup is not tied to the first caller's cancellation,
		// only to the dial timeout, so one impatient caller cannot fail the
		// others that joined it.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), dialTimeout)
		defer cancel()
		ips, err := c.res.LookupNetIP(lctx, "ip", host)
		if err == nil && len(ips) == 0 {
			err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		if err != nil {
			return nil, err
		}
		addrs := make([]netip.Addr, len(ips))
		for i, ip := range ips {
			addrs[i] = ip.Unmap()
		}
		c.store(key, addrs)
		return addrs, nil
	})
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		if have {
			dnsStale.Inc()
			return old.addrs, nil
		}
		return nil, ctx.Err()
	}
	if res.Err == nil {
		dnsMiss.Inc()
		return res.Val.([]netip.Addr), nil
	}
	if have {
		// The resolver failed (flaky Wi-Fi, captive portal, upstream DNS
		// outage): the host most likely still lives where it did.
		dnsStale.Inc()
		return old.addrs, nil
	}
	dnsMiss.Inc()
	return nil, res.Err
}

func (c *dnsCache) store(key string, addrs []netip.Addr) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= dnsMaxEntries {
		// Evict the entry that expired first.
		var victim string
		var oldest time.Time
		for k, e := range c.entries {
			if victim == "" || e.expires.Before(oldest) {
				victim, oldest = k, e.expires
			}
		}
		delete(c.entries, victim)
	}
	c.entries[key] = dnsEntry{addrs: addrs, expires: now.Add(dnsTTL)}
}

// dialer resolves through the cache and dials the addresses in order, IPv4
// first (the appliance's IPv6 is often half-configured), giving each attempt
// a fair share of the remaining dial time.
type dialer struct {
	cache *dnsCache
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return d.dial(ctx, network, addr)
	}
	addrs, err := d.cache.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	var v4, v6 []netip.Addr
	for _, a := range addrs {
		if a.Is4() {
			v4 = append(v4, a)
		} else {
			v6 = append(v6, a)
		}
	}
	switch network {
	case "tcp4":
		v6 = nil
	case "tcp6":
		v4 = nil
	}
	ordered := append(v4, v6...)
	if len(ordered) == 0 {
		return nil, &net.DNSError{Err: "no suitable address", Name: host, IsNotFound: true}
	}
	var errs []error
	for i, a := range ordered {
		actx := ctx
		if dl, ok := ctx.Deadline(); ok {
			left := time.Until(dl)
			share := left / time.Duration(len(ordered)-i)
			if share < 2*time.Second {
				share = min(2*time.Second, left)
			}
			var c context.CancelFunc
			actx, c = context.WithTimeout(ctx, share)
			defer c()
		}
		conn, err := d.dial(actx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, errors.Join(errs...)
}
