/*
 * curl_lazy.c - the libcurl functions kgmatch calls, defined here under
 * their own names and loaded from libcurl.so.4 on the first call (see
 * core/lazylib.h): a command that fetches nothing never maps libcurl and
 * the 30 libraries it brings.
 *
 * The prototypes are the header's: the compiler checks every definition
 * below against <curl/curl.h> and <curl/urlapi.h>. A new curl function
 * called anywhere in kgmatch needs its line here, or the binary (not
 * linked with libcurl) fails to link.
 */
/* The header's type-checking macros would rename our definitions. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <stdarg.h>

#include "core/lazylib.h"
#include "ingest/fetch.h"

static struct curl_fns {
    __typeof__(curl_global_init) *curl_global_init;
    __typeof__(curl_easy_init) *curl_easy_init;
    __typeof__(curl_easy_cleanup) *curl_easy_cleanup;
    __typeof__(curl_easy_setopt) *curl_easy_setopt;
    __typeof__(curl_easy_getinfo) *curl_easy_getinfo;
    __typeof__(curl_easy_strerror) *curl_easy_strerror;
    __typeof__(curl_free) *curl_free;
    __typeof__(curl_multi_init) *curl_multi_init;
    __typeof__(curl_multi_cleanup) *curl_multi_cleanup;
    __typeof__(curl_multi_setopt) *curl_multi_setopt;
    __typeof__(curl_multi_add_handle) *curl_multi_add_handle;
    __typeof__(curl_multi_remove_handle) *curl_multi_remove_handle;
    __typeof__(curl_multi_perform) *curl_multi_perform;
    __typeof__(curl_multi_poll) *curl_multi_poll;
    __typeof__(curl_multi_info_read) *curl_multi_info_read;
    __typeof__(curl_slist_append) *curl_slist_append;
    __typeof__(curl_slist_free_all) *curl_slist_free_all;
    __typeof__(curl_url) *curl_url;
    __typeof__(curl_url_cleanup) *curl_url_cleanup;
    __typeof__(curl_url_set) *curl_url_set;
    __typeof__(curl_url_get) *curl_url_get;
    __typeof__(curl_url_strerror) *curl_url_strerror;
} F;

static const struct lazysym syms[] = {
    LAZYSYM(curl_fns, curl_global_init),
    LAZYSYM(curl_fns, curl_easy_init),
    LAZYSYM(curl_fns, curl_easy_cleanup),
    LAZYSYM(curl_fns, curl_easy_setopt),
    LAZYSYM(curl_fns, curl_easy_getinfo),
    LAZYSYM(curl_fns, curl_easy_strerror),
    LAZYSYM(curl_fns, curl_free),
    LAZYSYM(curl_fns, curl_multi_init),
    LAZYSYM(curl_fns, curl_multi_cleanup),
    LAZYSYM(curl_fns, curl_multi_setopt),
    LAZYSYM(curl_fns, curl_multi_add_handle),
    LAZYSYM(curl_fns, curl_multi_remove_handle),
    LAZYSYM(curl_fns, curl_multi_perform),
    LAZYSYM(curl_fns, curl_multi_poll),
    LAZYSYM(curl_fns, curl_multi_info_read),
    LAZYSYM(curl_fns, curl_slist_append),
    LAZYSYM(curl_fns, curl_slist_free_all),
    LAZYSYM(curl_fns, curl_url),
    LAZYSYM(curl_fns, curl_url_cleanup),
    LAZYSYM(curl_fns, curl_url_set),
    LAZYSYM(curl_fns, curl_url_get),
    LAZYSYM(curl_fns, curl_url_strerror),
};
static struct lazylib lib = LAZYLIB_INIT("libcurl.so.4", "libcurl4", syms, &F);

const char *fetch_unavailable(void)
{
    return lazylib_unavailable(&lib);
}

CURLcode curl_global_init(long flags)
{
    return lazylib_load(&lib) ? F.curl_global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
    return lazylib_load(&lib) ? F.curl_easy_init() : NULL;
}

void curl_easy_cleanup(CURL *curl)
{
    if (lazylib_load(&lib))
        F.curl_easy_cleanup(curl);
}

/* The value after the option is read as libcurl reads it, by the range
 * the option's number lies in (curl.h's CURLOPTTYPE_*), and passed on as
 * that type. CURLMoption numbers follow the same ranges. */
#define PASS_OPTION(call, option, ap)                                          \
    ((option) < CURLOPTTYPE_OBJECTPOINT     ? call(va_arg(ap, long))           \
     : (option) < CURLOPTTYPE_FUNCTIONPOINT ? call(va_arg(ap, void *))         \
     : (option) < CURLOPTTYPE_OFF_T         ? call(va_arg(ap, void (*)(void))) \
     : (option) < CURLOPTTYPE_BLOB          ? call(va_arg(ap, curl_off_t))     \
                                            : call(va_arg(ap, void *)))

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
    if (!lazylib_load(&lib))
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, option);
#define EASY_SET(x) F.curl_easy_setopt(curl, option, x)
    CURLcode rc = PASS_OPTION(EASY_SET, option, ap);
#undef EASY_SET
    va_end(ap);
    return rc;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
    if (!lazylib_load(&lib))
        return CURLE_FAILED_INIT;
    va_list ap;
    va_start(ap, info);
    CURLcode rc = F.curl_easy_getinfo(curl, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
    return lazylib_load(&lib) ? F.curl_easy_strerror(code)
                              : lazylib_error(&lib);
}

void curl_free(void *p)
{
    if (lazylib_load(&lib))
        F.curl_free(p);
}

CURLM *curl_multi_init(void)
{
    return lazylib_load(&lib) ? F.curl_multi_init() : NULL;
}

CURLMcode curl_multi_cleanup(CURLM *multi_handle)
{
    return lazylib_load(&lib) ? F.curl_multi_cleanup(multi_handle)
                              : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_setopt(CURLM *multi_handle, CURLMoption option, ...)
{
    if (!lazylib_load(&lib))
        return CURLM_BAD_HANDLE;
    va_list ap;
    va_start(ap, option);
#define MULTI_SET(x) F.curl_multi_setopt(multi_handle, option, x)
    CURLMcode rc = PASS_OPTION(MULTI_SET, option, ap);
#undef MULTI_SET
    va_end(ap);
    return rc;
}

CURLMcode curl_multi_add_handle(CURLM *multi_handle, CURL *curl_handle)
{
    return lazylib_load(&lib)
               ? F.curl_multi_add_handle(multi_handle, curl_handle)
               : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_remove_handle(CURLM *multi_handle, CURL *curl_handle)
{
    return lazylib_load(&lib)
               ? F.curl_multi_remove_handle(multi_handle, curl_handle)
               : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_perform(CURLM *multi_handle, int *running_handles)
{
    return lazylib_load(&lib)
               ? F.curl_multi_perform(multi_handle, running_handles)
               : CURLM_BAD_HANDLE;
}

CURLMcode curl_multi_poll(CURLM *multi_handle, struct curl_waitfd extra_fds[],
                          unsigned int extra_nfds, int timeout_ms, int *ret)
{
    return lazylib_load(&lib) ? F.curl_multi_poll(multi_handle, extra_fds,
                                                  extra_nfds, timeout_ms, ret)
                              : CURLM_BAD_HANDLE;
}

CURLMsg *curl_multi_info_read(CURLM *multi_handle, int *msgs_in_queue)
{
    return lazylib_load(&lib)
               ? F.curl_multi_info_read(multi_handle, msgs_in_queue)
               : NULL;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *data)
{
    return lazylib_load(&lib) ? F.curl_slist_append(list, data) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (lazylib_load(&lib))
        F.curl_slist_free_all(list);
}

CURLU *curl_url(void)
{
    return lazylib_load(&lib) ? F.curl_url() : NULL;
}

void curl_url_cleanup(CURLU *handle)
{
    if (lazylib_load(&lib))
        F.curl_url_cleanup(handle);
}

CURLUcode curl_url_set(CURLU *handle, CURLUPart what, const char *part,
                       unsigned int flags)
{
    return lazylib_load(&lib) ? F.curl_url_set(handle, what, part, flags)
                              : CURLUE_BAD_HANDLE;
}

CURLUcode curl_url_get(CURLU *handle, CURLUPart what, char **part,
                       unsigned int flags)
{
    return lazylib_load(&lib) ? F.curl_url_get(handle, what, part, flags)
                              : CURLUE_BAD_HANDLE;
}

const char *curl_url_strerror(CURLUcode code)
{
    return lazylib_load(&lib) ? F.curl_url_strerror(code) : lazylib_error(&lib);
}
