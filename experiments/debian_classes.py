"""Workload classes that run Debian's own programs, dynamically linked, with big heaps.

Users run real Debian programs, not only busybox applets and small static C
programs; these classes make the speed benchmark run them too: the dynamic
loader, shared libraries mapped from the initramfs, interpreters' indirect
dispatch, allocators with heaps of tens of MB. The programs and their
libraries come from Debian's mips64el archive (datasets/fetch_programs.py)
as a cpio appended to both peers' initramfs.

  sqlite    sqlite3: 100 000 rows into an indexed table of a database file in
            /tmp, a self-join, GROUP BY, UPDATE and DELETE (64 MiB page cache)
  perl      perl: a hash of 100 000 string keys, sorted with a comparator
  python    python3.11: 300 000 items into a dict of lists, objects sorted by key
  lua       lua5.4: 300 000 items into a table of tables, sorted with a closure
  xz        xz -6 (8 MiB dictionary, ~94 MB of match-finder tables) of 1 MiB of
            the generated text, through sha256sum
  gawk      gawk: a word count of the generated text in an associative array

Each result line is checked for its form here, and workload_classes.py checks
that it is the same under every peer and rep (the programs compute the same
bytes whatever the kernel).
"""
import re

CLASSES = ("sqlite", "perl", "python", "lua", "xz", "gawk")
TEXT_CLASSES = {"xz", "gawk"}  # read the generated text in /tmp/t
SIZES = {
    "full": {"sqlite_rows": 100000, "perl_keys": 100000, "python_items": 300000, "lua_items": 300000,
             "xz_kib": 1024},
    "quick": {"sqlite_rows": 2000, "perl_keys": 2000, "python_items": 6000, "lua_items": 6000, "xz_kib": 64},
}
# What a correct run prints, in form; the values must agree between peers.
RESULT = {
    "sqlite": re.compile(r"\d+\|\d+\|[0-9A-F]+\n\d+\|\d+\n(\d+\|\d+\|\d+\n){2}\d+\|\d+"),
    "perl": re.compile(r"keys=\d+ sum=\d+ words=\d+"),
    "python": re.compile(r"keys=\d+ sum=\d+ text=\d+"),
    "lua": re.compile(r"keys=\d+ sum=\d+ len=\d+"),
    "xz": re.compile(r"[0-9a-f]{64}  -"),
    "gawk": re.compile(r"words=\d+ distinct=\d+ max=\d+"),
}


def commands(z):
    """{class: the command the console runs}."""
    return {
        "sqlite": f"/wc/sqlite.sh {z['sqlite_rows']}",
        "perl": f"perl /wc/perl.pl {z['perl_keys']}",
        "python": f"python3.11 /wc/python.py {z['python_items']}",
        "lua": f"lua5.4 /wc/lua.lua {z['lua_items']}",
        "xz": f"/wc/xz.sh {z['xz_kib']}",
        "gawk": "/wc/gawk.sh",
    }


def check(name, out):
    """(ok, the result that must agree between peers, detail)."""
    ok = RESULT[name].fullmatch(out) is not None
    return ok, out if ok else None, "" if ok else f"got {out[-300:]!r}"


# The guest's files, in /wc beside workload_classes.py's scripts.
SCRIPTS = {
    "sqlite.sh": """#!/bin/sh
# $1 rows into an indexed table of a database file in /tmp, then joins and aggregates
rm -f /tmp/db
sqlite3 /tmp/db <<SQL
PRAGMA cache_size=-65536;
CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<$1)
INSERT INTO t SELECT x, (x*7919)%100003, hex(x*x*2654435761) FROM c;
CREATE INDEX tk ON t(k);
CREATE INDEX ts ON t(s);
SELECT count(*), sum(k), max(s) FROM t;
SELECT count(*), sum(a.id) FROM t a JOIN t b ON a.k=b.id WHERE b.k<20000;
SELECT k%97, count(*), sum(length(s)) FROM t GROUP BY k%97 ORDER BY 3 DESC, 1 LIMIT 2;
UPDATE t SET s=s||'x' WHERE id%3=0;
DELETE FROM t WHERE k%5=0;
SELECT count(*), sum(length(s)) FROM t;
SQL
rm -f /tmp/db
""",
    "perl.pl": """# Hashes, strings and sorting over $ARGV[0] keys: a heap of tens of MB
my $n = $ARGV[0]; my %h; my $x = 1;
for my $i (1 .. $n) {
    $x = ($x * 1103515245 + 12345) % 2147483648;
    my $k = sprintf("k%x", $x % ($n * 2));
    $h{$k} .= chr(97 + $i % 26);
}
my $s = 0; my $m = 0;
for my $k (sort { length($h{$a}) <=> length($h{$b}) or $a cmp $b } keys %h) {
    $s = ($s * 31 + length($k) + ord($h{$k})) % 1000000007; $m++;
}
my @w = map { join("", reverse split //, $_) } (keys %h)[0 .. 999];
print "keys=$m sum=$s words=", scalar(@w), "\\n";
""",
    "python.py": """# Dictionaries, lists, objects and strings over argv[1] items
import sys
n = int(sys.argv[1])
d, x = {}, 1
for i in range(n):
    x = (x * 1103515245 + 12345) % 2147483648
    d.setdefault(x % (n // 3), []).append(i)
class P:
    __slots__ = ("k", "v")
    def __init__(s, k, v): s.k, s.v = k, v
ps = sorted((P(k, len(v)) for k, v in d.items()), key=lambda p: (p.v, p.k))
s = 0
for p in ps: s = (s * 31 + p.k + p.v) % 1000000007
t = "".join(str(p.k) for p in ps[:20000])
print("keys=%d sum=%d text=%d" % (len(d), s, t.count("7")))
""",
    "lua.lua": """-- Tables, closures and strings over arg[1] items
local n = tonumber(arg[1]); local t = {}; local x = 1
for i = 1, n do
  x = (x * 1103515245 + 12345) % 2147483648
  local k = x % (n // 2)
  local e = t[k]; if e then e[#e + 1] = i else t[k] = {i} end
end
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
table.sort(keys, function(a, b) if #t[a] ~= #t[b] then return #t[a] < #t[b] end return a < b end)
local s = 0
for _, k in ipairs(keys) do s = (s * 31 + k + #t[k]) % 1000000007 end
local parts = {}
for i = 1, 20000 do parts[i] = string.format("%x", keys[i] or 0) end
local str = table.concat(parts, ",")
print(string.format("keys=%d sum=%d len=%d", #keys, s, #str))
""",
    "xz.sh": """#!/bin/sh
# $1 KiB of the text through xz -6, single-threaded
head -c $(($1*1024)) /tmp/t | /usr/bin/xz -6 -T1 | sha256sum
""",
    "gawk.sh": """#!/bin/sh
gawk '{ for (i = 1; i <= NF; i++) { c[$i]++; n++ } } END { for (w in c) { u++; if (c[w] > m) m = c[w] } print "words=" n " distinct=" u " max=" m }' /tmp/t
""",
}
