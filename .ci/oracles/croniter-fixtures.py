#!/usr/bin/env python3
"""Writes Tests/BatonCronTests/Fixtures/croniter.json: croniter's next 100 fire times for a few hundred
generated cron expressions in several time zones, many starting just before a DST change.

croniter (PyPI) is the outside oracle for Baton's cron evaluator (Sources/BatonCron); the test
(CroniterOracleTests) compares and lists every disagreement with its reason. Regenerate with
`make cron-oracle` (needs `pip install croniter`); the output is deterministic for a given croniter
version and tz database, both recorded in the file.

Conventions matched here: six fields put seconds first (croniter's second_at_beginning=True).
A fifth of the cases in zones with DST name a time of day in the hour a change passes through.
Where Baton follows Vixie cron instead of croniter, the file also records croniter's answer under
Baton's rule, so the test can tell a known difference from a defect:
- day of month and day of week both restricted are ORed, but a field written with a leading `*`
  (`*/2`) counts as unrestricted, so they are ANDed (croniter ORs): `andFires` = day_or=False.
"""
import json, random, sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
from importlib.metadata import version
from croniter import croniter

random.seed(20261207)
MONTHS = ['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec']
DAYS = ['sun','mon','tue','wed','thu','fri','sat']
# zone -> DST changes in 2026 (local dates); starts are placed just before them
ZONES = {
    'UTC': [],
    'Europe/Berlin': ['2026-03-29T00:00', '2026-10-25T00:00'],
    'America/New_York': ['2026-03-08T00:00', '2026-11-01T00:00'],
    'Australia/Sydney': ['2026-04-05T00:00', '2026-10-04T00:00'],
    'Asia/Kolkata': [],
}

def field(lo, hi, names=None, allow_l=False):
    r = random.random()
    def val():
        v = random.randint(lo, hi)
        if names and random.random() < 0.3:
            return names[v - lo] if lo <= v - 0 and v - lo < len(names) else str(v)
        return str(v)
    if r < 0.30: return '*'
    if r < 0.45: return '*/%d' % random.choice([n for n in (2, 3, 4, 5, 6, 10, 15, 20, 30) if n <= hi - lo])
    if r < 0.60: return val()
    if r < 0.72:
        return ','.join(sorted({str(random.randint(lo, hi)) for _ in range(random.randint(2, 4))}, key=int))
    if r < 0.84:
        a = random.randint(lo, hi); b = random.randint(a, hi); return '%d-%d' % (a, b)
    if r < 0.92:
        a = random.randint(lo, hi); b = random.randint(a, hi); return '%d-%d/%d' % (a, b, random.randint(1, max(1, min(4, b - a))))
    if allow_l and r < 0.96: return 'L'
    return '%d/%d' % (random.randint(lo, hi), random.randint(1, min(6, hi - lo)))

# The local hour each zone's DST changes pass through, for wall-clock cases that meet them.
CHANGE_HOURS = {'Europe/Berlin': [2], 'America/New_York': [1, 2], 'Australia/Sydney': [2]}

def wall_clock_in_change_hour(zone):
    minute = random.choice([str(random.randint(0, 59)), '0,30', '%d-%d' % (random.randint(0, 20), random.randint(30, 59))])
    parts = [minute, str(random.choice(CHANGE_HOURS[zone])), '*', '*', '*']
    if random.random() < 0.3:
        parts.insert(0, str(random.randint(0, 59)))
    return ' '.join(parts)

def expression():
    if random.random() < 0.04:
        return random.choice(['@hourly', '@daily', '@midnight', '@weekly', '@monthly', '@yearly', '@annually'])
    minute = field(0, 59); hour = field(0, 23)
    # keep most day fields open, or the 100 fire times stretch over decades
    dom = field(1, 31, allow_l=True) if random.random() < 0.35 else '*'
    month = field(1, 12, MONTHS) if random.random() < 0.25 else '*'
    dow = field(0, 6, DAYS) if random.random() < 0.35 else '*'
    parts = [minute, hour, dom, month, dow]
    if random.random() < 0.25:
        parts.insert(0, field(0, 59))
    return ' '.join(parts)

def starts_with_star(f): return f.startswith('*') or f == '?'

def fires(expr, zone, start, day_or=True):
    six = len(expr.split()) == 6
    it = croniter(expr, start, day_or=day_or, second_at_beginning=six)
    return [int(it.get_next(datetime).timestamp()) for _ in range(100)]

cases = []
while len(cases) < 300:
    zone = list(ZONES)[len(cases) % len(ZONES)]
    expr = wall_clock_in_change_hour(zone) if zone in CHANGE_HOURS and random.random() < 0.2 else expression()
    z = ZoneInfo(zone)
    if ZONES[zone] and random.random() < 0.7:
        base = datetime.fromisoformat(random.choice(ZONES[zone])).replace(tzinfo=z)
        start = base.timestamp() - random.randint(0, 36 * 3600)
    else:
        start = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() + random.randint(0, 700 * 86400)
    start = int(start) + random.choice([0, 0, 0, 17])
    try:
        got = fires(expr, zone, datetime.fromtimestamp(start, z))
    except Exception as error:  # croniter rejects it: not a case for the comparison
        print('skipped %r: %s' % (expr, error), file=sys.stderr)
        continue
    case = {'expression': expr, 'zone': zone, 'start': start, 'fires': got}
    parts = expr.split()
    if len(parts) >= 5:
        dom, dow = parts[-3], parts[-1]
        if dom != '*' and dow != '*' and (starts_with_star(dom) or starts_with_star(dow)):
            case['andFires'] = fires(expr, zone, datetime.fromtimestamp(start, z), day_or=False)
    cases.append(case)

tzdata = 'system'
try:
    import tzdata as tzdata_module
    tzdata = 'tzdata ' + tzdata_module.IANA_VERSION
except ImportError:
    pass
out = {'oracle': 'croniter ' + version('croniter'), 'tz': tzdata, 'cases': cases}
json.dump(out, sys.stdout, separators=(',', ':'))
