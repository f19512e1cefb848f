# check.py - the JSON of `show` against what was imported, field by field
# (exact code points), and the CSV and table outputs of search and match.
import csv, io, json, os, subprocess

K = os.environ['KGMATCH']
expect = json.load(open('expect.json'))
for kind, want in expect.items():
    out = subprocess.run([K, 'show', kind, want['id'], '--format', 'json'],
                         capture_output=True).stdout
    got = json.loads(out)['record']
    bad = [f for f in want if got.get(f) != want[f]]
    print('%-12s %s' % (kind, 'verbatim' if not bad else 'DIFFERS: ' + ' '.join(bad)))

def csv_check(what, args, col):
    out = subprocess.run([K] + args + ['--format', 'csv'],
                         capture_output=True).stdout.decode('utf-8')
    rows = list(csv.reader(io.StringIO(out, newline='')))
    head = rows[0]
    ok = all(len(r) == len(head) for r in rows)
    key = head.index('id' if 'id' in head else 'item_id')
    titles = {r[key]: r[head.index(col)] for r in rows[1:]}
    exact = all(titles[i] == expect[k]['title' if 'title' in expect[k] else 'name']
                for k in expect for i in [expect[k]['id']] if i in titles)
    print('%s csv: %d rows, columns %s, titles %s' % (
        what, len(rows) - 1, 'all %d' % len(head) if ok else 'WRONG',
        'verbatim' if exact else 'DIFFER'))

def table_check(what, args):
    out = subprocess.run([K] + args, capture_output=True).stdout.decode('utf-8')
    lines = out.split('\n')[:-1]
    raw = [c for c in out if (ord(c) < 0x20 and c != '\n') or c in
           '\u202e\u202c\u2066\u2069\u200f\uffff\ufffe\u007f']
    shown = [e for e in ('\\t', '\\n', '\\r', '\\x01', '\\u202E', '\\uFFFF')
             if e in out]
    print('%s table: %d lines, raw controls %d, escapes shown: %s' % (
        what, len(lines), len(raw), ' '.join(shown)))

csv_check('search', ['search', '铝灰', '--top', '10'], 'label')
table_check('search', ['search', '铝灰', '--top', '10'])
csv_check('match', ['match', '--demand', 'D9', '--top', '5'], 'title')
table_check('match', ['match', '--demand', 'D9', '--top', '5'])
for kind in expect:
    table_check('show ' + kind, ['show', kind, expect[kind]['id']])
