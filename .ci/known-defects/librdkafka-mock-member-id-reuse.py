#!/usr/bin/env python3
"""Reproduces, without Baton, the abort of librdkafka 2.0.2's mock cluster (Baton's embedded broker):

    rdkafka_mock_cgrp.c:567: rd_kafka_mock_cgrp_member_add: Assertion `!member->resp' failed.

The mock names a new group member "%p", the address of its calloc'ed struct.  When a member's
session expires the struct is freed, so a member that joins later can be given the same address and
so the same member id.  A client that still holds the old id (a process woken from SIGSTOP, or one
that missed a rebalance) and sends JoinGroup while the new member's JoinGroup is being held finds
that member, whose response is pending, and the assertion aborts the whole broker process.

Here: A joins with a 4 s session and goes silent (expired, freed); B joins with an empty id and its
JoinGroup is held for the group's initial rebalance delay; meanwhile stale clients send JoinGroup
with every member id A was ever given.  Measured on Baton's dev-broker: the broker aborts at the
sixth round (about 70 s), every time.  Kafka itself names members client-id + UUID.

Usage: baton dev-broker --port 0 --bootstrap-file BS &  python3 librdkafka-mock-member-id-reuse.py BS
Exit 3 when the broker died (reproduced), 0 when it survived 12 rounds.
"""
import socket, struct, sys, time, threading

corr = 0
def s16(s):
    b = s.encode(); return struct.pack('>h', len(b)) + b
def req(sock, api, ver, body):
    global corr; corr += 1
    hdr = struct.pack('>hhi', api, ver, corr) + s16('repro')
    msg = hdr + body
    sock.sendall(struct.pack('>i', len(msg)) + msg)
def resp(sock):
    def rd(n):
        b = b''
        while len(b) < n:
            c = sock.recv(n - len(b))
            if not c: raise EOFError('connection closed')
            b += c
        return b
    n, = struct.unpack('>i', rd(4)); return rd(n)[4:]  # drop correlation id
class R:
    def __init__(s, b): s.b, s.o = b, 0
    def i16(s): v, = struct.unpack_from('>h', s.b, s.o); s.o += 2; return v
    def i32(s): v, = struct.unpack_from('>i', s.b, s.o); s.o += 4; return v
    def str(s):
        n = s.i16(); v = s.b[s.o:s.o+n].decode(); s.o += n; return v
def conn(host, port):
    c = socket.create_connection((host, port), timeout=20); return c
def find_coordinator(boot, group):
    c = conn(*boot); req(c, 10, 0, s16(group)); r = R(resp(c)); c.close()
    err = r.i16(); node = r.i32(); host = r.str(); port = r.i32()
    print(f'coordinator err={err} node={node} {host}:{port}', flush=True); return host, port
def join(c, group, member, session_ms):
    body = s16(group) + struct.pack('>i', session_ms) + s16(member) + s16('consumer') \
        + struct.pack('>i', 1) + s16('range') + struct.pack('>i', 4) + b'meta'
    req(c, 11, 0, body)
def join_resp(c):
    r = R(resp(c)); err = r.i16(); gen = r.i32(); proto = r.str(); leader = r.str(); member = r.str()
    return err, gen, member

host, port = open(sys.argv[1]).read().strip().split(':'); boot = (host, int(port))
old_ids = []  # every member id A was given; a freed struct's address may come back
for attempt in range(12):
    group = 'repro-%d-%d' % (int(time.time()), attempt); coord = find_coordinator(boot, group)
    a = conn(*coord); join(a, group, '', 4000); err, gen, ida = join_resp(a)
    print(f'[{attempt}] A joined err={err} gen={gen} id={ida}', flush=True)
    if ida not in old_ids:
        old_ids.append(ida)
    a.close()           # the member stays until its session expires
    time.sleep(6)       # > 4000 ms session: the mock expires A and frees its struct
    b = conn(*coord); join(b, group, '', 30000)   # B's join is held (the group waits for the initial delay)
    time.sleep(0.3)
    for old in old_ids:
        cst = conn(*coord); join(cst, group, old, 30000)   # stale client with a freed member's id
        time.sleep(0.05)
    try:
        err, gen, idb = join_resp(b)
    except Exception as e:
        print(f'[{attempt}] B: {e!r} -> broker died?', flush=True); sys.exit(3)
    print(f'[{attempt}] B joined err={err} id={idb} reused={idb in old_ids}', flush=True)
    b.close()
print('no abort in 12 attempts', flush=True)
