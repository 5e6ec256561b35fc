/* CalendarBot kiosk, plain ES2017: ticks every second on the server's clock,
   polls /api/whats-next every 30 s. Data goes in via textContent only. */
(() => {
'use strict';
const d = document, E = {}, M = Math, fl = M.floor;
'banners allday chips cur free nx none later left prog cd next badge ffor sr clock date updated conn toast skip init'
	.split(' ').forEach(i => { E[i] = d.getElementById(i); });
d.documentElement.classList.replace('no-js', 'js');
const COLOR = /^#[0-9a-f]{6}$/i, WD = 'SunMonTueWedThuFriSat', MO = 'JanFebMarAprMayJunJulAugSepOctNovDec';
let off, zoneOff = 0, today, tomorrow, S, srAt = Date.now(), bKey, busy, again, toastT;

const q = (el, c) => el.querySelector('.' + c);
const txt = (el, s) => { if (el.textContent !== s) el.textContent = s; };
const show = (el, on) => { el.hidden = !on; };
const now = () => Date.now() + (off || 0);
const P = Date.parse;

const sync = (iso, local) => {
	const s = P(iso), m = /([+-])(\d\d):(\d\d)$/.exec(iso);
	if (isNaN(s)) return;
	if (!(M.abs(s - local - off) < 1500)) off = s - local;
	zoneOff = m ? (m[1] + 60000) * (m[2] * 60 + +m[3]) : 0;
};
// wall: "YYYY-MM-DDTHH:MM" in the display zone (now_iso's offset).
const wall = ms => new Date(ms + zoneOff).toISOString().slice(0, 16);
const day = (s, n) => new Date(Date.UTC(+s.slice(0, 4), s.slice(5, 7) - 1, +s.slice(8, 10) + n));
const ymd = s => s.slice(0, 10), hm = s => s.slice(11, 16), p2 = n => (n < 10 ? '0' : '') + n;
const dl = s => { const t = day(s, 0), w = t.getUTCDay() * 3, m = t.getUTCMonth() * 3;
	return `${WD.slice(w, w + 3)} ${t.getUTCDate()} ${MO.slice(m, m + 3)}`; };
const hmin = s => `${fl(s / 3600)} h ${p2(fl(s % 3600 / 60))} min`;
const dclock = s => s < 3600 ? p2(fl(s / 60)) + ':' + p2(s % 60) : hmin(s);
const dwords = s => s < 60 ? 'under 1 min' : s < 3600 ? fl(s / 60) + ' min' : hmin(s);
const until = (iso, t) => M.max(0, M.ceil((P(iso) - t) / 1000));
const inst = iso => { const w = wall(P(iso)); return (ymd(w) === today ? '' : dl(w) + ' ') + hm(w); };
const soon = (m, s) => !m.all_day && (s < 3600 || ymd(m.start_local) === today);
const range = m => {
	const s = m.start_local, e = m.end_local, sd = ymd(s);
	if (m.all_day) return sd === today ? 'All day' : dl(sd) + ' · all day';
	const r = (sd === today ? '' : dl(sd) + ' ') + hm(s);
	return ymd(e) === sd ? r + '–' + hm(e) : `${r} – ${dl(e)} ${hm(e)}`;
};
const countdown = (m, s) => {
	const sd = ymd(m.start_local), t = m.all_day ? '' : ' ' + hm(m.start_local);
	return soon(m, s) ? 'in ' + dclock(s) : sd === tomorrow ? 'tomorrow' + t : sd === today ? 'today' : dl(sd) + t;
};
const ago = (iso, t) => {
	if (!iso) return 'not updated yet';
	const s = fl((t - P(iso)) / 1000);
	return s < 60 ? 'updated just now' : `updated ${s < 3600 ? fl(s / 60) + ' min' : fl(s / 3600) + ' h'} ago`;
};
const srText = t => {
	const c = S.cur, n = S.next, r = [];
	if (c) r.push(`Now: ${c.subject}${c.all_day ? '' : ', ' + dwords(until(c.end_local, t)) + ' left'}.`);
	if (!n) r.push('No more meetings.');
	else { const s = until(n.start_local, t); r.push(`Next: ${n.subject}, ${soon(n, s) ? 'in ' + dwords(s) : range(n)}.`); }
	return r.join(' ');
};
const bannerList = D => {
	const out = [], f = (D.feeds || []).filter(f => f.stale || f.error),
		msg = (n, t) => `Calendar${n} could not be refreshed${t ? ' since ' + inst(t) : ''} — showing saved data`;
	if (!D.initialized) out.push(['Calendar not loaded yet — waiting for the first refresh']);
	f.forEach(f => out.push([f.last_success_iso ? msg(` '${f.name}'`, f.last_success_iso) : `Calendar '${f.name}' could not be loaded`, (f.error || '').replace(/^feed "[^"]*": /, '')]));
	if (D.stale && !f.length) out.push([msg('', D.stale_since_iso || D.updated_iso)]);
	return out;
};

const mk = (tag, cls, s) => { const e = d.createElement(tag); e.className = cls; e.textContent = s || ''; return e; };
const span = (p, cls, s, attr, v) => { const e = mk('span', cls, s); if (attr) e.setAttribute(attr, v); p.append(e, ' '); };
const fill = (el, m) => {
	show(el, m);
	if (!m) return;
	[['title', m.subject], ['range', range(m)], ['loc', m.location], ['cal', m.calendar]].forEach(([c, v]) => {
		const e = q(el, 'm-' + c);
		if (e) txt(e, v || '');
	});
	el.classList.toggle('tentative', m.status === 'TENTATIVE');
	el.classList.toggle('allday', !!m.all_day);
	if (COLOR.test(m.color)) el.style.setProperty('--cal', m.color); else el.style.removeProperty('--cal');
};

// li: a "later" item (r: with its time range) or an all-day chip.
const li = (m, cls, r) => {
	const e = mk('li', cls);
	span(e, 'dot', '', 'aria-hidden', 'true');
	if (r) span(e, 'm-range');
	span(e, 'm-title', '', 'dir', 'auto');
	fill(e, m);
	return e;
};

const render = full => {
	const t = now(), w = wall(t), c = S.cur, n = S.next;
	let s = 0, lv = '';
	today = ymd(w);
	tomorrow = day(today, 1).toISOString().slice(0, 10);
	if (full) {
		fill(E.cur, c);
		show(E.free, !c);
		fill(E.nx, n);
		show(E.none, !n);
		E.later.replaceChildren(...S.later.slice(0, 3).map(m => li(m, 'meeting', 1)));
		// all day: up to 4 chips, or 3 and "+N more" (as web.go)
		const a = S.allday, x = a.length > 4 ? 3 : 4;
		show(E.allday, a.length);
		E.chips.replaceChildren(...a.slice(0, x).map(m => li(m, 'chip')));
		if (a.length > x) E.chips.append(mk('li', 'chip more', `+${a.length - x} more`));
		const b = bannerList(S.data), k = JSON.stringify(b);
		if (k !== bKey) {
			bKey = k;
			E.banners.replaceChildren(...b.map(x => {
				const p = mk('p', 'banner');
				p.setAttribute('role', 'alert');
				span(p, 'banner-icon', '⚠', 'aria-hidden', 'true');
				span(p, '', x[0]);
				if (x[1]) span(p, 'banner-detail', x[1], 'dir', 'auto');
				return p;
			}));
		}
	}
	txt(E.clock, hm(w));
	txt(E.date, dl(w));
	txt(E.updated, ago(S.data.updated_iso, t));
	if (c) {
		const a = P(c.start_local), b = P(c.end_local);
		txt(E.left, c.all_day ? 'all day' : dclock(until(c.end_local, t)));
		// <progress> clamps to 0..max itself
		E.prog.value = c.all_day || b <= a ? 0 : fl((t - a) * 1000 / (b - a));
	}
	if (n) {
		s = until(n.start_local, t);
		txt(E.cd, countdown(n, s));
		if (!n.all_day) lv = s <= 120 ? 'critical' : s <= 900 ? 'urgent' : '';
	}
	['urgent', 'critical'].forEach(x => E.next.classList.toggle(x, lv === x));
	txt(E.badge, lv === 'critical' ? '● Starting' : lv ? '▲ Soon' : '');
	show(E.badge, lv);
	txt(E.ffor, !n ? 'nothing else scheduled' : ymd(n.start_local) !== today ? 'for the rest of the day'
		: `for ${dwords(s)} · until ${hm(n.start_local)}`);
	// screen readers: at most once a minute
	if (Date.now() - srAt >= 60000) {
		const r = srText(t);
		if (r !== E.sr.textContent) { srAt = Date.now(); E.sr.textContent = r; }
	}
};

const apply = (j, local) => {
	sync(j.now_iso, local);
	S = { cur: j.current, next: j.meeting, later: j.later || [], allday: j.all_day_today || [], data: j.data || {} };
	render(1);
};
// tick moves meetings along as time passes, then asks the server; at
// midnight yesterday's all-day events go at once.
const tick = () => {
	const t = now();
	let moved = 0;
	if (ymd(wall(t)) !== today) { S.allday = S.allday.filter(m => P(m.end_local) > t); moved = 1; }
	if (S.cur && P(S.cur.end_local) <= t) { S.cur = null; moved = 1; }
	if (S.next && P(S.next.start_local) <= t) { S.cur = S.next; S.next = S.later.shift(); moved = 1; }
	render(moved);
	if (moved) setTimeout(poll, 1500);
};
const loop = () => { tick(); setTimeout(loop, 1005 - now() % 1000); };
const poll = () => {
	if (busy) { again = 1; return; }
	busy = 1;
	const t0 = Date.now();
	fetch('/api/whats-next', { cache: 'no-store' })
		.then(r => { if (!r.ok) throw r.status; return r.json(); })
		.then(j => { apply(j, (t0 + Date.now()) / 2); show(E.conn, 0); }, () => show(E.conn, 1))
		.then(() => { busy = 0; if (again) { again = 0; poll(); } });
};
const toast = s => {
	txt(E.toast, s);
	clearTimeout(toastT);
	toastT = setTimeout(() => txt(E.toast, ''), 5000);
};
E.skip.addEventListener('click', () => {
	if (!S.next) return;
	E.skip.disabled = true;
	fetch('/api/skip', { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ meeting_id: S.next.meeting_id }) })
		.then(r => r.status === 403 || r.status === 401 ? toast('Skipping needs the admin token')
			: r.ok ? poll() : toast('Skip failed'), () => toast('Skip failed: connection lost'))
		.then(() => { E.skip.disabled = false; });
});

const init = JSON.parse(E.init.textContent);
init.now_iso = d.body.dataset.now;
apply(init, Date.now());
loop();
setInterval(poll, 30000);
d.addEventListener('visibilitychange', () => { if (!d.hidden) poll(); });
})();
