/*
 * app_report.c - the files a batch writes, drawn from its model (the
 * matches.json document, its demands handed over one at a time):
 * matches.csv, summary.txt and a self-contained report.html (inline CSS,
 * no script, no network; screen, phone and print layouts).
 */
#include <stdlib.h>
#include <string.h>

#include "app/app_batch_int.h"

/* The rank of hit j of ms within its kind (hits come ranked kind by
 * kind), given the rank of hit j - 1. */
static size_t kind_rank(const json_t *ms, size_t j, size_t prev)
{
    return j > 0 && !strcmp(sval(json_array_get(ms, j), "kind"),
                            sval(json_array_get(ms, j - 1), "kind"))
               ? prev + 1
               : 1;
}

/* ---- matches.csv --------------------------------------------------------- */

static void csv_field(struct kg_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        kg_buf_adds(b, s);
        return;
    }
    kg_buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            kg_buf_addc(b, '"');
        kg_buf_addc(b, *s);
    }
    kg_buf_addc(b, '"');
}

void app_report_csv_head(struct kg_buf *b)
{
    kg_buf_adds(b, "demand_id,enterprise_id,rank,kind,item_id,score,"
                   "cross_domain,accepted,demand_title,item_label\n");
}

void app_report_csv_demand(const json_t *d, struct kg_buf *b)
{
    const json_t *ms = json_object_get(d, "matches");
    size_t rank = 0;
    for (size_t j = 0; j < json_array_size(ms); j++) {
        const json_t *h = json_array_get(ms, j);
        rank = kind_rank(ms, j, rank);
        csv_field(b, sval(d, "id"));
        kg_buf_addc(b, ',');
        csv_field(b, sval(d, "enterprise"));
        kg_buf_printf(b, ",%zu,%s,", rank, sval(h, "kind"));
        csv_field(b, sval(h, "id"));
        kg_buf_printf(b, ",%.4f,%d,%d,", rval(h, "score"),
                      json_is_true(json_object_get(h, "cross_domain")),
                      json_is_true(json_object_get(h, "accepted")));
        csv_field(b, sval(d, "title"));
        kg_buf_addc(b, ',');
        csv_field(b, sval(h, "label"));
        kg_buf_addc(b, '\n');
    }
}

/* ---- summary.txt --------------------------------------------------------- */

void app_report_summary(const json_t *doc, struct kg_buf *b)
{
    const json_t *sum = json_object_get(doc, "summary");
    kg_buf_printf(b, "kgmatch batch, generated %s\n", sval(doc, "generated"));
    kg_buf_printf(b, "database: %s\n", sval(doc, "database"));
    if (json_is_string(json_object_get(doc, "shard")))
        kg_buf_printf(b, "shard: %s\n", sval(doc, "shard"));
    if (json_is_string(json_object_get(doc, "enterprise")))
        kg_buf_printf(b, "enterprise: %s\n", sval(doc, "enterprise"));
    kg_buf_printf(b, "since: %s%s%s\n", sval(doc, "since"),
                  *sval(doc, "last_run") ? ", last run " : "",
                  sval(doc, "last_run"));
    kg_buf_printf(b,
                  "%lld demands to match (%lld new, %lld changed, %lld with "
                  "moved matches; %lld re-matched unchanged)\n",
                  ival(sum, "demands"), ival(sum, "new"), ival(sum, "changed"),
                  ival(sum, "pool"), ival(doc, "unchanged"));
    kg_buf_printf(b, "%lld matches, %lld cross-domain\n", ival(sum, "matches"),
                  ival(sum, "cross_domain"));
    const json_t *srcs = json_object_get(doc, "sources");
    if (!json_is_true(json_object_get(doc, "ingested")))
        kg_buf_adds(b, "sources: not ingested (--no-ingest)\n");
    else if (json_array_size(srcs) == 0)
        kg_buf_adds(b, "sources: none defined\n");
    for (size_t i = 0; i < json_array_size(srcs); i++) {
        const json_t *s = json_array_get(srcs, i);
        kg_buf_printf(b,
                      "source %s: %s, %lld added, %lld updated, %lld "
                      "deleted\n",
                      sval(s, "name"), sval(s, "status"), ival(s, "added"),
                      ival(s, "updated"), ival(s, "deleted"));
        const json_t *m = json_object_get(s, "messages");
        for (size_t j = 0; j < json_array_size(m); j++)
            kg_buf_printf(b, "  %s\n", json_string_value(json_array_get(m, j)));
    }
    const json_t *ps = json_object_get(doc, "partners");
    for (size_t i = 0; i < json_array_size(ps); i++) {
        const json_t *p = json_array_get(ps, i);
        kg_buf_printf(b, "partner %zu: %s (%s), %lld demands, best %.3f", i + 1,
                      sval(p, "name"), sval(p, "id"), ival(p, "demands"),
                      rval(p, "best"));
        static const char *const keys[] = {"email", "phone", "url"};
        for (size_t k = 0; k < 3; k++)
            if (*sval(p, keys[k]))
                kg_buf_printf(b, ", %s", sval(p, keys[k]));
        kg_buf_addc(b, '\n');
    }
}

/* ---- report.html --------------------------------------------------------- */

static void esc(struct kg_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            kg_buf_adds(b, "&lt;");
            break;
        case '>':
            kg_buf_adds(b, "&gt;");
            break;
        case '&':
            kg_buf_adds(b, "&amp;");
            break;
        case '"':
            kg_buf_adds(b, "&quot;");
            break;
        default:
            kg_buf_addc(b, *s);
        }
    }
}

/* A link only for http(s) and mailto targets. */
static void link(struct kg_buf *b, const char *href_prefix, const char *s)
{
    bool web = !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
    if (!*href_prefix && !web) {
        esc(b, s);
        return;
    }
    kg_buf_adds(b, "<a href=\"");
    kg_buf_adds(b, href_prefix);
    esc(b, s);
    kg_buf_adds(b, "\">");
    esc(b, s);
    kg_buf_adds(b, "</a>");
}

static const char *kind_zh(const char *kind)
{
    static const char *const map[][2] = {
        {"achievement", "成果"}, {"patent", "专利"},     {"expert", "专家"},
        {"institution", "机构"}, {"enterprise", "企业"}, {"demand", "需求"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(kind, map[i][0]))
            return map[i][1];
    return "";
}

static const char CSS[] =
    ":root{--ink:#1d2430;--mute:#5d6778;--line:#dfe3ea;--bg:#f4f6f9;"
    "--card:#fff;--accent:#1f6feb;--accent2:#0e9f6e;--warn:#c2410c}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 "
    "system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans CJK SC',"
    "'Noto Sans SC','WenQuanYi Micro Hei','PingFang SC','Microsoft YaHei',"
    "sans-serif}"
    ".main{max-width:1040px;margin:0 auto;padding:24px 20px 48px}"
    ".top{background:linear-gradient(120deg,#123a7a,#1f6feb);"
    "color:#fff;padding:28px 20px}"
    ".top div{max-width:1040px;margin:0 auto}"
    ".top h1{margin:0 0 4px;font-size:26px}"
    ".top p{margin:0;opacity:.85}"
    "h2{font-size:20px;margin:32px 0 12px;padding-bottom:6px;"
    "border-bottom:2px solid var(--line)}"
    "h2 small,h3 small{color:var(--mute);font-weight:400;font-size:13px}"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,"
    "minmax(150px,1fr));gap:12px;margin-top:-36px}"
    ".card{background:var(--card);border-radius:10px;padding:14px 16px;"
    "box-shadow:0 1px 3px rgba(20,30,50,.12)}"
    ".card b{display:block;font-size:28px;line-height:1.2}"
    ".card span{color:var(--mute);font-size:13px}"
    ".card.bad b{color:var(--warn)}"
    "table{width:100%;border-collapse:collapse;background:var(--card);"
    "border-radius:10px;overflow:hidden;box-shadow:0 1px 3px "
    "rgba(20,30,50,.12)}"
    "th,td{text-align:left;padding:8px 10px;border-bottom:1px solid "
    "var(--line);vertical-align:top}"
    "th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;"
    "color:var(--mute);background:#fafbfc}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.failed td{color:var(--warn)}"
    ".partners{display:grid;grid-template-columns:repeat(auto-fill,"
    "minmax(300px,1fr));gap:12px}"
    ".demand{background:var(--card);border-radius:10px;padding:16px 18px;"
    "margin:0 0 16px;box-shadow:0 1px 3px rgba(20,30,50,.12)}"
    ".demand h3{margin:0 0 4px;font-size:17px}"
    ".meta{color:var(--mute);font-size:13px;margin:0 0 10px}"
    ".tag{display:inline-block;border-radius:999px;padding:1px 8px;"
    "font-size:12px;background:#eef2f7;color:#334;margin:0 4px 4px 0}"
    ".tag.new{background:#e0f2fe;color:#075985}"
    ".tag.x{background:#fef3c7;color:#92400e}"
    ".tag.ok{background:#dcfce7;color:#166534}"
    ".hit{display:grid;grid-template-columns:28px 1fr 150px;gap:4px 12px;"
    "padding:10px 0;border-top:1px solid var(--line)}"
    ".rank{font-weight:700;color:var(--mute)}"
    ".hit .what{font-weight:600}"
    ".kind{font-size:12px;color:#fff;background:var(--accent);"
    "border-radius:4px;padding:0 6px;margin-right:6px;font-weight:400}"
    ".kind.patent{background:#7c3aed}.kind.expert{background:var(--accent2)}"
    ".kind.institution{background:#b45309}"
    ".why{grid-column:2/4;color:var(--mute);font-size:13px}"
    ".bar{height:8px;background:#e6ebf2;border-radius:4px;overflow:hidden;"
    "margin-top:7px}"
    ".bar i{display:block;height:100%;background:linear-gradient(90deg,"
    "#60a5fa,#1f6feb)}"
    ".score{font-variant-numeric:tabular-nums;font-size:13px;"
    "color:var(--mute)}"
    ".path{font-size:12px;color:var(--mute)}"
    "a{color:var(--accent);text-decoration:none}"
    ".lbl{font-size:11px;text-transform:uppercase;color:var(--mute);"
    "letter-spacing:.04em}"
    ".empty{background:var(--card);border-radius:10px;padding:28px;"
    "text-align:center;color:var(--mute);font-size:17px}"
    ".foot{color:var(--mute);font-size:12px;margin-top:32px}"
    "@media (max-width:640px){.main{padding:16px 12px 32px}"
    ".hit{grid-template-columns:24px 1fr}.hit .sc{grid-column:2}"
    ".why{grid-column:2}.cards{grid-template-columns:1fr 1fr}"
    "th:nth-child(n+4),td:nth-child(n+4){display:none}}"
    "@media print{body{background:#fff;font-size:11pt}"
    ".top{background:none;color:#000;border-bottom:2px solid #000}"
    ".cards{margin-top:8px}.card,.demand,table{box-shadow:none;"
    "border:1px solid #ccc}.demand,.card,tr{break-inside:avoid}"
    "h2{break-after:avoid}a{color:#000}"
    ".bar i{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void card(struct kg_buf *b, long long n, const char *what, bool bad)
{
    kg_buf_printf(b, "<div class=\"card%s\"><b>%lld</b><span>",
                  bad ? " bad" : "", n);
    kg_buf_adds(b, what);
    kg_buf_adds(b, "</span></div>\n");
}

static bool has_contacts(const json_t *o)
{
    return *sval(o, "email") || *sval(o, "phone") || *sval(o, "url");
}

/* A phone number, linked to tel: with only its digits and a leading +. */
static void phone_link(struct kg_buf *b, const char *s)
{
    struct kg_buf tel;
    kg_buf_init(&tel);
    for (const char *p = s; *p; p++)
        if ((*p >= '0' && *p <= '9') || (*p == '+' && tel.len == 0))
            kg_buf_addc(&tel, *p);
    if (tel.len < 3) { /* no number a phone could dial */
        esc(b, s);
    } else {
        kg_buf_adds(b, "<a href=\"tel:");
        kg_buf_adds(b, tel.data);
        kg_buf_adds(b, "\">");
        esc(b, s);
        kg_buf_adds(b, "</a>");
    }
    kg_buf_release(&tel);
}

static void contacts(struct kg_buf *b, const json_t *o)
{
    const char *email = sval(o, "email"), *url = sval(o, "url");
    const char *phone = sval(o, "phone");
    if (*email) {
        kg_buf_adds(b, " <span class=\"lbl\">email</span> ");
        link(b, "mailto:", email);
    }
    if (*phone) {
        kg_buf_adds(b, " <span class=\"lbl\">phone</span> ");
        phone_link(b, phone);
    }
    if (*url) {
        kg_buf_adds(b, " <span class=\"lbl\">web</span> ");
        link(b, "", url);
    }
}

static void html_sources(struct kg_buf *b, const json_t *doc)
{
    const json_t *srcs = json_object_get(doc, "sources");
    kg_buf_adds(b, "<h2>Sources <small>数据来源</small></h2>\n");
    if (!json_is_true(json_object_get(doc, "ingested"))) {
        kg_buf_adds(b, "<p class=\"meta\">Not harvested tonight "
                       "(--no-ingest): the store was matched as it was.</p>\n");
        return;
    }
    if (json_array_size(srcs) == 0) {
        kg_buf_adds(b, "<p class=\"meta\">No sources are defined.</p>\n");
        return;
    }
    kg_buf_adds(b, "<table><tr><th>Source</th><th>Status</th><th>New</th>"
                   "<th>Updated</th><th>Deleted</th></tr>\n");
    for (size_t i = 0; i < json_array_size(srcs); i++) {
        const json_t *s = json_array_get(srcs, i);
        bool failed = json_is_true(json_object_get(s, "failed"));
        kg_buf_printf(b, "<tr%s><td>", failed ? " class=\"failed\"" : "");
        esc(b, sval(s, "name"));
        kg_buf_adds(b, "</td><td>");
        esc(b, sval(s, "status"));
        const json_t *m = json_object_get(s, "messages");
        for (size_t j = 0; j < json_array_size(m); j++) {
            kg_buf_adds(b, "<br><small>");
            esc(b, json_string_value(json_array_get(m, j)));
            kg_buf_adds(b, "</small>");
        }
        kg_buf_printf(b,
                      "</td><td class=\"num\">%lld</td><td class=\"num\">"
                      "%lld</td><td class=\"num\">%lld</td></tr>\n",
                      ival(s, "added"), ival(s, "updated"), ival(s, "deleted"));
    }
    kg_buf_adds(b, "</table>\n");
}

static void html_partners(struct kg_buf *b, const json_t *doc)
{
    const json_t *ps = json_object_get(doc, "partners");
    if (json_array_size(ps) == 0)
        return;
    kg_buf_adds(b, "<h2>Tonight's top partner institutions "
                   "<small>合作机构</small></h2>\n<div class=\"partners\">\n");
    for (size_t i = 0; i < json_array_size(ps); i++) {
        const json_t *p = json_array_get(ps, i);
        kg_buf_adds(b, "<div class=\"card\"><div class=\"what\"><strong>");
        esc(b, sval(p, "name"));
        kg_buf_adds(b, "</strong> <small class=\"meta\">");
        esc(b, sval(p, "id"));
        if (*sval(p, "region")) {
            kg_buf_adds(b, " · ");
            esc(b, sval(p, "region"));
        }
        kg_buf_printf(b,
                      "</small></div><div class=\"meta\">matches %lld "
                      "demand%s · best score %.3f</div>"
                      "<div class=\"bar\"><i style=\"width:%.1f%%\"></i></div>"
                      "<div class=\"path\">",
                      ival(p, "demands"), ival(p, "demands") == 1 ? "" : "s",
                      rval(p, "best"), 100.0 * rval(p, "best"));
        contacts(b, p);
        kg_buf_adds(b, "</div></div>\n");
    }
    kg_buf_adds(b, "</div>\n");
}

/* The night's best cross-domain pairings, best first. */
static void html_cross(struct kg_buf *b, const json_t *cross, size_t n)
{
    if (n)
        kg_buf_adds(b, "<h2>Cross-domain pairings <small>跨领域对接</small>"
                       "</h2>\n<table><tr><th>Demand</th><th>Match</th>"
                       "<th>Score</th><th>Concepts</th></tr>\n");
    for (size_t i = 0; i < json_array_size(cross); i++) {
        const json_t *d = json_object_get(json_array_get(cross, i), "demand");
        const json_t *h = json_object_get(json_array_get(cross, i), "hit");
        kg_buf_adds(b, "<tr><td>");
        esc(b, sval(d, "title"));
        kg_buf_adds(b, " <small class=\"meta\">");
        esc(b, sval(d, "domains"));
        kg_buf_printf(b, "</small></td><td><span class=\"kind %s\">",
                      sval(h, "kind"));
        esc(b, kind_zh(sval(h, "kind")));
        kg_buf_adds(b, "</span>");
        esc(b, sval(h, "label"));
        kg_buf_printf(b, "</td><td class=\"num\">%.3f</td><td>",
                      rval(h, "score"));
        const json_t *cs = json_object_get(h, "concepts");
        for (size_t k = 0; k < json_array_size(cs); k++) {
            kg_buf_adds(b, "<span class=\"tag\">");
            esc(b, json_string_value(json_array_get(cs, k)));
            kg_buf_adds(b, "</span>");
        }
        kg_buf_adds(b, "</td></tr>\n");
    }
    if (n)
        kg_buf_adds(b, "</table>\n");
    if (n > REPORT_CROSS_TOP)
        kg_buf_printf(b,
                      "<p class=\"meta\">The best %d of %zu; the others "
                      "are marked in each demand below.</p>\n",
                      REPORT_CROSS_TOP, n);
}

static void html_hit(struct kg_buf *b, const json_t *h, size_t rank)
{
    const char *kind = sval(h, "kind");
    double score = rval(h, "score");
    kg_buf_printf(b,
                  "<div class=\"hit\"><div class=\"rank\">%zu</div>"
                  "<div class=\"what\"><span class=\"kind %s\">",
                  rank, kind);
    esc(b, kind_zh(kind));
    kg_buf_adds(b, " ");
    esc(b, kind);
    kg_buf_adds(b, "</span>");
    esc(b, sval(h, "label"));
    if (json_is_true(json_object_get(h, "cross_domain")))
        kg_buf_adds(b, " <span class=\"tag x\">cross-domain 跨领域</span>");
    if (json_is_true(json_object_get(h, "accepted")))
        kg_buf_adds(b, " <span class=\"tag ok\">✓ accepted 已接受</span>");
    kg_buf_printf(b,
                  "</div><div class=\"sc\"><span class=\"score\">score %.3f"
                  "</span><div class=\"bar\"><i style=\"width:%.1f%%\"></i>"
                  "</div></div>\n<div class=\"why\">text %.3f · graph %.3f · "
                  "fit %.3f",
                  score,
                  100.0 * (score < 0   ? 0
                           : score > 1 ? 1
                                       : score),
                  rval(h, "text"), rval(h, "graph"), rval(h, "fit"));
    const json_t *cs = json_object_get(h, "concepts");
    if (json_array_size(cs))
        kg_buf_adds(b, " · shared: ");
    for (size_t k = 0; k < json_array_size(cs); k++) {
        kg_buf_adds(b, "<span class=\"tag\">");
        esc(b, json_string_value(json_array_get(cs, k)));
        kg_buf_adds(b, "</span>");
    }
    const json_t *path = json_object_get(h, "path");
    if (json_array_size(path)) {
        kg_buf_adds(b, "<div class=\"path\">path: ");
        for (size_t k = 0; k < json_array_size(path); k++) {
            const json_t *s = json_array_get(path, k);
            if (k)
                kg_buf_adds(b, " → ");
            esc(b, *sval(s, "label") ? sval(s, "label") : sval(s, "id"));
        }
        kg_buf_adds(b, "</div>");
    }
    if (has_contacts(h)) {
        kg_buf_adds(b, "<div class=\"path\">contact:");
        contacts(b, h);
        kg_buf_adds(b, "</div>");
    }
    kg_buf_adds(b, "</div></div>\n");
}

/* A page a broker opens on a laptop or phone: past this many demands the
 * rest are left to matches.csv/json and the per-enterprise reports. */
#define REPORT_DEMANDS 500

void app_report_html_demand(const json_t *d, size_t i, char **cur,
                            struct kg_buf *b)
{
    if (i >= REPORT_DEMANDS)
        return;
    if (!*cur || strcmp(*cur, sval(d, "enterprise")) != 0) {
        free(*cur);
        *cur = kg_xstrdup(sval(d, "enterprise"));
        kg_buf_adds(b, "<h2>");
        esc(b, *sval(d, "enterprise_name") ? sval(d, "enterprise_name")
                                           : "(no enterprise)");
        kg_buf_adds(b, " <small>");
        esc(b, *cur);
        kg_buf_adds(b, "</small></h2>\n");
    }
    const char *why = sval(d, "why");
    kg_buf_adds(b, "<div class=\"demand\"><h3>");
    esc(b, sval(d, "title"));
    kg_buf_adds(b, " <small>");
    esc(b, sval(d, "id"));
    kg_buf_printf(b,
                  "</small></h3><p class=\"meta\"><span class=\"tag "
                  "new\">%s</span>",
                  !strcmp(why, "new")       ? "new 新需求"
                  : !strcmp(why, "changed") ? "changed 已更新"
                                            : "new matches 新匹配");
    const char *dom = sval(d, "domains");
    if (*dom) {
        kg_buf_adds(b, "domains: ");
        esc(b, dom);
    }
    const json_t *ms = json_object_get(d, "matches");
    kg_buf_printf(b, "</p>\n");
    if (json_array_size(ms) == 0)
        kg_buf_adds(b, "<p class=\"meta\">No match tonight.</p>\n");
    /* hits come ranked kind by kind: number each kind from 1 */
    size_t rank = 0;
    for (size_t j = 0; j < json_array_size(ms); j++) {
        rank = kind_rank(ms, j, rank);
        html_hit(b, json_array_get(ms, j), rank);
    }
    kg_buf_adds(b, "</div>\n");
}

void app_report_html_head(const json_t *doc, const char *ename,
                          const json_t *cross, size_t ncross, size_t ndemands,
                          struct kg_buf *b)
{
    const json_t *sum = json_object_get(doc, "summary");
    const json_t *srcs = json_object_get(doc, "sources");
    long long added = 0, failed = 0;
    for (size_t i = 0; i < json_array_size(srcs); i++) {
        added += ival(json_array_get(srcs, i), "added");
        failed +=
            json_is_true(json_object_get(json_array_get(srcs, i), "failed"));
    }
    bool one = json_is_string(json_object_get(doc, "enterprise"));
    if (!one || !ndemands || !ename)
        ename = sval(doc, "enterprise");
    kg_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                   "content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    if (one) {
        esc(b, ename);
        kg_buf_adds(b, " · ");
    }
    kg_buf_adds(b, "kgmatch report ");
    esc(b, sval(doc, "generated"));
    kg_buf_adds(b, "</title>\n<style>");
    kg_buf_adds(b, CSS);
    kg_buf_adds(b, "</style>\n</head>\n<body>\n<div class=\"top\"><div>"
                   "<h1>");
    if (one) {
        esc(b, ename);
        kg_buf_adds(b, " — technology matches 技术对接");
    } else {
        kg_buf_adds(b, "Nightly matching report 每日对接报告");
    }
    kg_buf_adds(b, "</h1><p>");
    esc(b, sval(doc, "generated"));
    kg_buf_adds(b, " · since ");
    esc(b, sval(doc, "since"));
    if (json_is_string(json_object_get(doc, "shard"))) {
        kg_buf_adds(b, " · shard ");
        esc(b, sval(doc, "shard"));
    }
    kg_buf_adds(
        b, "</p></div></div>\n<div class=\"main\">\n<div class=\"cards\">\n");
    card(b, ival(sum, "demands"), "demands matched 需求", false);
    card(b, ival(sum, "matches"), "matches 匹配", false);
    card(b, ival(sum, "cross_domain"), "cross-domain 跨领域", false);
    if (!one) {
        card(b, added, "new records 新记录", false);
        card(b, failed, "sources failed 失败来源", failed > 0);
    }
    kg_buf_adds(b, "</div>\n");
    if (!one)
        html_sources(b, doc);
    if (ndemands == 0) {
        kg_buf_adds(b, "<h2>Demands <small>需求</small></h2>\n<div class="
                       "\"empty\">0 demands to match: nothing changed since "
                       "the last run.</div>\n");
    } else {
        html_partners(b, doc);
        html_cross(b, cross, ncross);
    }
}

void app_report_html_tail(const json_t *doc, size_t ndemands, struct kg_buf *b)
{
    if (ndemands > REPORT_DEMANDS)
        kg_buf_printf(b,
                      "<div class=\"empty\">%zu more demands matched "
                      "tonight are in matches.csv and matches.json; "
                      "<code>kgmatch batch --enterprise NAME</code> writes "
                      "one enterprise's report.</div>\n",
                      ndemands - REPORT_DEMANDS);
    kg_buf_adds(b, "<div class=\"foot\">Generated by kgmatch from ");
    esc(b, sval(doc, "database"));
    kg_buf_printf(b,
                  " (data version %lld). Scores are in [0, 1]: text, "
                  "graph and practical fit.</div>\n</div>\n</body>\n"
                  "</html>\n",
                  ival(doc, "version"));
}
