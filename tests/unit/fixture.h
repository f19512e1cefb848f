/*
 * What the unit programs share: a temporary folder for a test's files,
 * made at setup and removed whole at teardown; a list of strings joined in
 * sorted order, to compare two lists whatever their order.
 */
#ifndef KG_TESTS_FIXTURE_H
#define KG_TESTS_FIXTURE_H

#include "core/kg.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Makes a fresh folder /tmp/<prefix>XXXXXX, its name in dir, and puts
 * the path of file name inside it in path (when path is not NULL).
 * Returns 0, or -1 when the folder cannot be made or a name is too long. */
static inline int fx_dir(char *dir, size_t dirlen, const char *prefix,
                         char *path, size_t pathlen, const char *name)
{
    int n = snprintf(dir, dirlen, "/tmp/%sXXXXXX", prefix);
    if (n < 0 || (size_t)n >= dirlen || !mkdtemp(dir))
        return -1;
    if (!path)
        return 0;
    n = snprintf(path, pathlen, "%s/%s", dir, name);
    return n < 0 || (size_t)n >= pathlen ? -1 : 0;
}

static inline int fx_remove(const char *p, const struct stat *sb, int flag,
                            struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* Removes the folder dir and everything in it (links not followed).
 * Returns 0, or -1 when something could not be removed. */
static inline int fx_rmdir(const char *dir)
{
    return nftw(dir, fx_remove, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* v[0..n) sorted in place and joined, each followed by ';' ("" for none),
 * so that two lists compare as strings whatever their order; the caller
 * frees it. */
static inline char *fx_sorted_list(char **v, size_t n)
{
    qsort(v, n, sizeof *v, kg_cmp_str);
    struct kg_buf b;
    kg_buf_init(&b);
    for (size_t i = 0; i < n; i++)
        kg_buf_printf(&b, "%s;", v[i]);
    return kg_buf_detach(&b);
}

#endif
