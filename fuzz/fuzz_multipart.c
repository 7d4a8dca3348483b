/* libFuzzer target for the multipart upload reader: MHD's post processor feeding the
 * server's own field callback (http_on_post_field), as POST /v1/inventory/imports does. The
 * input's first byte picks the size of the pieces (1 B to 4 KiB) the body is fed in, the rest
 * of its first line is the boundary, what follows the body; it is sent over a socket pair to
 * a daemon run from this thread. The spooled file must hold no more bytes than the body had.
 *
 *   make fuzz   (builds build-fuzz/fuzz_multipart and runs it over fuzz/corpus/multipart) */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>

#include "../src/http/request.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static struct MHD_Daemon *daemon_;
static size_t body_size, piece;
static char *spool; /* the upload, in memory rather than a temporary file */
static size_t spool_len;

static enum MHD_Result on_upload(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    struct conn_ctx *c = *con_cls;
    if (!c) {
        CHECK((c = calloc(1, sizeof *c)));
        c->req.conn = conn;
        c->pp = MHD_create_post_processor(conn, 1024, http_on_post_field, c);
        CHECK((c->req.upload = open_memstream(&spool, &spool_len)));
        *con_cls = c;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* fed in pieces, as the network may cut it anywhere */
        for (size_t off = 0; c->pp && !c->has_early && off < *upload_data_size; off += piece) {
            size_t n = *upload_data_size - off < piece ? *upload_data_size - off : piece;
            if (MHD_post_process(c->pp, upload_data + off, n) != MHD_YES)
                c->has_early = true; /* the server answers 400 then */
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    long spooled = ftell(c->req.upload);
    CHECK(spooled >= 0 && (size_t)spooled <= body_size);
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(conn, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    ctx_free(*con_cls);
    *con_cls = NULL;
    free(spool);
    spool = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!daemon_) {
        daemon_ = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, on_upload, NULL,
                                   MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
        CHECK(daemon_);
    }
    if (size < 1)
        return 0;
    piece = (size_t)1 << (data[0] % 13); /* 1 byte to 4 KiB at a time */
    const uint8_t *nl = memchr(data + 1, '\n', size - 1);
    size_t blen = nl ? (size_t)(nl - data - 1) : 0;
    if (!nl || blen > 70 || memchr(data + 1, '\r', blen) || memchr(data + 1, '\0', blen))
        return 0; /* a boundary fits in one header line */
    const uint8_t *body = nl + 1;
    body_size = size - (size_t)(body - data);
    char head[256];
    int hl = snprintf(head, sizeof head,
                      "POST /v1/inventory/imports HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                      "Content-Type: multipart/form-data; boundary=%.*s\r\n"
                      "Content-Length: %zu\r\n\r\n",
                      (int)blen, (const char *)data + 1, body_size);
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    CHECK(MHD_add_connection(daemon_, sv[1], (struct sockaddr *)&sa, sizeof sa) == MHD_YES);
    CHECK(write(sv[0], head, (size_t)hl) == hl);
    CHECK(write(sv[0], body, body_size) == (ssize_t)body_size); /* fits the socket buffer */
    char buf[512];
    for (int rounds = 0; rounds < 10000; rounds++) {
        MHD_run(daemon_);
        ssize_t r = read(sv[0], buf, sizeof buf);
        if (r == 0 || (r < 0 && errno != EAGAIN))
            break;
    }
    close(sv[0]);
    MHD_run(daemon_);
    return 0;
}
