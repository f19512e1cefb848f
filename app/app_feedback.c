/*
 * app_feedback.c - a broker's writes: a record stored as it comes (a
 * demand posted to the service), and a verdict on a proposed pair (accept,
 * or decline with a reason) with the list of verdicts. The matching use
 * cases read the verdicts back: a declined pair leaves that demand's
 * ranking, an accepted one is marked (app_match.c).
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_int.h"

kg_status app_put(struct app_session *a, const struct kg_record *r,
                  const char *source, enum store_upsert_result *result,
                  int64_t *version)
{
    kg_status st = store_upsert(a->s, r, source, result);
    if (st == KG_OK)
        st = store_version(a->s, version);
    return st == KG_OK ? st : app_store_fail(a, st, "storing the record");
}

static const char *const reasons[] = {"too-early-stage", "not-relevant",
                                      "too-costly", "already-known", "other"};

bool app_feedback_reason_ok(const char *reason)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (strcmp(reason, reasons[i]) == 0)
            return true;
    return false;
}

/* The record exists (stubs too). */
static kg_status exists(struct app_session *a, kg_kind kind, const char *id)
{
    struct kg_record r;
    record_init(&r, kind);
    kg_status st = store_get(a->s, kind, id, &r);
    record_release(&r);
    if (st == KG_ENOTFOUND)
        return app_fail(a, st, "no %s '%s' in %s", record_kind_name(kind), id,
                        a->db_path);
    return st == KG_OK ? st : app_store_fail(a, st, "reading the record");
}

kg_status app_feedback(struct app_session *a, const struct app_feedback_opts *o)
{
    if (o->reason && !app_feedback_reason_ok(o->reason))
        return app_fail(a, KG_EUSAGE, "unknown reason '%s'", o->reason);
    kg_status st = exists(a, KG_DEMAND, o->demand);
    if (st == KG_OK)
        st = exists(a, o->kind, o->item);
    if (st != KG_OK)
        return st;
    /* the reason goes first in the note: "[reason] note" */
    char *note = NULL;
    if (o->reason)
        note = kg_xasprintf("[%s]%s%s", o->reason, o->note ? " " : "",
                            o->note ? o->note : "");
    else if (o->note)
        note = kg_xstrdup(o->note);
    st = store_feedback_set(a->s, o->demand, o->kind, o->item, o->accept, note);
    free(note);
    return st == KG_OK ? st : app_store_fail(a, st, "saving the verdict");
}

struct list {
    struct app_session *a;
    void (*row)(void *ctx, const struct app_feedback_row *r);
    void *ctx;
};

const char *app_feedback_reason(const char *note, char *reason, size_t n)
{
    const char *close = note[0] == '[' ? strchr(note, ']') : NULL;
    reason[0] = '\0';
    if (!close || (size_t)(close - note) >= n)
        return note;
    snprintf(reason, n, "%.*s", (int)(close - note - 1), note + 1);
    return close[1] == ' ' ? close + 2 : close + 1;
}

static bool on_feedback(const struct store_feedback *f, void *ctx)
{
    struct list *l = ctx;
    char reason[32];
    const char *note = app_feedback_reason(f->note, reason, sizeof reason);
    struct kg_record r;
    record_init(&r, f->kind);
    bool found = store_get(l->a->s, f->kind, f->item, &r) == KG_OK;
    struct app_feedback_row row = {
        .demand = f->demand,
        .kind = f->kind,
        .item = f->item,
        .label = found ? record_label(&r) : "",
        .accept = f->accept,
        .reason = reason,
        .note = note,
        .at = f->at,
    };
    l->row(l->ctx, &row);
    record_release(&r);
    return true;
}

/* ---- the verdicts, as the matching use cases read them ------------------ */

static void pair_key(struct kg_buf *b, const char *demand, kg_kind kind,
                     const char *item)
{
    kg_buf_reset(b);
    kg_buf_printf(b, "%s\x1f%d\x1f%s", demand, (int)kind, item);
}

static bool on_verdict(const struct store_feedback *f, void *ctx)
{
    struct app_verdicts *v = ctx;
    struct kg_buf b;
    kg_buf_init(&b);
    pair_key(&b, f->demand, f->kind, f->item);
    uint32_t i = strmap_get(&v->pairs, b.data, b.len, true, NULL);
    if (i >= v->cap) { /* declines never outnumber pairs: one cap serves */
        v->cap = 2 * i + 16;
        v->accept = kg_xrealloc(v->accept, v->cap * sizeof *v->accept);
        v->ndeclined = kg_xrealloc(v->ndeclined, v->cap * sizeof *v->ndeclined);
    }
    v->accept[i] = f->accept;
    if (!f->accept) {
        bool added = false;
        uint32_t d = strmap_get(&v->declines, f->demand, strlen(f->demand),
                                true, &added);
        v->ndeclined[d] = added ? 1 : v->ndeclined[d] + 1;
    }
    kg_buf_release(&b);
    return true;
}

kg_status app_verdicts_load(struct app_session *a, struct app_verdicts *v)
{
    kg_status st = store_feedback_foreach(a->s, NULL, on_verdict, v);
    return st == KG_OK ? st : app_store_fail(a, st, "reading feedback");
}

void app_verdicts_release(struct app_verdicts *v)
{
    strmap_release(&v->pairs);
    strmap_release(&v->declines);
    free(v->accept);
    free(v->ndeclined);
    memset(v, 0, sizeof *v);
}

int app_verdict(const struct app_verdicts *v, const char *demand, kg_kind kind,
                const char *item)
{
    if (!v || v->pairs.n == 0 || !demand)
        return 0;
    struct kg_buf b;
    kg_buf_init(&b);
    pair_key(&b, demand, kind, item);
    uint32_t i =
        strmap_get((struct strmap *)&v->pairs, b.data, b.len, false, NULL);
    kg_buf_release(&b);
    return i == STRMAP_NONE ? 0 : v->accept[i] ? 1 : -1;
}

size_t app_verdicts_declined(const struct app_verdicts *v, const char *demand)
{
    if (v->declines.n == 0)
        return 0;
    uint32_t i = strmap_get((struct strmap *)&v->declines, demand,
                            strlen(demand), false, NULL);
    return i == STRMAP_NONE ? 0 : v->ndeclined[i];
}

kg_status app_feedback_list(struct app_session *a, const char *demand,
                            void (*row)(void *ctx,
                                        const struct app_feedback_row *r),
                            void *ctx)
{
    struct list l = {a, row, ctx};
    kg_status st = store_feedback_foreach(a->s, demand, on_feedback, &l);
    return st == KG_OK ? st : app_store_fail(a, st, "reading feedback");
}
