/* SQLite backend: the email outbox and payment intents. */
#include "store/sqlite/sqlite_int.h"

/* --- payment intents --- */

int sq_intent_add(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_INTENT_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, in->id);
    sq_bind_text(q, 2, in->order_id);
    sq_bind_text(q, 3, in->shipment_id);
    sq_bind_text(q, 4, intent_kind_name(in->kind));
    sq_bind_text(q, 5, intent_status_name(in->status));
    sqlite3_bind_int64(q, 6, in->amount);
    sq_bind_text(q, 7, in->currency);
    sq_bind_text(q, 8, in->provider);
    sq_bind_text(q, 9, in->token);
    sq_bind_text(q, 10, in->ref);
    sq_bind_text(q, 11, in->error);
    sqlite3_bind_int64(q, 12, in->created);
    sq_bind_date(q, 13, in->day);
    sq_bind_text(q, 14, in->at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "record a payment intent"));
    return sq_done(q, 0);
}

int sq_intent_settle(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_INTENT_SETTLE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, in->id);
    sq_bind_text(q, 2, intent_status_name(in->status));
    sq_bind_text(q, 3, in->ref);
    sq_bind_text(q, 4, in->error);
    sq_bind_text(q, 5, in->at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "record a payment's outcome"));
    if (sqlite3_changes(s->db) == 0)
        return sq_done(q, err_set(e, ERR_CONFLICT, "payment %s was already resolved", in->id));
    return sq_done(q, 0);
}

static void read_intent(sqlite3_stmt *q, struct pay_intent *in)
{
    memset(in, 0, sizeof *in);
    sq_col_copy(q, 0, in->id, sizeof in->id);
    sq_col_copy(q, 1, in->order_id, sizeof in->order_id);
    sq_col_copy(q, 2, in->shipment_id, sizeof in->shipment_id);
    in->kind = intent_kind_parse((const char *)sqlite3_column_text(q, 3));
    in->status = intent_status_parse((const char *)sqlite3_column_text(q, 4));
    in->amount = sqlite3_column_int64(q, 5);
    sq_col_copy(q, 6, in->currency, sizeof in->currency);
    sq_col_copy(q, 7, in->provider, sizeof in->provider);
    sq_col_copy(q, 8, in->token, sizeof in->token);
    sq_col_copy(q, 9, in->ref, sizeof in->ref);
    sq_col_copy(q, 10, in->error, sizeof in->error);
    in->created = sqlite3_column_int64(q, 11);
    sq_col_copy(q, 12, in->at, sizeof in->at);
    in->day = sq_col_date(q, 13);
}

/* The rows of a bound intent query. */
int sq_read_intents(struct sqlite_store *s, sqlite3_stmt *q, struct pay_intent **out,
                    size_t *n, err_t *e)
{
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct pay_intent *v = sq_grow(*out, *n, &cap, sizeof *v);
        if (!v)
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        *out = v;
        read_intent(q, &v[(*n)++]);
    }
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read payment intents"));
    return sq_done(q, 0);
}

int sq_intent_pending(struct store *st, int64_t before, struct pay_intent **out,
                      size_t *n, err_t *e)
{
    struct sqlite_store *s = S(st);
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = sq_stmt(s, Q_INTENT_PENDING, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, before);
    int rc = sq_read_intents(s, q, out, n, e);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Written without a full sync: the record must survive a killed process (the crash tests),
 * not a power cut, and a sync per call would bound every placement by the disk. */
int sq_testpay_record(struct store *st, const char *key, const char *kind,
                      int64_t amount, int *code, char ref[64], char msg[256], err_t *e)
{
    struct sqlite_store *s = S(st);
    int rc = sq_exec(s, Q_SYNC_NORMAL, e, "configure the database");
    sqlite3_stmt *q = rc ? NULL : sq_stmt(s, Q_TESTPAY_RECORD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, key);
    sq_bind_text(q, 2, kind);
    sqlite3_bind_int64(q, 3, amount);
    sqlite3_bind_int(q, 4, *code);
    sq_bind_text(q, 5, ref);
    sq_bind_text(q, 6, msg);
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = sq_done(q, sq_fail(s, e, "record a test payment"));
    } else {
        *code = sqlite3_column_int(q, 0);
        sq_col_copy(q, 1, ref, 64);
        sq_col_copy(q, 2, msg, 256);
        rc = sq_run(s, q, e, "record a test payment");
    }
    int r = sq_exec(s, Q_SYNC_FULL, e, "configure the database");
    return rc ? rc : r;
}

/* --- email outbox --- */

int sq_outbox_add(struct store *st, const struct email *m, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_OUTBOX_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, m->id);
    sq_bind_text(q, 2, m->kind);
    sq_bind_text(q, 3, m->order_id[0] ? m->order_id : NULL);
    sq_bind_text(q, 4, m->from);
    sq_bind_text(q, 5, m->to);
    sq_bind_text(q, 6, m->subject);
    sq_bind_text(q, 7, m->text ? m->text : "");
    sq_bind_text(q, 8, m->html ? m->html : "");
    sqlite3_bind_int(q, 9, m->status);
    sqlite3_bind_int(q, 10, m->attempts);
    sq_bind_text(q, 11, m->last_error);
    sqlite3_bind_int64(q, 12, m->next_attempt_at);
    sq_bind_text(q, 13, m->created_at);
    return sq_run(s, q, e, "queue an email");
}

/* The columns Q_OUTBOX_NEXT and Q_OUTBOX_LIST share; bodies stay NULL. */
static void read_email(sqlite3_stmt *q, void *dst)
{
    struct email *m = dst;
    memset(m, 0, sizeof *m);
    sq_col_copy(q, 0, m->id, sizeof m->id);
    sq_col_copy(q, 1, m->kind, sizeof m->kind);
    sq_col_copy(q, 2, m->order_id, sizeof m->order_id);
    sq_col_copy(q, 3, m->from, sizeof m->from);
    sq_col_copy(q, 4, m->to, sizeof m->to);
    sq_col_copy(q, 5, m->subject, sizeof m->subject);
    m->status = sqlite3_column_int(q, 6);
    m->attempts = sqlite3_column_int(q, 7);
    sq_col_copy(q, 8, m->last_error, sizeof m->last_error);
    m->next_attempt_at = sqlite3_column_int64(q, 9);
    sq_col_copy(q, 10, m->created_at, sizeof m->created_at);
}

static int outbox_take(struct sqlite_store *s, int64_t now, int64_t lease, struct email *out,
                       err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_OUTBOX_NEXT, e);
    if (!q)
        return e->code;
    sqlite3_bind_int(q, 1, EMAIL_PENDING);
    sqlite3_bind_int64(q, 2, now);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no email is due"));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read the outbox"));
    read_email(q, out);
    out->text = sq_col_dup(q, 11);
    out->html = sq_col_dup(q, 12);
    sq_done(q, 0);
    if (!out->text || !out->html) {
        email_free(out);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    if (!(q = sq_stmt(s, Q_OUTBOX_LEASE, e))) {
        email_free(out);
        return e->code;
    }
    sq_bind_text(q, 1, out->id);
    sqlite3_bind_int64(q, 2, now + lease);
    if ((rc = sq_run(s, q, e, "lease an email"))) {
        email_free(out);
        return rc;
    }
    out->next_attempt_at = now + lease;
    return 0;
}

int sq_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                    err_t *e)
{
    struct sqlite_store *s = S(st);
    /* The pick and the lease must be one step for other workers; a caller's own
     * transaction already is one. */
    bool own = sqlite3_get_autocommit(s->db) != 0;
    int rc = own ? sq_exec(s, Q_BEGIN_WRITE, e, "start a transaction") : 0;
    if (rc)
        return rc;
    rc = outbox_take(s, now, lease, out, e);
    if (!own)
        return rc;
    if (rc) {
        sq_rollback(st);
        return rc;
    }
    if ((rc = sq_commit(st, e)))
        email_free(out);
    return rc;
}

int sq_outbox_update(struct store *st, const struct email *m, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_OUTBOX_UPDATE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, m->id);
    sqlite3_bind_int(q, 2, m->status);
    sqlite3_bind_int(q, 3, m->attempts);
    sq_bind_text(q, 4, m->last_error);
    sqlite3_bind_int64(q, 5, m->next_attempt_at);
    return sq_update_one(s, q, e, "save an email's delivery", "email", m->id);
}

int sq_outbox_list(struct store *st, const char *before, size_t limit,
                   struct email **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_OUTBOX_LIST, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)limit);
    if (before && *before)
        sq_bind_text(q, 2, before);
    return sq_list_rows(s, q, limit, sizeof **out, read_email, (void **)out, n,
                        "list the outbox", e);
}
