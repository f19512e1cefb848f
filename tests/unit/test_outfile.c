/* test_outfile.c - output files: a committed file appears whole under its
 * name with the umask's mode; an aborted or failed one leaves the
 * destination as it was and no temporary behind; a symbolic link at the
 * destination is replaced, its target untouched; a directory or device
 * there is refused. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/outfile.h"

static char dir[] = "/tmp/kg_outfile_XXXXXX";

static char *at(const char *name)
{
    return kg_xasprintf("%s/%s", dir, name);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[256];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void spit(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Number of entries in dir besides . and .. */
static int entries(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/kg_outfile_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = kg_xasprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    free(cmd);
    return rc;
}

static void commit_replaces_the_file_whole(void **state)
{
    (void)state;
    char *p = at("out.txt"), err[256];
    spit(p, "old\n");
    struct outfile *o;
    assert_int_equal(outfile_open(p, &o, err, sizeof err), KG_OK);
    fputs("new\n", outfile_stream(o));
    /* Until the commit the destination keeps its old content. */
    assert_string_equal(slurp(p), "old\n");
    assert_int_equal(entries(), 2);
    assert_int_equal(outfile_commit(o, err, sizeof err), KG_OK);
    assert_string_equal(slurp(p), "new\n");
    assert_int_equal(entries(), 1);
    free(p);
}

static void committed_file_has_the_umask_mode(void **state)
{
    (void)state;
    char *p = at("mode.txt"), err[256];
    mode_t old = umask(027);
    struct outfile *o;
    assert_int_equal(outfile_open(p, &o, err, sizeof err), KG_OK);
    assert_int_equal(outfile_commit(o, err, sizeof err), KG_OK);
    umask(old);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    free(p);
}

static void abort_leaves_destination_and_no_temporary(void **state)
{
    (void)state;
    char *p = at("kept.txt"), err[256];
    spit(p, "kept\n");
    struct outfile *o;
    assert_int_equal(outfile_open(p, &o, err, sizeof err), KG_OK);
    fputs("partial", outfile_stream(o));
    outfile_abort(o);
    outfile_abort(NULL);
    assert_string_equal(slurp(p), "kept\n");
    assert_int_equal(entries(), 1);
    free(p);
}

static void symlink_at_destination_is_replaced_not_followed(void **state)
{
    (void)state;
    char *target = at("target.txt"), *link = at("link.txt"), err[256];
    spit(target, "precious\n");
    assert_int_equal(symlink(target, link), 0);
    struct outfile *o;
    assert_int_equal(outfile_open(link, &o, err, sizeof err), KG_OK);
    fputs("export\n", outfile_stream(o));
    assert_int_equal(outfile_commit(o, err, sizeof err), KG_OK);
    assert_string_equal(slurp(target), "precious\n");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_string_equal(slurp(link), "export\n");
    free(target);
    free(link);
}

static void write_error_fails_the_commit(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    /* The temporary file's descriptor made /dev/full: the flush fails
     * with ENOSPC, as on a full disk. */
    char *p = at("err.txt"), err[256];
    spit(p, "old\n");
    struct outfile *o;
    assert_int_equal(outfile_open(p, &o, err, sizeof err), KG_OK);
    FILE *f = outfile_stream(o);
    int full = open("/dev/full", O_WRONLY);
    assert_true(full >= 0);
    assert_true(dup2(full, fileno(f)) >= 0);
    close(full);
    fputs("data", f);
    assert_int_equal(outfile_commit(o, err, sizeof err), KG_EIO);
    assert_string_equal(slurp(p), "old\n");
    assert_int_equal(entries(), 1);
    free(p);
}

static void missing_directory_is_an_error(void **state)
{
    (void)state;
    char *p = at("no/such/dir/out.txt"), err[256];
    struct outfile *o = (struct outfile *)1;
    assert_int_equal(outfile_open(p, &o, err, sizeof err), KG_EIO);
    assert_null(o);
    assert_non_null(strstr(err, "No such file"));
    assert_int_equal(outfile_open("", &o, err, sizeof err), KG_EUSAGE);
    free(p);
}

static void non_regular_destination_is_refused(void **state)
{
    (void)state;
    char *p = at("adir"), *link = at("tty"), err[256];
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(symlink("/dev/null", link), 0);
    struct outfile *o;
    assert_int_equal(outfile_open(p, &o, err, sizeof err), KG_EUSAGE);
    assert_int_equal(outfile_open(link, &o, err, sizeof err), KG_EUSAGE);
    assert_int_equal(outfile_open("/dev/null", &o, err, sizeof err), KG_EUSAGE);
    assert_null(o);
    assert_int_equal(entries(), 2);
    free(p);
    free(link);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(commit_replaces_the_file_whole),
        T(committed_file_has_the_umask_mode),
        T(abort_leaves_destination_and_no_temporary),
        T(symlink_at_destination_is_replaced_not_followed),
        T(write_error_fails_the_commit),
        T(missing_directory_is_an_error),
        T(non_regular_destination_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
