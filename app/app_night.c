/*
 * app_night.c - the night's results as they are produced: each demand is
 * appended to a spool (an unlinked file in the output directory) with a
 * small entry to sort it by, and the summary, the top partners and the best
 * cross-domain pairings are kept as running aggregates; the four files are
 * then written from them one demand at a time, under temporary names, and
 * renamed once all are complete. Memory grows with the demands by an entry
 * each, not by their matches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/app_batch_int.h"
#include "app/app_int.h"
#include "core/strmap.h"

#define PARTNERS_TOP 10

struct entry {
    char *enterprise, *id; /* the order of matches.json */
    off_t off;             /* the demand's compact JSON in the spool */
    size_t len;
};

/* An institution's best hit: the highest score, ties (and no positive
 * score at all) to the first in the files' order, as a reader meets it. */
struct partner {
    json_t *hit;
    char *enterprise, *demand; /* where the best hit is */
    size_t pos;                /* its place among that demand's matches */
    double best;
    size_t ndemands;
};

struct cross {
    double score;
    json_t *pair; /* {"demand": {id, title, domains}, "hit": ...} */
};

struct night {
    int fd;  /* the spool */
    FILE *f; /* ... written through this */
    off_t end;
    struct entry *v;
    size_t n, cap;
    size_t nnew, nchanged, npool, nmatches, ncross;
    struct strmap pid; /* institution id -> partner */
    struct partner *ps;
    size_t pcap;
    struct cross top[REPORT_CROSS_TOP];
    size_t ntop;
};

static kg_status ensure_dir(struct app_session *a, const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode)
                   ? KG_OK
                   : app_fail(a, KG_EIO, "%s is not a directory", dir);
    if (mkdir(dir, 0777) != 0)
        return app_fail(a, KG_EIO, "cannot create %s: %s", dir,
                        strerror(errno));
    return KG_OK;
}

kg_status night_new(struct app_session *a, const char *dir, struct night **out)
{
    *out = NULL;
    kg_status st = ensure_dir(a, dir);
    if (st != KG_OK)
        return st;
    /* never through a symlink someone placed at the name; unlinked at
     * once, so that a killed batch leaves no spool behind */
    char *path = kg_xasprintf("%s/.night.tmp", dir);
    int fd =
        open(path, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    FILE *f = NULL;
    if (fd < 0 || unlink(path) != 0 || !(f = fdopen(fd, "w+")))
        st = app_fail(a, KG_EIO, "%s: %s", path, strerror(errno));
    if (st != KG_OK && fd >= 0)
        close(fd);
    free(path);
    if (st != KG_OK)
        return st;
    struct night *n = kg_xcalloc(1, sizeof *n);
    n->fd = fd;
    n->f = f;
    *out = n;
    return KG_OK;
}

void night_free(struct night *n)
{
    if (!n)
        return;
    if (n->f)
        fclose(n->f);
    for (size_t i = 0; i < n->n; i++) {
        free(n->v[i].enterprise);
        free(n->v[i].id);
    }
    for (size_t i = 0; i < n->pid.n; i++) {
        json_decref(n->ps[i].hit);
        free(n->ps[i].enterprise);
        free(n->ps[i].demand);
    }
    for (size_t i = 0; i < n->ntop; i++)
        json_decref(n->top[i].pair);
    strmap_release(&n->pid);
    free(n->ps);
    free(n->v);
    free(n);
}

size_t night_demands(const struct night *n)
{
    return n->n;
}

size_t night_matches(const struct night *n)
{
    return n->nmatches;
}

/* ---- the aggregates ------------------------------------------------------ */

/* Whether demand (enterprise e, id) comes before demand (e2, id2) in the
 * files, or is it and hit pos comes first. */
static bool before(const char *e, const char *id, size_t pos, const char *e2,
                   const char *id2, size_t pos2)
{
    int c = strcmp(e, e2);
    if (!c)
        c = strcmp(id, id2);
    return c ? c < 0 : pos < pos2;
}

static void add_partner(struct night *n, const json_t *d, const json_t *h,
                        size_t pos)
{
    const char *id = sval(h, "id");
    bool added = false;
    uint32_t k = strmap_get(&n->pid, id, strlen(id), true, &added);
    if (k >= n->pcap) {
        n->pcap = n->pcap ? 2 * n->pcap : 64;
        n->ps = kg_xrealloc(n->ps, n->pcap * sizeof *n->ps);
    }
    struct partner *p = &n->ps[k];
    const char *e = sval(d, "enterprise"), *did = sval(d, "id");
    double s = rval(h, "score") > 0 ? rval(h, "score") : 0;
    if (added)
        *p = (struct partner){NULL, NULL, NULL, 0, 0, 0};
    p->ndemands++;
    if (p->hit &&
        !(s > p->best || (s == p->best && before(e, did, pos, p->enterprise,
                                                 p->demand, p->pos))))
        return;
    json_decref(p->hit);
    free(p->enterprise);
    free(p->demand);
    p->hit = json_incref((json_t *)h);
    p->enterprise = kg_xstrdup(e);
    p->demand = kg_xstrdup(did);
    p->pos = pos;
    p->best = s;
}

/* The order of the report's cross-domain table: best score first, then
 * by demand and item id. */
static int cmp_cross(double sa, const json_t *a, double sb, const json_t *b)
{
    if (sa != sb)
        return sa > sb ? -1 : 1;
    const json_t *da = json_object_get(a, "demand");
    const json_t *db = json_object_get(b, "demand");
    int c = strcmp(sval(da, "id"), sval(db, "id"));
    return c ? c
             : strcmp(sval(json_object_get(a, "hit"), "id"),
                      sval(json_object_get(b, "hit"), "id"));
}

static void add_cross(struct night *n, const json_t *d, const json_t *h)
{
    double s = rval(h, "score");
    json_t *pair = json_pack("{s:{s:s,s:s,s:s},s:O}", "demand", "id",
                             sval(d, "id"), "title", sval(d, "title"),
                             "domains", sval(d, "domains"), "hit", h);
    size_t i = n->ntop;
    while (i > 0 &&
           cmp_cross(s, pair, n->top[i - 1].score, n->top[i - 1].pair) < 0)
        i--;
    if (i >= REPORT_CROSS_TOP) {
        json_decref(pair);
        return;
    }
    if (n->ntop == REPORT_CROSS_TOP)
        json_decref(n->top[--n->ntop].pair);
    memmove(&n->top[i + 1], &n->top[i], (n->ntop - i) * sizeof *n->top);
    n->top[i] = (struct cross){s, pair};
    n->ntop++;
}

kg_status night_add(struct app_session *a, struct night *n,
                    const json_t *demand)
{
    /* full precision: the files print the very numbers matched */
    char *js = json_dumps(demand, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t len = strlen(js);
    bool ok = fwrite(js, 1, len, n->f) == len;
    free(js);
    if (!ok)
        return app_fail(a, KG_EIO, "writing the night's spool: %s",
                        strerror(errno));
    if (n->n == n->cap) {
        n->cap = n->cap ? 2 * n->cap : 256;
        n->v = kg_xrealloc(n->v, n->cap * sizeof *n->v);
    }
    n->v[n->n++] = (struct entry){kg_xstrdup(sval(demand, "enterprise")),
                                  kg_xstrdup(sval(demand, "id")), n->end, len};
    n->end += (off_t)len;
    const char *why = sval(demand, "why");
    n->nnew += !strcmp(why, "new");
    n->nchanged += !strcmp(why, "changed");
    n->npool += !strcmp(why, "pool");
    const json_t *ms = json_object_get(demand, "matches");
    n->nmatches += json_array_size(ms);
    for (size_t j = 0; j < json_array_size(ms); j++) {
        const json_t *h = json_array_get(ms, j);
        if (json_is_true(json_object_get(h, "cross_domain"))) {
            n->ncross++;
            add_cross(n, demand, h);
        }
        if (!strcmp(sval(h, "kind"), "institution"))
            add_partner(n, demand, h, j);
    }
    return KG_OK;
}

static int cmp_partner(const void *x, const void *y)
{
    const struct partner *a = x, *b = y;
    if (a->ndemands != b->ndemands)
        return a->ndemands > b->ndemands ? -1 : 1;
    if (a->best != b->best)
        return a->best > b->best ? -1 : 1;
    return strcmp(sval(a->hit, "id"), sval(b->hit, "id"));
}

/* Sets doc's "summary" and "partners" from the aggregates. */
static void summarize(struct night *n, json_t *doc)
{
    size_t np = n->pid.n;
    struct partner *ps = kg_xcalloc(np ? np : 1, sizeof *ps);
    if (np) {
        memcpy(ps, n->ps, np * sizeof *ps);
        qsort(ps, np, sizeof *ps, cmp_partner);
    }
    json_t *partners = json_array();
    for (size_t k = 0; k < np && k < PARTNERS_TOP; k++) {
        const json_t *h = ps[k].hit;
        json_array_append_new(
            partners,
            json_pack("{s:s,s:s,s:I,s:f,s:s,s:s,s:s,s:s}", "id", sval(h, "id"),
                      "name", sval(h, "label"), "demands",
                      (json_int_t)ps[k].ndemands, "best", ps[k].best, "region",
                      sval(h, "region"), "email", sval(h, "email"), "phone",
                      sval(h, "phone"), "url", sval(h, "url")));
    }
    free(ps);
    json_object_set_new(doc, "summary",
                        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "demands",
                                  (json_int_t)n->n, "new", (json_int_t)n->nnew,
                                  "changed", (json_int_t)n->nchanged, "pool",
                                  (json_int_t)n->npool, "matches",
                                  (json_int_t)n->nmatches, "cross_domain",
                                  (json_int_t)n->ncross));
    json_object_set_new(doc, "partners", partners);
}

/* ---- the files ----------------------------------------------------------- */

static int cmp_entry(const void *x, const void *y)
{
    const struct entry *a = x, *b = y;
    int c = strcmp(a->enterprise, b->enterprise);
    return c ? c : strcmp(a->id, b->id);
}

/* Demand i of the sorted night, read back from the spool. */
static kg_status load_demand(struct app_session *a, struct night *n, size_t i,
                             json_t **out)
{
    const struct entry *e = &n->v[i];
    char *buf = kg_xmalloc(e->len ? e->len : 1);
    json_error_t err;
    *out = NULL;
    if (pread(n->fd, buf, e->len, e->off) == (ssize_t)e->len)
        *out = json_loadb(buf, e->len, 0, &err);
    free(buf);
    return *out ? KG_OK
                : app_fail(a, KG_EIO, "reading the night's spool back: %s",
                           strerror(errno));
}

static const char *const out_files[] = {"matches.json", "matches.csv",
                                        "summary.txt", "report.html"};
#define NFILES 4

struct outs {
    FILE *f[NFILES];
    struct kg_buf b[NFILES];
};

static char *tmp_name(const char *dir, int i)
{
    return kg_xasprintf("%s/.%s.tmp", dir, out_files[i]);
}

/* Creates (or truncates) the temporary files in turn; never through a
 * symlink someone placed at a temporary name. */
static kg_status open_outs(struct app_session *a, const char *dir,
                           struct outs *o)
{
    kg_status st = KG_OK;
    for (int i = 0; i < NFILES && st == KG_OK; i++) {
        char *path = tmp_name(dir, i);
        int fd = open(
            path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
        o->f[i] = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!o->f[i]) {
            st = app_fail(a, KG_EIO, "%s: %s", path, strerror(errno));
            if (fd >= 0)
                close(fd);
        }
        free(path);
    }
    return st;
}

/* Sends each buffer to its file. */
static void flush_outs(struct outs *o)
{
    for (int i = 0; i < NFILES; i++) {
        if (o->b[i].len)
            fwrite(o->b[i].data, 1, o->b[i].len, o->f[i]);
        kg_buf_reset(&o->b[i]);
    }
}

/* Syncs and closes the files; removes them all after a failure. */
static kg_status close_outs(struct app_session *a, const char *dir,
                            struct outs *o, kg_status st)
{
    for (int i = 0; i < NFILES; i++) {
        if (!o->f[i])
            continue;
        char *path = tmp_name(dir, i);
        bool ok = !ferror(o->f[i]) && fflush(o->f[i]) == 0 &&
                  fsync(fileno(o->f[i])) == 0;
        if ((fclose(o->f[i]) != 0 || !ok) && st == KG_OK)
            st = app_fail(a, KG_EIO, "writing %s: %s", path, strerror(errno));
        o->f[i] = NULL;
        free(path);
    }
    for (int i = 0; i < NFILES && st != KG_OK; i++) {
        char *path = tmp_name(dir, i);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            unlink(path);
        free(path);
    }
    return st;
}

/* matches.json's head: doc with an empty demands array, cut before its
 * closing "]\n}", so that the demands follow as json_dumps would place
 * them (each two levels deep). */
static void json_head(const json_t *doc, struct kg_buf *b)
{
    json_t *d = json_deep_copy(doc);
    json_object_set_new(d, "demands", json_array());
    char *js = json_dumps(d, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                 JSON_REAL_PRECISION(6));
    size_t len = strlen(js);
    /* "...[]\n}": keep up to and with the '[' */
    kg_buf_add(b, js, len - 3);
    free(js);
    json_decref(d);
}

static void json_demand(const json_t *d, size_t i, struct kg_buf *b)
{
    char *js = json_dumps(d, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                 JSON_REAL_PRECISION(6));
    kg_buf_adds(b, i ? ",\n  " : "\n  ");
    for (const char *p = js; *p; p++) {
        kg_buf_addc(b, *p);
        if (*p == '\n') /* no string holds a raw newline */
            kg_buf_adds(b, "  ");
    }
    free(js);
}

static kg_status rename_outs(struct app_session *a, const char *dir)
{
    kg_status st = KG_OK;
    for (int i = 0; i < NFILES && st == KG_OK; i++) {
        char *from = tmp_name(dir, i);
        char *to = kg_xasprintf("%s/%s", dir, out_files[i]);
        if (rename(from, to) != 0)
            st = app_fail(a, KG_EIO, "renaming %s: %s", from, strerror(errno));
        free(from);
        free(to);
    }
    return st;
}

kg_status night_write(struct app_session *a, struct night *n, const char *dir,
                      json_t *doc)
{
    struct outs o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < NFILES; i++)
        kg_buf_init(&o.b[i]);
    json_t *d = NULL, *cross = json_array();
    char *ename = NULL, *cur = NULL;
    kg_status st = fflush(n->f) == 0
                       ? KG_OK
                       : app_fail(a, KG_EIO, "writing the night's spool: %s",
                                  strerror(errno));
    if (st == KG_OK)
        st = ensure_dir(a, dir);
    if (n->n)
        qsort(n->v, n->n, sizeof *n->v, cmp_entry);
    summarize(n, doc);
    for (size_t i = 0; i < n->ntop; i++)
        json_array_append(cross, n->top[i].pair);
    if (st == KG_OK && n->n > 0 && (st = load_demand(a, n, 0, &d)) == KG_OK)
        ename = kg_xstrdup(sval(d, "enterprise_name"));
    json_decref(d);
    if (st == KG_OK)
        st = open_outs(a, dir, &o);
    if (st == KG_OK) {
        json_head(doc, &o.b[0]);
        app_report_csv_head(&o.b[1]);
        app_report_summary(doc, &o.b[2]);
        app_report_html_head(doc, ename, cross, n->ncross, n->n, &o.b[3]);
        flush_outs(&o);
    }
    for (size_t i = 0; i < n->n && st == KG_OK; i++) {
        st = load_demand(a, n, i, &d);
        if (st != KG_OK)
            break;
        json_demand(d, i, &o.b[0]);
        app_report_csv_demand(d, &o.b[1]);
        app_report_html_demand(d, i, &cur, &o.b[3]);
        json_decref(d);
        flush_outs(&o);
    }
    if (st == KG_OK) {
        kg_buf_adds(&o.b[0], n->n ? "\n ]\n}\n" : "]\n}\n");
        app_report_html_tail(doc, n->n, &o.b[3]);
        flush_outs(&o);
    }
    st = close_outs(a, dir, &o, st);
    if (st == KG_OK)
        st = rename_outs(a, dir);
    for (int i = 0; i < NFILES; i++)
        kg_buf_release(&o.b[i]);
    json_decref(cross);
    free(ename);
    free(cur);
    return st;
}
