/*
 * fuzz_dict.c - libFuzzer harness for the dictionary image reader: the
 * input is a whole image (its CRC-32 is set right first, so that the
 * checks behind it are reached), written to a file, mapped by dict_open,
 * then looked up both ways and used to segment mixed text. The open must
 * refuse a damaged image, never read outside it.
 */
#include <zlib.h>

#include "core/dict.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[128];
    if (!path[0])
        fuzz_path(path, sizeof path, "fuzz.kgd");
    uint8_t *img = malloc(size ? size : 1);
    memcpy(img, data, size);
    if (size >= 56) {
        uint32_t crc = (uint32_t)crc32(0L, img + 56, (uInt)(size - 56));
        for (int i = 0; i < 4; i++)
            img[16 + i] = (uint8_t)(crc >> (8 * i));
    }
    fuzz_write(path, img, size);
    free(img);
    struct dict *d;
    char err[256];
    if (dict_open(path, &d, err, sizeof err) != KG_OK)
        return 0;
    struct dict_item it[8];
    static const char *const zh[] = {"铝", "氧化鋁", "处理", "", "膜x"};
    static const char *const en[] = {"aluminum oxide", "membrane", "zzz"};
    for (size_t i = 0; i < sizeof zh / sizeof *zh; i++)
        dict_zh(d, zh[i], strlen(zh[i]), it, 8);
    for (size_t i = 0; i < sizeof en / sizeof *en; i++)
        dict_en(d, en[i], strlen(en[i]), it, 8);
    const char *mixed = "PLC控制的MBR膜系统, 6061-T6氧化铝 处理";
    struct dict_seg *segs = NULL;
    size_t ns = 0;
    if (dict_segment(d, mixed, strlen(mixed), &segs, &ns, err, sizeof err) ==
        KG_OK) {
        for (size_t i = 0; i < ns; i++)
            if (segs[i].off + segs[i].len > strlen(mixed))
                abort();
    }
    free(segs);
    dict_free(d);
    return 0;
}
