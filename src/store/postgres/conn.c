/* PostgreSQL backend: statement and column helpers, errors. */
#include "store/postgres/pg_int.h"

#include <assert.h>

#define UNAVAILABLE_MSG "the database is unavailable, try again"

/* A statement binding more than PARAMS_MAX is a programming error: stop loudly rather than
 * send a statement that fails for a missing parameter. */
void pg_p_text(struct params *p, const char *s)
{
    assert(p->n < PARAMS_MAX);
    p->v[p->n++] = s; /* NULL binds NULL */
}

void pg_p_int(struct params *p, int64_t x)
{
    assert(p->n < PARAMS_MAX);
    snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)x);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

void pg_p_date(struct params *p, date_t d)
{
    if (d == DATE_NONE)
        pg_p_text(p, NULL);
    else
        pg_p_int(p, d);
}

void pg_p_limit(struct params *p, size_t limit)
{
    pg_p_int(p, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
}

/* Binary values go as bytea's text form: \x and two hex digits a byte. */
void pg_p_bytes(struct params *p, const unsigned char *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len > 64)
        len = 64;
    p->hex[0] = '\\';
    p->hex[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        p->hex[2 + 2 * i] = digits[b[i] >> 4];
        p->hex[3 + 2 * i] = digits[b[i] & 15];
    }
    p->hex[2 + 2 * len] = '\0';
    pg_p_text(p, p->hex);
}

/* A position's identity as $1..$5, the order POSITION_KEY names them in. */
void pg_p_key(struct params *p, const struct position *k)
{
    pg_p_text(p, k->sku);
    pg_p_text(p, k->location_id);
    pg_p_int(p, k->stock_type);
    pg_p_text(p, k->transit_ref);
    pg_p_int(p, k->channel_id);
}

/* --- array literals (one parameter for many rows: unnest($n::type[])) --- */

/* One element of an array literal in b (which starts with "{"): NULL for NULL, otherwise
 * quoted with \ and " escaped. */
void pg_array_put(struct buf *b, const char *s)
{
    if (b->len > 1)
        buf_puts(b, ",");
    if (!s) {
        buf_puts(b, "NULL");
        return;
    }
    buf_puts(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_put(b, "\\", 1);
        buf_put(b, s, 1);
    }
    buf_puts(b, "\"");
}

void pg_array_int(struct buf *b, int64_t x)
{
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)x);
    pg_array_put(b, num);
}

void pg_array_date(struct buf *b, date_t d)
{
    if (d == DATE_NONE)
        pg_array_put(b, NULL);
    else
        pg_array_int(b, d);
}

/* --- columns --- */

const char *pg_col_str(const PGresult *r, int row, int c)
{
    return PQgetvalue(r, row, c); /* "" for NULL */
}

void pg_col_copy(const PGresult *r, int row, int c, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, row, c));
}

int64_t pg_col_i64(const PGresult *r, int row, int c)
{
    return strtoll(PQgetvalue(r, row, c), NULL, 10);
}

int pg_col_int(const PGresult *r, int row, int c) { return (int)pg_col_i64(r, row, c); }

date_t pg_col_date(const PGresult *r, int row, int c)
{
    return PQgetisnull(r, row, c) ? DATE_NONE : (date_t)pg_col_i64(r, row, c);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A bytea column of exactly len bytes (in the default hex output); false otherwise. */
bool pg_col_bytes(const PGresult *r, int row, int c, unsigned char *out, size_t len)
{
    const char *v = PQgetvalue(r, row, c);
    if (PQgetisnull(r, row, c) || strncmp(v, "\\x", 2) || strlen(v) != 2 + 2 * len)
        return false;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* A malloc'd copy of a text column ("" for NULL); NULL when out of memory. */
char *pg_col_dup(const PGresult *r, int row, int c)
{
    return strdup(PQgetvalue(r, row, c));
}

static int64_t changed(PGresult *r)
{
    return strtoll(PQcmdTuples(r), NULL, 10);
}

/* --- errors, connection, statements --- */

/* libpq's message on one line: "connection to server at ... failed: Connection refused". */
void pg_one_line(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = in; *p && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}


int pg_unavailable(err_t *e) { return err_set(e, ERR_UNAVAILABLE, UNAVAILABLE_MSG); }

static bool conn_lost_state(const char *state)
{
    return state && (!strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
                     !strcmp(state, "57P02") || !strcmp(state, "57P03"));
}

/* Maps a failed statement to a user-fit error; SQL text never reaches the user. r may be
 * NULL (libpq could not even build a result). */
int pg_fail(struct pg_store *s, const PGresult *r, err_t *e, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(s->conn);
    char line[1024];
    pg_one_line(msg, line, sizeof line);
    fprintf(stderr, "postgres: %s: [%s] %s\n", what, state ? state : "-", line);
    err_t local = {0};
    int rc;
    if (PQstatus(s->conn) != CONNECTION_OK || conn_lost_state(state)) {
        s->broken = true;
        rc = pg_unavailable(&local);
    } else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
        rc = err_set(&local, ERR_RETRY,
                     "the database was busy with a conflicting change, try again");
    } else if (state && !strcmp(state, "25P02") && s->tx_err.code) {
        /* The transaction was already failed by an earlier statement: that is the news. */
        local = s->tx_err;
        rc = local.code;
    } else if (state && !strcmp(state, "22012")) {
        /* Only Q_POSITION_ALLOCATE_SENT divides by zero: its guard found too little. */
        rc = err_set(&local, ERR_CONFLICT, "not enough stock left to %s, try again", what);
    } else if (state && !strncmp(state, "23", 2)) {
        rc = err_set(&local, ERR_CONFLICT, "%s conflicts with existing data", what);
    } else if (state && (!strcmp(state, "57014") || !strcmp(state, "55P03") ||
                         !strcmp(state, "53300"))) {
        /* statement_timeout, a lock not available, too many connections */
        rc = err_set(&local, ERR_UNAVAILABLE, "the database is busy, try again");
    } else if (!r) {
        rc = err_set(&local, ERR_NOMEM, "out of memory");
    } else {
        rc = err_set(&local, ERR_STORE, "the database failed while trying to %s", what);
    }
    if (s->in_tx && !s->tx_err.code)
        s->tx_err = local;
    if (e)
        *e = local;
    return rc;
}

bool pg_result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* Per-connection settings, after every (re)connect. */
int pg_session_setup(struct pg_store *s, err_t *e)
{
    /* A statement stuck behind a lock or a slow disk gives up rather than hold a worker
     * thread forever. */
    PGresult *r = PQexec(s->conn, "SET statement_timeout = '30s'");
    int rc = pg_result_ok(r) ? 0 : pg_fail(s, r, e, "configure the connection");
    PQclear(r);
    return rc;
}

/* A usable connection. After a loss, outside a transaction, a fresh one to the same
 * server (statements are prepared again); inside one, the transaction is gone with the
 * old connection and only the caller's rollback can end it. */
int pg_ensure_conn(struct pg_store *s, err_t *e)
{
    if (!s->broken && PQstatus(s->conn) == CONNECTION_OK)
        return 0;
    s->broken = true;
    if (s->in_tx)
        return pg_unavailable(e);
    PQreset(s->conn);
    if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char line[1024];
        pg_one_line(PQerrorMessage(s->conn), line, sizeof line);
        fprintf(stderr, "postgres: reconnect failed: %s\n", line);
        return pg_unavailable(e);
    }
    memset(s->prepared, 0, sizeof s->prepared);
    s->broken = false;
    if (pg_session_setup(s, e))
        return pg_unavailable(e);
    fprintf(stderr, "postgres: reconnected\n");
    return 0;
}

/* --- pipelining ---
 * A write transaction runs in libpq's pipeline mode: statements whose result the caller does
 * not need (BEGIN, the INSERTs of a placement: stmt_defer) are sent without waiting, and go
 * to the server with the next statement that is waited for, or with the COMMIT, in one round
 * trip. A failure among them fails the transaction; it shows at that next statement or at
 * the commit, as ERR_* like any other. Anything that needs the plain protocol (COPY, PQexec)
 * ends the pipeline first (pg_pipe_end), which keeps the transaction open. */

/* Sent ahead without waiting: INSERTs whose only news would be a failure. */
static bool stmt_defer(enum stmt_id id)
{
    switch (id) {
    case Q_ORDER_INSERT:
    case Q_SHIPMENT_ITEM_INSERT:
    case Q_ALLOC_UPSERT:
    case Q_OUTBOX_ADD:
    case Q_INTENT_ADD:
    case Q_CAPTURE_ADD:
    case Q_BO_ADD:
    case Q_POSITION_ALLOCATE_SENT:
        return true;
    default:
        return false;
    }
}

/* Reads the oldest unread result: into *out when wanted and it succeeded. The first failure
 * of the transaction is kept in tx_err; statements after it come back aborted and report
 * it again. */
static int pipe_take(struct pg_store *s, PGresult **out, err_t *e)
{
    struct pipe_item it = s->pend[0];
    memmove(s->pend, s->pend + 1, (size_t)--s->npend * sizeof *s->pend);
    PGresult *r = PQgetResult(s->conn);
    if (!r)
        return pg_fail(s, NULL, e, it.what);
    PQclear(PQgetResult(s->conn)); /* NULL: the end of this statement's results */
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st == PGRES_PIPELINE_ABORTED)
        rc = pg_tx_failed(s, e);
    else if (!pg_result_ok(r))
        rc = pg_fail(s, r, e, it.what);
    else if (it.commit && !strcmp(PQcmdStatus(r), "ROLLBACK"))
        rc = pg_tx_failed(s, e);
    if (rc && it.prepare)
        s->prepared[it.id] = false; /* never made: prepared again on next use */
    if (!rc && it.keep)
        *it.keep = r;
    else if (!rc && out)
        *out = r;
    else
        PQclear(r);
    return rc;
}

/* Queues what was just sent (ok: the send succeeded). */
static int pipe_push(struct pg_store *s, bool ok, struct pipe_item it, err_t *e)
{
    if (!ok)
        return pg_fail(s, NULL, e, it.what);
    s->pend[s->npend++] = it;
    return 0;
}

/* Sends what is queued and reads every result, the last one into *out when wanted. The
 * first failure is the answer. */
static int pipe_wait(struct pg_store *s, PGresult **out, err_t *e)
{
    if (!PQsendFlushRequest(s->conn) || PQflush(s->conn))
        return pg_fail(s, NULL, e, "send statements");
    int rc = 0;
    while (s->npend > 0) {
        err_t local;
        int x = pipe_take(s, s->npend == 1 && !rc ? out : NULL, &local);
        if (x && !rc) {
            rc = x;
            if (e)
                *e = local;
        }
    }
    return rc;
}

/* Leaves pipeline mode, reading every result still due; the transaction stays open (or in
 * its failed state, for the caller's rollback). */
int pg_pipe_end(struct pg_store *s, err_t *e)
{
    if (!s->pipe)
        return 0;
    int rc;
    if (PQpipelineSync(s->conn) != 1) {
        rc = pg_fail(s, NULL, e, "send statements");
    } else {
        rc = pipe_wait(s, NULL, e);
        /* PGRES_PIPELINE_SYNC. A server shutting down may answer a COMMIT and then end the
         * connection in its place: the commit stands (its answer came), the connection is
         * replaced before its next use. */
        PGresult *r = PQgetResult(s->conn);
        if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
            s->broken = true;
        PQclear(r);
    }
    s->npend = 0;
    if (!PQexitPipelineMode(s->conn))
        s->broken = true; /* results left over: only a fresh connection is sure to be clean */
    s->pipe = false;
    return rc;
}

/* Sends a constant statement in the pipeline without waiting for it. */
int pg_pipe_ctl(struct pg_store *s, const char *sql, bool commit, const char *what, err_t *e)
{
    int rc;
    if (s->npend == PIPE_MAX && (rc = pipe_wait(s, NULL, e)))
        return rc;
    bool ok = PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    return pipe_push(s, ok, (struct pipe_item){Q_COUNT, false, commit, what, NULL}, e);
}

/* Sends a prepared statement (prepared first on the connection's first use of it) without
 * waiting; keep: where its result goes when read. */
static int pipe_send(struct pg_store *s, enum stmt_id id, const char *name,
                     const struct params *p, PGresult **keep, err_t *e, const char *what)
{
    int rc;
    if (s->npend + 2 > PIPE_MAX && (rc = pipe_wait(s, NULL, e)))
        return rc;
    if (!s->prepared[id]) {
        bool ok = PQsendPrepare(s->conn, name, pg_stmt_sql[id], 0, NULL);
        if ((rc = pipe_push(s, ok, (struct pipe_item){id, true, false, what, NULL}, e)))
            return rc;
        s->prepared[id] = true;
    }
    bool ok = PQsendQueryPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
    return pipe_push(s, ok, (struct pipe_item){id, false, false, what, keep}, e);
}

/* Runs a prepared statement in the pipeline: sent ahead when stmt_defer allows it and the
 * caller wants no result, otherwise waited for together with everything sent before it. */
static int pipe_exec(struct pg_store *s, enum stmt_id id, const char *name,
                     const struct params *p, PGresult **out, err_t *e, const char *what)
{
    int rc = pipe_send(s, id, name, p, NULL, e, what);
    if (rc || (!out && stmt_defer(id)))
        return rc;
    PGresult *r = NULL;
    rc = pipe_wait(s, &r, e);
    if (out)
        *out = r;
    else
        PQclear(r);
    return rc;
}

/* Sends a prepared statement in the open pipeline without waiting for it: its result goes
 * into *keep (the caller's to PQclear) when the pipeline is next read, e.g. by the commit;
 * a failure fails the transaction and *keep stays NULL. */
int pg_pipe_send(struct pg_store *s, enum stmt_id id, const struct params *p, PGresult **keep,
                 err_t *e, const char *what)
{
    *keep = NULL;
    if (!s->pipe)
        return err_set(e, ERR_STORE, "the database failed while trying to %s", what);
    char name[16];
    snprintf(name, sizeof name, "q%d", (int)id);
    return pipe_send(s, id, name, p, keep, e, what);
}

/* Reads every result still due in the pipeline, the kept ones into their places. */
int pg_pipe_flush(struct pg_store *s, err_t *e)
{
    return s->npend ? pipe_wait(s, NULL, e) : 0;
}

/* Runs a constant statement without parameters (transaction control, migrations). */
int pg_ctl_res(struct pg_store *s, const char *sql, PGresult **out, err_t *e,
               const char *what)
{
    int rc = pg_pipe_end(s, e);
    if (rc || (rc = pg_ensure_conn(s, e)))
        return rc;
    PGresult *r = PQexec(s->conn, sql);
    if (!pg_result_ok(r)) {
        rc = pg_fail(s, r, e, what);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

int pg_ctl(struct pg_store *s, const char *sql, err_t *e, const char *what)
{
    return pg_ctl_res(s, sql, NULL, e, what);
}

/* A plain SELECT that changes nothing, so running it again is harmless. */
static bool stmt_is_read(enum stmt_id id)
{
    const char *sql = pg_stmt_sql[id];
    return !strncmp(sql, "SELECT ", 7) && !strstr(sql, "FOR UPDATE") && !strstr(sql, "nextval");
}

static int exec_once(struct pg_store *s, enum stmt_id id, const struct params *p,
                     PGresult **out, err_t *e, const char *what)
{
    int rc = pg_ensure_conn(s, e);
    if (rc)
        return rc;
    char name[16];
    snprintf(name, sizeof name, "q%d", (int)id);
    if (s->pipe)
        return pipe_exec(s, id, name, p, out, e, what);
    PGresult *r;
    if (!s->prepared[id]) {
        r = PQprepare(s->conn, name, pg_stmt_sql[id], 0, NULL);
        if (!pg_result_ok(r)) {
            rc = pg_fail(s, r, e, what);
            PQclear(r);
            return rc;
        }
        PQclear(r);
        s->prepared[id] = true;
    }
    r = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
    if (!pg_result_ok(r)) {
        rc = pg_fail(s, r, e, what);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

/* Runs a prepared statement; *out (when wanted) is the caller's to PQclear. A read outside
 * a transaction that finds the connection lost (the server restarted since its last use)
 * runs once more on a fresh connection. */
int pg_exec_stmt(struct pg_store *s, enum stmt_id id, const struct params *p,
                 PGresult **out, err_t *e, const char *what)
{
    bool was_ok = !s->broken && PQstatus(s->conn) == CONNECTION_OK;
    int rc = exec_once(s, id, p, out, e, what);
    if (rc == ERR_UNAVAILABLE && was_ok && s->broken && !s->in_tx && stmt_is_read(id))
        rc = exec_once(s, id, p, out, e, what);
    return rc;
}

/* Runs a statement and reports how many rows it changed. */
int pg_exec_count(struct pg_store *s, enum stmt_id id, const struct params *p,
                  int64_t *n, err_t *e, const char *what)
{
    PGresult *r;
    int rc = pg_exec_stmt(s, id, p, &r, e, what);
    if (rc)
        return rc;
    *n = changed(r);
    PQclear(r);
    return 0;
}

int pg_run(struct pg_store *s, enum stmt_id id, const struct params *p, err_t *e,
           const char *what)
{
    return pg_exec_stmt(s, id, p, NULL, e, what);
}

/* Like run for an UPDATE of one row by its id: ERR_NOTFOUND when there is no such row. */
int pg_update_one(struct pg_store *s, enum stmt_id id, const struct params *p, err_t *e,
                  const char *what, const char *kind, const char *key)
{
    int64_t n = 0;
    int rc = pg_exec_count(s, id, p, &n, e, what);
    if (!rc && n == 0)
        rc = err_set(e, ERR_NOTFOUND, "no %s %s", kind, key);
    return rc;
}

int pg_list_rows(struct pg_store *s, enum stmt_id id, const struct params *p, size_t size,
                 row_fn read, void **out, size_t *n, err_t *e, const char *what)
{
    PGresult *r;
    int rc = pg_exec_stmt(s, id, p, &r, e, what);
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    char *v = calloc(rows ? rows : 1, size);
    if (!v) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < rows; i++)
        read(r, (int)i, v + i * size);
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}

