/*
 * mhd_lazy.c - the libmicrohttpd functions `kgmatch serve` calls, defined
 * here under their own names and loaded from libmicrohttpd.so.12 on the
 * first call (see core/lazylib.h): every other command starts without
 * mapping libmicrohttpd, GnuTLS and the libraries they bring.
 *
 * The prototypes are the header's: the compiler checks each definition
 * below against <microhttpd.h>. A new MHD function called by kgmatch
 * needs its line here, or the binary (not linked with libmicrohttpd)
 * fails to link.
 */
#include <microhttpd.h>
#include <stdarg.h>
#include <stddef.h>

#include "cli/serve.h"
#include "core/lazylib.h"

/* clang-format off */
#define MHD_FNS(X, t) \
    X(t, MHD_start_daemon_va) \
    X(t, MHD_stop_daemon) \
    X(t, MHD_quiesce_daemon) \
    X(t, MHD_get_daemon_info) \
    X(t, MHD_get_connection_info) \
    X(t, MHD_lookup_connection_value) \
    X(t, MHD_create_response_from_buffer) \
    X(t, MHD_add_response_header) \
    X(t, MHD_queue_response) \
    X(t, MHD_destroy_response)
/* clang-format on */
static struct mhd_fns {
    MHD_FNS(LAZYFIELD, mhd_fns)
} F;

static const struct lazysym syms[] = {MHD_FNS(LAZYSYM_ITEM, mhd_fns)};
static struct lazylib lib =
    LAZYLIB_INIT("libmicrohttpd.so.12", "libmicrohttpd12", syms, &F);

const char *serve_mhd_unavailable(void)
{
    return lazylib_unavailable(&lib);
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls,
                                    ...)
{
    if (!lazylib_load(&lib))
        return NULL;
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d =
        F.MHD_start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
    va_end(ap);
    return d;
}

void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
    if (lazylib_load(&lib))
        F.MHD_stop_daemon(daemon);
}

MHD_socket MHD_quiesce_daemon(struct MHD_Daemon *daemon)
{
    return lazylib_load(&lib) ? F.MHD_quiesce_daemon(daemon)
                              : MHD_INVALID_SOCKET;
}

/* The two info calls pass no argument after the type: kgmatch asks only
 * for types that take none (MHD_DAEMON_INFO_BIND_PORT,
 * MHD_CONNECTION_INFO_CLIENT_ADDRESS), and the library has no va_list
 * form of these to pass one on with. */
const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                enum MHD_DaemonInfoType type,
                                                ...)
{
    return lazylib_load(&lib) ? F.MHD_get_daemon_info(daemon, type) : NULL;
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection,
                        enum MHD_ConnectionInfoType type, ...)
{
    return lazylib_load(&lib) ? F.MHD_get_connection_info(connection, type)
                              : NULL;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
                                        enum MHD_ValueKind kind,
                                        const char *key)
{
    return lazylib_load(&lib)
               ? F.MHD_lookup_connection_value(connection, kind, key)
               : NULL;
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buffer,
                                enum MHD_ResponseMemoryMode mode)
{
    return lazylib_load(&lib)
               ? F.MHD_create_response_from_buffer(size, buffer, mode)
               : NULL;
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *response,
                                        const char *header, const char *content)
{
    return lazylib_load(&lib)
               ? F.MHD_add_response_header(response, header, content)
               : MHD_NO;
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection,
                                   unsigned int status_code,
                                   struct MHD_Response *response)
{
    return lazylib_load(&lib)
               ? F.MHD_queue_response(connection, status_code, response)
               : MHD_NO;
}

void MHD_destroy_response(struct MHD_Response *response)
{
    if (lazylib_load(&lib))
        F.MHD_destroy_response(response);
}
