/* PostgreSQL backend: the email outbox and payment intents. */
#include "store/postgres/pg_int.h"

#include "util/buf.h"

/* Two servers may take the same key at once: both found it unused. The second insert waits
 * for the first transaction and, once that committed, changes nothing: ERR_CONFLICT, as a
 * unique violation, without failing the transaction. Run again, the caller's idem_get finds
 * the first request's result to replay (orders turn this into ERR_RETRY). */
/* --- payment intents --- */

int pg_intent_add(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, in->id);
    pg_p_text(&p, in->order_id);
    pg_p_text(&p, in->shipment_id);
    pg_p_text(&p, intent_kind_name(in->kind));
    pg_p_text(&p, intent_status_name(in->status));
    pg_p_int(&p, in->amount);
    pg_p_text(&p, in->currency);
    pg_p_text(&p, in->provider);
    pg_p_text(&p, in->token);
    pg_p_text(&p, in->ref);
    pg_p_text(&p, in->error);
    pg_p_int(&p, in->created);
    pg_p_date(&p, in->day);
    pg_p_text(&p, in->at);
    return pg_run(s, Q_INTENT_ADD, &p, e, "record a payment intent");
}

int pg_intent_settle(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, in->id);
    pg_p_text(&p, intent_status_name(in->status));
    pg_p_text(&p, in->ref);
    pg_p_text(&p, in->error);
    pg_p_text(&p, in->at);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_INTENT_SETTLE, &p, &n, e, "record a payment's outcome");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "payment %s was already resolved", in->id);
    return rc;
}

/* The rows of an intent query with one parameter. */
int pg_read_intents(struct pg_store *s, enum stmt_id id, const struct params *p,
                    struct pay_intent **out, size_t *n, err_t *e)
{
    PGresult *r;
    int rc = pg_exec_stmt(s, id, p, &r, e, "read payment intents");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows && !(*out = calloc(rows, sizeof **out)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct pay_intent *in = &(*out)[(*n)++];
        int row = (int)i;
        pg_col_copy(r, row, 0, in->id, sizeof in->id);
        pg_col_copy(r, row, 1, in->order_id, sizeof in->order_id);
        pg_col_copy(r, row, 2, in->shipment_id, sizeof in->shipment_id);
        in->kind = intent_kind_parse(pg_col_str(r, row, 3));
        in->status = intent_status_parse(pg_col_str(r, row, 4));
        in->amount = pg_col_i64(r, row, 5);
        pg_col_copy(r, row, 6, in->currency, sizeof in->currency);
        pg_col_copy(r, row, 7, in->provider, sizeof in->provider);
        pg_col_copy(r, row, 8, in->token, sizeof in->token);
        pg_col_copy(r, row, 9, in->ref, sizeof in->ref);
        pg_col_copy(r, row, 10, in->error, sizeof in->error);
        in->created = pg_col_i64(r, row, 11);
        pg_col_copy(r, row, 12, in->at, sizeof in->at);
        in->day = pg_col_date(r, row, 13);
    }
    PQclear(r);
    return rc;
}

int pg_intent_pending(struct store *st, int64_t before, struct pay_intent **out,
                      size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    struct params p = {0};
    pg_p_int(&p, before);
    int rc = pg_read_intents(S(st), Q_INTENT_PENDING, &p, out, n, e);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

int pg_testpay_record(struct store *st, const char *key, const char *kind,
                      int64_t amount, int *code, char ref[64], char msg[256], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, key);
    pg_p_text(&p, kind);
    pg_p_int(&p, amount);
    pg_p_int(&p, *code);
    pg_p_text(&p, ref);
    pg_p_text(&p, msg);
    /* Its own transaction without waiting for the WAL flush: the record must outlive a
     * killed sellahead (the crash tests), which it does once PostgreSQL has it, and a flush
     * per call would cost every placement one more. One statement in autocommit, called
     * outside any transaction of ours (a provider call never runs inside one). */
    if (s->in_tx)
        return err_set(e, ERR_STORE, "a payment provider was called inside a transaction");
    PGresult *r = NULL;
    int rc = pg_exec_stmt(s, Q_TESTPAY_RECORD, &p, &r, e, "record a test payment");
    if (!rc && PQntuples(r) == 1) {
        *code = pg_col_int(r, 0, 0);
        pg_col_copy(r, 0, 1, ref, 64);
        pg_col_copy(r, 0, 2, msg, 256);
    }
    PQclear(r);
    return rc;
}

/* --- email outbox --- */

int pg_outbox_add(struct store *st, const struct email *m, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, m->id);
    pg_p_text(&p, m->kind);
    pg_p_text(&p, m->order_id[0] ? m->order_id : NULL);
    pg_p_text(&p, m->from);
    pg_p_text(&p, m->to);
    pg_p_text(&p, m->subject);
    pg_p_text(&p, m->text ? m->text : "");
    pg_p_text(&p, m->html ? m->html : "");
    pg_p_int(&p, m->status);
    pg_p_int(&p, m->attempts);
    pg_p_text(&p, m->last_error);
    pg_p_int(&p, m->next_attempt_at);
    pg_p_text(&p, m->created_at);
    return pg_run(s, Q_OUTBOX_ADD, &p, e, "queue an email");
}

/* The columns Q_OUTBOX_NEXT and Q_OUTBOX_LIST share; bodies stay NULL. */
static void read_email(const PGresult *r, int i, struct email *m)
{
    memset(m, 0, sizeof *m);
    pg_col_copy(r, i, 0, m->id, sizeof m->id);
    pg_col_copy(r, i, 1, m->kind, sizeof m->kind);
    pg_col_copy(r, i, 2, m->order_id, sizeof m->order_id);
    pg_col_copy(r, i, 3, m->from, sizeof m->from);
    pg_col_copy(r, i, 4, m->to, sizeof m->to);
    pg_col_copy(r, i, 5, m->subject, sizeof m->subject);
    m->status = pg_col_int(r, i, 6);
    m->attempts = pg_col_int(r, i, 7);
    pg_col_copy(r, i, 8, m->last_error, sizeof m->last_error);
    m->next_attempt_at = pg_col_i64(r, i, 9);
    pg_col_copy(r, i, 10, m->created_at, sizeof m->created_at);
}

static int outbox_take(struct pg_store *s, int64_t now, int64_t lease, struct email *out,
                       err_t *e)
{
    struct params p = {0};
    pg_p_int(&p, EMAIL_PENDING);
    pg_p_int(&p, now);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_OUTBOX_NEXT, &p, &r, e, "read the outbox");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no email is due");
    }
    read_email(r, 0, out);
    out->text = pg_col_dup(r, 0, 11);
    out->html = pg_col_dup(r, 0, 12);
    PQclear(r);
    if (!out->text || !out->html) {
        email_free(out);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    struct params q = {0};
    pg_p_text(&q, out->id);
    pg_p_int(&q, now + lease);
    if ((rc = pg_run(s, Q_OUTBOX_LEASE, &q, e, "lease an email"))) {
        email_free(out);
        return rc;
    }
    out->next_attempt_at = now + lease;
    return 0;
}

int pg_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                    err_t *e)
{
    struct pg_store *s = S(st);
    /* The pick and the lease must be one step for other workers; a caller's own
     * transaction already is one. */
    bool own = !s->in_tx;
    int rc = own ? pg_open_tx(s, "BEGIN", e) : 0;
    if (rc)
        return rc;
    rc = outbox_take(s, now, lease, out, e);
    if (!own)
        return rc;
    if (rc) {
        pg_rollback(st);
        return rc;
    }
    if ((rc = pg_commit(st, e)))
        email_free(out);
    return rc;
}

int pg_outbox_update(struct store *st, const struct email *m, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, m->id);
    pg_p_int(&p, m->status);
    pg_p_int(&p, m->attempts);
    pg_p_text(&p, m->last_error);
    pg_p_int(&p, m->next_attempt_at);
    return pg_update_one(s, Q_OUTBOX_UPDATE, &p, e, "save an email's delivery", "email", m->id);
}

static void row_email(const PGresult *r, int i, void *dst)
{
    read_email(r, i, dst);
}

int pg_outbox_list(struct store *st, const char *before, size_t limit,
                   struct email **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_limit(&p, limit);
    pg_p_text(&p, before && *before ? before : NULL);
    void *v = NULL;
    int rc = pg_list_rows(s, Q_OUTBOX_LIST, &p, sizeof **out, row_email, &v, n, e,
                          "list the outbox");
    if (!rc)
        *out = v;
    return rc;
}

/* --- the mail worker's batches --- */

int pg_outbox_claim_many(struct store *st, int64_t now, int64_t lease, size_t max,
                         struct email **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    struct params p = {0};
    pg_p_int(&p, EMAIL_PENDING);
    pg_p_int(&p, now);
    pg_p_int(&p, now + lease);
    pg_p_limit(&p, max);
    PGresult *r;
    int rc = pg_exec_stmt(S(st), Q_OUTBOX_CLAIM_MANY, &p, &r, e, "read the outbox");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    struct email *v = calloc(rows ? rows : 1, sizeof *v);
    if (!v)
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        read_email(r, (int)i, &v[i]);
        v[i].text = pg_col_dup(r, (int)i, 11);
        v[i].html = pg_col_dup(r, (int)i, 12);
        if (!v[i].text || !v[i].html)
            rc = err_set(e, ERR_NOMEM, "out of memory");
    }
    PQclear(r);
    if (rc) {
        for (size_t i = 0; v && i < rows; i++)
            email_free(&v[i]);
        free(v);
        return rc;
    }
    *out = v;
    *n = rows;
    return 0;
}

int pg_outbox_update_many(struct store *st, const struct email *v, size_t n, err_t *e)
{
    if (n == 0)
        return 0;
    struct buf a[5] = {{0}};
    for (int k = 0; k < 5; k++)
        buf_puts(&a[k], "{");
    for (size_t i = 0; i < n; i++) {
        char num[3][24];
        snprintf(num[0], sizeof num[0], "%d", v[i].status);
        snprintf(num[1], sizeof num[1], "%d", v[i].attempts);
        snprintf(num[2], sizeof num[2], "%lld", (long long)v[i].next_attempt_at);
        pg_array_put(&a[0], v[i].id);
        pg_array_put(&a[1], num[0]);
        pg_array_put(&a[2], num[1]);
        pg_array_put(&a[3], v[i].last_error);
        pg_array_put(&a[4], num[2]);
    }
    struct params p = {0};
    bool oom = false;
    for (int k = 0; k < 5; k++) {
        buf_puts(&a[k], "}");
        oom |= a[k].oom;
        pg_p_text(&p, a[k].p);
    }
    int64_t changed = 0;
    int rc = oom ? err_set(e, ERR_NOMEM, "out of memory")
                 : pg_exec_count(S(st), Q_OUTBOX_UPDATE_MANY, &p, &changed, e,
                                 "save emails' delivery");
    for (int k = 0; k < 5; k++)
        buf_free(&a[k]);
    if (!rc && changed != (int64_t)n)
        rc = err_set(e, ERR_NOTFOUND, "%lld of %zu emails are gone from the outbox",
                     (long long)((int64_t)n - changed), n);
    return rc;
}
