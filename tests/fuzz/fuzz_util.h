/*
 * fuzz_util.h - what the harnesses that need files share: a scratch folder
 * removed at exit, a small store of every kind of record with links (the
 * records of tests/fixtures/records), writing a buffer to a file and
 * reading one back. Header-only: each harness is one program.
 */
#ifndef KG_FUZZ_UTIL_H
#define KG_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/import.h"

static char fuzz_dir[512];

static inline void fuzz_cleanup(void)
{
    if (!fuzz_dir[0])
        return;
    char cmd[sizeof fuzz_dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz: cannot remove %s\n", fuzz_dir);
}

/* The scratch folder (made on the first call); a file in it into buf. */
static inline const char *fuzz_path(char *buf, size_t len, const char *name)
{
    if (!fuzz_dir[0]) {
        /* libFuzzer ends a crashing run without atexit: make fuzz points
         * TMPDIR into build-fuzz and empties it after each harness. */
        const char *tmp = getenv("TMPDIR");
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/kgfuzz.XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(fuzz_dir))
            abort();
        atexit(fuzz_cleanup);
    }
    snprintf(buf, len, "%s/%s", fuzz_dir, name);
    return buf;
}

static inline FILE *fuzz_devnull(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    if (!f)
        abort();
    return f;
}

/* Writes n bytes of p to path (truncating); aborts when it cannot. */
static inline void fuzz_write(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        abort();
}

/* The bytes of path (caller frees), size in *n; NULL when unreadable. */
static inline uint8_t *fuzz_read(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *p = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? 2 * cap : 65536;
            p = realloc(p, cap);
            if (!p)
                abort();
        }
        size_t got = fread(p + len, 1, cap - len, f);
        if (got == 0)
            break;
        len += got;
    }
    fclose(f);
    *n = len;
    return p;
}

/* Records of every kind, linked by id and by name: the JSONL files of
 * tests/fixtures/records (CC0), in the order their links need. */
static const struct {
    kg_kind kind;
    const char *jsonl;
} fuzz_records[] = {
    {KG_INSTITUTION, "{\"id\":\"I1\",\"name\":\"山东大学"
                     "\",\"aliases\":[\"Shandong Uni"
                     "versity\",\"Shandong Univ.\"],"
                     "\"kind\":\"university\",\"coun"
                     "try\":\"CN\",\"region\":\"山东/济"
                     "南\",\"url\":\"https://www.sdu."
                     "edu.cn\"}\n"
                     "{\"id\":\"I2\",\"name\":\"滨州学院"
                     "\",\"aliases\":[\"Binzhou Univ"
                     "ersity\"],\"kind\":\"universit"
                     "y\",\"country\":\"CN\",\"regio"
                     "n\":\"山东/滨州\"}\n"},
    {KG_ENTERPRISE, "{\"id\":\"C1\",\"name\":\"滨州宏业"
                    "印染有限公司\",\"industry\":\"纺织印染 t"
                    "extile dyeing\",\"region\":\"山"
                    "东/滨州\",\"description\":\"年印染布 "
                    "8000 万米，废水排放压力大。\"}\n"},
    {KG_EXPERT, "{\"id\":\"E1\",\"name\":\"王立新\""
                ",\"institution\":\"I1\",\"fiel"
                "ds\":[\"材料科学\"],\"keywords\":["
                "\"铝合金\",\"热处理\",\"aluminium al"
                "loy\"],\"bio\":\"研究高强铝合金的时效析出行"
                "为 (precipitation in 7xxx alloy"
                "s).\"}\n"
                "{\"id\":\"E2\",\"name\":\"Li N"
                "a\",\"institution\":\"Shandong"
                " Univ.\",\"fields\":[\"环境工程\"]"
                ",\"keywords\":[\"膜分离\",\"印染废水\""
                "]}\n"
                "{\"id\":\"E3\",\"name\":\"赵明\""
                ",\"institution\":\"黄河三角洲研究院\","
                "\"keywords\":[\"盐碱地\",\"冬枣\"]}"
                "\n"},
    {KG_ACHIEVEMENT, "{\"id\":\"A1\",\"title\":\"高强韧"
                     "7075铝合金双级时效工艺\",\"abstract\":\""
                     "提出一种双级时效制度，使 7075-T6 板材强度提高 8%"
                     " 而应力腐蚀敏感性下降。\",\"keywords\":[\""
                     "7075\",\"双级时效\",\"应力腐蚀\"],\"fi"
                     "elds\":[\"材料\"],\"institution\""
                     ":\"I1\",\"experts\":[\"E1\"],\""
                     "year\":2022,\"maturity\":6,\"u"
                     "rl\":\"https://example.org/a1\""
                     ",\"source\":\"demo\"}\n"
                     "{\"id\":\"A2\",\"title\":\"PVD"
                     "F hollow-fibre membranes for d"
                     "yeing wastewater 印染废水\",\"abst"
                     "ract\":\"Anti-fouling PVDF mem"
                     "branes recover 85% of the wate"
                     "r from reactive-dye effluent.\""
                     ",\"keywords\":[\"PVDF\",\"膜分离\""
                     ",\"decolorization\"],\"institu"
                     "tion\":\"Shandong University\""
                     ",\"experts\":[\"E2\",\"张伟\"],\""
                     "year\":2021,\"maturity\":5}\n"},
    {KG_PATENT, "{\"id\":\"CN115000001A\",\"tit"
                "le\":\"一种铝合金焊接接头的热处理方法\",\"abs"
                "tract\":\"通过局部感应加热改善6061铝合金焊缝强"
                "度。\",\"claims\":\"1. 一种铝合金焊接接头"
                "的热处理方法，其特征在于……\",\"ipc\":[\"C2"
                "2F 1/04\",\"B23K 31/02\"],\"ap"
                "plicants\":[\"山东大学\",\"滨州某铝业有限"
                "公司\"],\"inventors\":[\"E1\",\""
                "刘洋\"],\"date\":\"2023-05-12\","
                "\"cites\":[\"CN110000002B\"]}\n"},
    {KG_DEMAND, "{\"id\":\"D1\",\"enterprise\":"
                "\"C1\",\"title\":\"印染废水深度处理与回用"
                "\",\"description\":\"现有生化+芬顿工艺"
                "出水色度高，希望回用率达到 60% 以上。\",\"keyw"
                "ords\":[\"印染废水\",\"回用\",\"脱色\""
                "],\"fields\":[\"环境\"],\"budget"
                "\":\"120万元\",\"deadline\":\"20"
                "26-12-31\"}\n"
                "{\"id\":\"D2\",\"enterprise\":"
                "\"滨州宏业印染有限公司\",\"title\":\"Low"
                "-energy drying of printed fabr"
                "ic\",\"description\":\"Stenter"
                " dryers use 40% of the plant's"
                " gas; a heat-pump or waste-hea"
                "t solution is wanted.\"}\n"},
};

/* A new store at DIR/name holding fuzz_records; aborts on failure. */
static inline struct store *fuzz_store(const char *name)
{
    char path[640], err[256];
    struct store *s;
    fuzz_path(path, sizeof path, name);
    if (store_open(path, STORE_CREATE, &s, err, sizeof err) != KG_OK) {
        fprintf(stderr, "fuzz: %s\n", err);
        abort();
    }
    for (size_t i = 0; i < sizeof fuzz_records / sizeof *fuzz_records; i++) {
        const char *t = fuzz_records[i].jsonl;
        FILE *in = fmemopen((void *)t, strlen(t), "r");
        struct import_opts o = {.kind = fuzz_records[i].kind,
                                .format = IMPORT_JSONL};
        if (!in || import_stream(s, in, "fuzz", &o, NULL) != KG_OK)
            abort();
        fclose(in);
    }
    return s;
}

/*
 * Applies a fuzz input to a copy of the valid image base[0..n) into out
 * (caller frees; size in *outn). data[0] picks the mode: bit 0 replaces the
 * whole image by data+1; otherwise data+1 is a list of patches (a 4-byte
 * little-endian offset, a length byte, the bytes), and bit 1 then cuts the
 * result at the offset the next 4 bytes give. Patching a valid image keeps
 * most of it intact, so the reader's checks past the header are reached.
 */
static inline uint8_t *fuzz_mutate(const uint8_t *base, size_t n,
                                   const uint8_t *data, size_t size,
                                   size_t *outn)
{
    if (size < 1 || (data[0] & 1)) {
        uint8_t *p = malloc(size ? size : 1);
        if (!p)
            abort();
        if (size > 1)
            memcpy(p, data + 1, size - 1);
        *outn = size ? size - 1 : 0;
        return p;
    }
    uint8_t *p = malloc(n ? n : 1);
    if (!p)
        abort();
    memcpy(p, base, n);
    size_t len = n, i = 1;
    if ((data[0] & 2) && size >= 5 && n) {
        uint32_t cut = (uint32_t)data[1] | (uint32_t)data[2] << 8 |
                       (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
        len = cut % (n + 1);
        i = 5;
    }
    while (i + 5 <= size && len) {
        uint32_t off = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 |
                       (uint32_t)data[i + 2] << 16 |
                       (uint32_t)data[i + 3] << 24;
        size_t k = data[i + 4];
        i += 5;
        off %= (uint32_t)len;
        for (size_t j = 0; j < k && i < size && off + j < len; j++, i++)
            p[off + j] = data[i];
    }
    *outn = len;
    return p;
}

#endif
