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

/* clang-format off */
#define CURL_FNS(X, t) \
    X(t, curl_global_init) \
    X(t, curl_easy_init) \
    X(t, curl_easy_cleanup) \
    X(t, curl_easy_setopt) \
    X(t, curl_easy_getinfo) \
    X(t, curl_easy_strerror) \
    X(t, curl_free) \
    X(t, curl_multi_init) \
    X(t, curl_multi_cleanup) \
    X(t, curl_multi_setopt) \
    X(t, curl_multi_add_handle) \
    X(t, curl_multi_remove_handle) \
    X(t, curl_multi_perform) \
    X(t, curl_multi_poll) \
    X(t, curl_multi_info_read) \
    X(t, curl_slist_append) \
    X(t, curl_slist_free_all) \
    X(t, curl_url) \
    X(t, curl_url_cleanup) \
    X(t, curl_url_set) \
    X(t, curl_url_get) \
    X(t, curl_url_strerror)
/* clang-format on */
static struct curl_fns {
    CURL_FNS(LAZYFIELD, curl_fns)
} F;

static const struct lazysym syms[] = {CURL_FNS(LAZYSYM_ITEM, curl_fns)};
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
