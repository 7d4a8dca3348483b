/* The availability read model (readmodel.h). SKUs live in a hash table split into shards,
 * each behind a read-write lock; an entry is immutable once published (an update replaces
 * it whole), except for the rendered quantity-less document it may carry, set under the
 * shard's write lock. Location ids and transit refs are interned, so a position costs 48
 * bytes. One connection (sync_.st), behind sync_.lock, reads the change log. */
#include "app/readmodel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/promise.h"
#include "store/store.h"
#include "view/view.h"

#define POLL_MS 100          /* other processes' commits show within this, plus the work */
#define PAGE_ROWS 5000       /* change-log rows per read */
#define RELOAD_ROWS 20000    /* more unseen changes than this: one full scan is cheaper */
#define STALE_NS (30 * NS)   /* a poller cut off this long may have missed pruned changes */
#define PRUNE_NS (60 * NS)   /* change-log rows are kept this long after being read */
#define HEAD_WAIT_NS (5 * NS) /* how long a full load waits for older transactions to end */
#define SCAN_SKUS 5000       /* SKUs per page of a full scan */
#define SCAN_PRODUCTS 1000
#define DOC_BYTES_MAX ((size_t)64 << 20) /* rendered documents kept, in total */
#define SHARDS 256
#define LOCAL_POSITIONS 8
#define NS 1000000000LL

/* --- interned strings (location ids, transit refs): written by the syncing thread only;
 * readers index chunks that never move. --- */

#define INTERN_CHUNK 4096
#define INTERN_CHUNKS 4096

static struct {
    char **chunks[INTERN_CHUNKS];
    uint32_t n;
    uint32_t *slots; /* open addressing: index + 1, 0 = empty */
    size_t cap;
} intern;

static const char *intern_str(uint32_t i)
{
    return intern.chunks[i / INTERN_CHUNK][i % INTERN_CHUNK];
}

/* snprintf's "%s" without its cost, on the path of every answer made anew. */
static void copy_id(char dst[ID_MAX + 1], const char *src)
{
    size_t n = strnlen(src, ID_MAX);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int intern_grow(void)
{
    size_t cap = intern.cap ? intern.cap * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ERR_NOMEM;
    for (size_t i = 0; i < intern.cap; i++) {
        uint32_t v = intern.slots[i];
        if (!v)
            continue;
        size_t j = hash_str(intern_str(v - 1)) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = v;
    }
    free(intern.slots);
    intern.slots = slots;
    intern.cap = cap;
    return 0;
}

/* The string's index; UINT32_MAX when out of memory. */
static uint32_t intern_get(const char *s)
{
    if ((intern.n + 1) * 2 > intern.cap && intern_grow())
        return UINT32_MAX;
    size_t j = hash_str(s) & (intern.cap - 1);
    for (; intern.slots[j]; j = (j + 1) & (intern.cap - 1))
        if (!strcmp(intern_str(intern.slots[j] - 1), s))
            return intern.slots[j] - 1;
    uint32_t i = intern.n;
    if (i / INTERN_CHUNK >= INTERN_CHUNKS)
        return UINT32_MAX;
    char ***chunk = &intern.chunks[i / INTERN_CHUNK];
    if (!*chunk && !(*chunk = calloc(INTERN_CHUNK, sizeof **chunk)))
        return UINT32_MAX;
    if (!((*chunk)[i % INTERN_CHUNK] = strdup(s)))
        return UINT32_MAX;
    intern.n++;
    intern.slots[j] = i + 1;
    return i;
}

/* --- entries and shards --- */

struct rm_pos {
    int64_t quantity, reserved, allocated;
    date_t order_date, stock_date;
    uint32_t loc, ref; /* interned */
    uint32_t channel;  /* SPEC 9: 0 for none; at most 2147483647 */
    int32_t lim[4];    /* SPEC 9: safetyStock, preorderLimit, backorderLimit, lowStock; -1 none */
    uint8_t stock_type;
};

/* A limit in 32 bits: its values are at most 2147483647. */
static int32_t lim_pack(bool has, int64_t v)
{
    return has ? (int32_t)v : -1;
}

/* A rendered document, valid for the stamp (settings generation and today) and quantity. */
struct rm_doc {
    char *p; /* NULL when none */
    size_t len;
    uint64_t stamp;
    int64_t qty;
};

struct rm_entry {
    uint64_t id;    /* unique: tells a reader that relocks whether it was replaced */
    uint32_t epoch; /* the full load that made it (stale ones are swept) */
    uint32_t hash;
    bool found;     /* a product or a position exists */
    uint32_t npos;
    int64_t item_id; /* the product's fabric itemId, 0 when none (SPEC 9) */
    /* [0] without promise; [1] with the promise for the quantity asked last (a listing
     * page asks for 1 of each). */
    struct rm_doc doc[2];
    struct rm_pos pos[]; /* allocation order; then the SKU, NUL-terminated */
};

struct shard {
    pthread_rwlock_t lock;
    struct rm_entry **slots; /* open addressing, never shrinks, no deletions */
    size_t cap, n;
    char pad[64];
};

static struct shard shards[SHARDS];
static atomic_uint_fast64_t next_id;
/* Moves after every change of any entry: a thread's copy of its last answer is good while
 * it stands (no shared lock on the path of a SKU asked over and over). */
static atomic_uint_fast64_t entries_gen;
static atomic_size_t doc_bytes;

static const char *entry_sku(const struct rm_entry *en)
{
    return (const char *)(en->pos + en->npos);
}

static void entry_free(struct rm_entry *en)
{
    if (!en)
        return;
    for (int i = 0; i < 2; i++) {
        atomic_fetch_sub(&doc_bytes, en->doc[i].len);
        free(en->doc[i].p);
    }
    free(en);
}

/* v is sorted into allocation order. NULL when out of memory or for an unfit position. */
static struct rm_entry *entry_new(const char *sku, struct position *v, size_t n, bool found,
                                  int64_t item_id, uint32_t epoch)
{
    size_t len = strlen(sku);
    if (n > UINT32_MAX)
        return NULL;
    struct rm_entry *en = malloc(sizeof *en + n * sizeof en->pos[0] + len + 1);
    if (!en)
        return NULL;
    *en = (struct rm_entry){.id = atomic_fetch_add(&next_id, 1) + 1, .epoch = epoch,
                            .hash = (uint32_t)hash_str(sku), .found = found,
                            .npos = (uint32_t)n, .item_id = item_id};
    position_sort(v, n);
    for (size_t i = 0; i < n; i++) {
        struct rm_pos *p = &en->pos[i];
        const struct limits *l = &v[i].lim;
        *p = (struct rm_pos){v[i].quantity,
                             v[i].reserved,
                             v[i].allocated,
                             v[i].order_date,
                             v[i].stock_date,
                             intern_get(v[i].location_id),
                             intern_get(v[i].transit_ref),
                             (uint32_t)v[i].channel_id,
                             {lim_pack(l->has_safety_stock, l->safety_stock),
                              lim_pack(l->has_preorder_limit, l->preorder_limit),
                              lim_pack(l->has_backorder_limit, l->backorder_limit),
                              lim_pack(l->has_low_stock, l->low_stock)},
                             (uint8_t)v[i].stock_type};
        if (p->loc == UINT32_MAX || p->ref == UINT32_MAX) {
            free(en);
            return NULL;
        }
    }
    memcpy((char *)(en->pos + n), sku, len + 1);
    return en;
}

static struct shard *shard_of(uint64_t h)
{
    return &shards[h % SHARDS];
}

/* The slot holding sku, or the empty slot where it would go. Needs the shard's lock. */
static size_t slot_find(const struct shard *sh, uint64_t h, const char *sku)
{
    size_t j = (size_t)(h / SHARDS) & (sh->cap - 1);
    for (; sh->slots[j]; j = (j + 1) & (sh->cap - 1))
        if (sh->slots[j]->hash == (uint32_t)h && !strcmp(entry_sku(sh->slots[j]), sku))
            break;
    return j;
}

static struct rm_entry *lookup(const struct shard *sh, uint64_t h, const char *sku)
{
    return sh->cap ? sh->slots[slot_find(sh, h, sku)] : NULL;
}

static int shard_grow(struct shard *sh)
{
    size_t cap = sh->cap ? sh->cap * 2 : 64;
    struct rm_entry **slots = calloc(cap, sizeof *slots);
    if (!slots)
        return ERR_NOMEM;
    struct shard g = {.slots = slots, .cap = cap};
    for (size_t i = 0; i < sh->cap; i++)
        if (sh->slots[i])
            slots[slot_find(&g, hash_str(entry_sku(sh->slots[i])), entry_sku(sh->slots[i]))] =
                sh->slots[i];
    free(sh->slots);
    sh->slots = slots;
    sh->cap = cap;
    return 0;
}

/* Publishes en in place of the SKU's entry (en is taken, even on failure). */
static int entry_put(struct rm_entry *en, err_t *e)
{
    if (!en)
        return err_set(e, ERR_NOMEM, "out of memory for the availability read model");
    const char *sku = entry_sku(en);
    uint64_t h = hash_str(sku);
    struct shard *sh = shard_of(h);
    pthread_rwlock_wrlock(&sh->lock);
    int rc = 0;
    struct rm_entry *old = lookup(sh, h, sku);
    if (!old && !en->found) { /* nothing to forget */
        pthread_rwlock_unlock(&sh->lock);
        entry_free(en);
        return 0;
    }
    if (!old && (sh->n + 1) * 2 > sh->cap && shard_grow(sh)) {
        rc = err_set(e, ERR_NOMEM, "out of memory for the availability read model");
        old = en; /* freed below */
    } else {
        sh->slots[slot_find(sh, h, sku)] = en;
        sh->n += !old;
    }
    pthread_rwlock_unlock(&sh->lock);
    atomic_fetch_add(&entries_gen, 1); /* after publishing: see readmodel_doc */
    entry_free(old);
    return rc;
}

/* --- settings: a copy per reading thread, renewed when the generation moves --- */

static struct {
    pthread_mutex_t lock;
    struct settings s;
    atomic_uint_fast32_t gen;
} cfg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local struct {
    bool valid;
    uint32_t gen;
    struct settings s;
} tls;

static const struct settings *settings_now(uint32_t *gen)
{
    if (!tls.valid || tls.gen != atomic_load(&cfg.gen)) {
        pthread_mutex_lock(&cfg.lock);
        tls.s = cfg.s;
        tls.gen = (uint32_t)atomic_load(&cfg.gen);
        tls.valid = true;
        pthread_mutex_unlock(&cfg.lock);
    }
    *gen = tls.gen;
    return &tls.s;
}

/* --- keeping up with the change log --- */

struct pending {
    int64_t seq;  /* every seq up to this one ... */
    int64_t xmax; /* ... is settled once no transaction older than this runs */
};

static struct {
    pthread_mutex_t lock; /* everything below, and the use of st */
    struct store *st;
    int64_t cursor;    /* every change up to here is applied */
    int64_t *seen;     /* applied changes above cursor, sorted */
    size_t nseen, capseen;
    struct pending *pend;
    size_t npend, cappend;
    uint32_t epoch;
    int64_t last_ok_ns, pruned_ns, prune_mark;
    atomic_uint_fast64_t synced; /* store_commits() before the last sync that succeeded */
    pthread_t poller;
    pthread_cond_t wake;
    bool running, stopping;
} sync_ = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static int settings_reload(err_t *e)
{
    struct settings s;
    int rc = store_settings_get(sync_.st, &s, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&cfg.lock);
    cfg.s = s;
    atomic_fetch_add(&cfg.gen, 1);
    pthread_mutex_unlock(&cfg.lock);
    return 0;
}

/* Reloads one SKU from the database. */
static int refresh_sku(const char *sku, err_t *e)
{
    struct store *st = sync_.st;
    struct position_list l = {0};
    struct product p = {.item_id = 0};
    bool found = false;
    int rc = store_positions_by_sku(st, sku, &l, e);
    /* The product for its itemId; its absence without positions means the SKU is gone. */
    if (!rc) {
        rc = store_product_get(st, sku, &p, e);
        found = rc == 0;
        if (rc == ERR_NOTFOUND)
            rc = 0;
    }
    if (!rc)
        rc = entry_put(entry_new(sku, l.v, l.n, found || l.n > 0, p.item_id, sync_.epoch), e);
    position_list_free(&l);
    return rc;
}

static int no_rows(void *ctx, int64_t seq, const char *sku)
{
    (void)ctx;
    (void)seq;
    (void)sku;
    return 0;
}

/* Marks every entry the last full scan did not make as not found (the SKU is gone). */
static int sweep(err_t *e)
{
    for (size_t s = 0; s < SHARDS; s++) {
        struct shard *sh = &shards[s];
        pthread_rwlock_wrlock(&sh->lock);
        for (size_t i = 0; i < sh->cap; i++) {
            struct rm_entry *old = sh->slots[i];
            if (!old || old->epoch == sync_.epoch || !old->found)
                continue;
            struct rm_entry *en = entry_new(entry_sku(old), NULL, 0, false, 0, sync_.epoch);
            if (!en) {
                pthread_rwlock_unlock(&sh->lock);
                return err_set(e, ERR_NOMEM, "out of memory for the availability read model");
            }
            sh->slots[i] = en;
            entry_free(old);
        }
        pthread_rwlock_unlock(&sh->lock);
        atomic_fetch_add(&entries_gen, 1);
    }
    return 0;
}

/* Every SKU from one scan of positions and products (both by SKU, merged). Changes up to
 * the head read first are then in the scan: it waits for the transactions that were
 * running to end (PostgreSQL) before scanning. */
static int full_load(err_t *e)
{
    struct store *st = sync_.st;
    int64_t head, xmin, xmax, x0;
    int rc = store_changes_head(st, &head, e);
    if (!rc)
        rc = store_changes_since(st, INT64_MAX, 0, no_rows, NULL, &xmin, &x0, e);
    for (int64_t t0 = now_ns(); !rc && xmin < x0 && now_ns() - t0 < HEAD_WAIT_NS;) {
        nanosleep(&(struct timespec){0, 5000000}, NULL);
        rc = store_changes_since(st, INT64_MAX, 0, no_rows, NULL, &xmin, &xmax, e);
    }
    if (!rc)
        rc = settings_reload(e);
    if (rc)
        return rc;
    sync_.epoch++;
    struct position_list pl = {0};
    struct product *pv = NULL;
    size_t pi = 0, pn = 0, qi = 0;
    char pafter[ID_MAX + 1] = "", qafter[ID_MAX + 1] = "";
    bool peof = false, qeof = false;
    while (!rc) {
        if (pi == pl.n && !peof) {
            pl.n = pi = 0;
            if ((rc = store_positions_page(st, pafter, SCAN_SKUS, &pl, e)))
                break;
            peof = pl.n == 0;
            if (pl.n)
                snprintf(pafter, sizeof pafter, "%s", pl.v[pl.n - 1].sku);
        }
        if (qi == pn && !qeof) {
            free(pv);
            qi = 0;
            if ((rc = store_product_page(st, qafter, SCAN_PRODUCTS, &pv, &pn, e)))
                break;
            qeof = pn == 0;
            if (pn)
                snprintf(qafter, sizeof qafter, "%s", pv[pn - 1].sku);
        }
        const char *a = pi < pl.n ? pl.v[pi].sku : NULL, *b = qi < pn ? pv[qi].sku : NULL;
        if (!a && !b)
            break;
        int c = !a ? 1 : !b ? -1 : strcmp(a, b);
        const char *sku = c <= 0 ? a : b;
        size_t j = pi;
        while (c <= 0 && j < pl.n && !strcmp(pl.v[j].sku, sku))
            j++;
        rc = entry_put(
            entry_new(sku, pl.v + pi, j - pi, true, c >= 0 ? pv[qi].item_id : 0, sync_.epoch),
            e);
        pi = j;
        qi += c >= 0;
    }
    position_list_free(&pl);
    free(pv);
    if (!rc)
        rc = sweep(e);
    if (rc)
        return rc;
    sync_.cursor = head;
    sync_.nseen = sync_.npend = 0;
    return 0;
}

static bool seen_has(int64_t seq)
{
    size_t lo = 0, hi = sync_.nseen;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (sync_.seen[mid] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sync_.nseen && sync_.seen[lo] == seq;
}

/* One page of the change log: the rows not applied yet. */
struct page {
    int64_t *seqs;
    char (*skus)[ID_MAX + 1];
    size_t n, cap, rows;
    int64_t max;
    bool settings, oom;
    bool reload; /* a '*' row: a change too large to log per SKU (PostgreSQL migration 15) */
};

static int page_row(void *ctx, int64_t seq, const char *sku)
{
    struct page *pg = ctx;
    pg->rows++;
    if (seq > pg->max)
        pg->max = seq;
    if (seq <= sync_.cursor || seen_has(seq))
        return 0;
    if (pg->n == pg->cap) {
        size_t cap = pg->cap ? pg->cap * 2 : 64;
        int64_t *s = realloc(pg->seqs, cap * sizeof *s);
        if (s)
            pg->seqs = s;
        char(*k)[ID_MAX + 1] = realloc(pg->skus, cap * sizeof *k);
        if (k)
            pg->skus = k;
        if (!s || !k) {
            pg->oom = true;
            return 1;
        }
        pg->cap = cap;
    }
    pg->seqs[pg->n] = seq;
    snprintf(pg->skus[pg->n], sizeof pg->skus[0], "%s", sku);
    pg->settings |= !*sku;
    pg->reload |= !strcmp(sku, "*");
    pg->n++;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_sku(const void *a, const void *b)
{
    return strcmp(a, b);
}

static int push_seen(const int64_t *v, size_t n)
{
    if (sync_.nseen + n > sync_.capseen) {
        size_t cap = (sync_.nseen + n) * 2;
        int64_t *s = realloc(sync_.seen, cap * sizeof *s);
        if (!s)
            return ERR_NOMEM;
        sync_.seen = s;
        sync_.capseen = cap;
    }
    memcpy(sync_.seen + sync_.nseen, v, n * sizeof *v);
    sync_.nseen += n;
    qsort(sync_.seen, sync_.nseen, sizeof *sync_.seen, cmp_i64);
    return 0;
}

static int push_pending(int64_t seq, int64_t xmax)
{
    if (sync_.npend == sync_.cappend) {
        size_t cap = sync_.cappend ? sync_.cappend * 2 : 16;
        struct pending *p = realloc(sync_.pend, cap * sizeof *p);
        if (!p)
            return ERR_NOMEM;
        sync_.pend = p;
        sync_.cappend = cap;
    }
    sync_.pend[sync_.npend++] = (struct pending){seq, xmax};
    return 0;
}

/* Moves the cursor over what is settled: seqs seen in a row, and gaps whose transactions
 * have all ended (rolled back, or their rows would have shown). */
static void advance(int64_t xmin)
{
    size_t k = 0;
    while (k < sync_.npend && sync_.pend[k].xmax <= xmin) {
        if (sync_.pend[k].seq > sync_.cursor)
            sync_.cursor = sync_.pend[k].seq;
        k++;
    }
    if (k)
        memmove(sync_.pend, sync_.pend + k, (sync_.npend - k) * sizeof *sync_.pend);
    sync_.npend -= k;
    size_t i = 0;
    while (i < sync_.nseen && sync_.seen[i] <= sync_.cursor + 1) {
        if (sync_.seen[i] == sync_.cursor + 1)
            sync_.cursor++;
        i++;
    }
    if (i)
        memmove(sync_.seen, sync_.seen + i, (sync_.nseen - i) * sizeof *sync_.seen);
    sync_.nseen -= i;
}

/* Applies the changes committed since the last call. */
static int catch_up_log(err_t *e)
{
    struct store *st = sync_.st;
    struct page pg = {0};
    int64_t after = sync_.cursor, xmin = 0, xmax = 0;
    size_t unseen = 0;
    int rc = 0;
    for (;;) {
        pg.n = pg.rows = 0;
        pg.max = after;
        pg.settings = pg.reload = false;
        rc = store_changes_since(st, after, PAGE_ROWS, page_row, &pg, &xmin, &xmax, e);
        if (!rc && pg.oom)
            rc = err_set(e, ERR_NOMEM, "out of memory for the availability read model");
        if (rc)
            break;
        if ((unseen += pg.n) > RELOAD_ROWS || pg.reload) {
            rc = full_load(e);
            break;
        }
        if (pg.n)
            qsort(pg.skus, pg.n, sizeof pg.skus[0], cmp_sku);
        for (size_t i = 0; !rc && i < pg.n; i++)
            if (pg.skus[i][0] && (i == 0 || strcmp(pg.skus[i], pg.skus[i - 1])))
                rc = refresh_sku(pg.skus[i], e);
        if (!rc && pg.settings)
            rc = settings_reload(e);
        if (!rc && pg.n)
            rc = push_seen(pg.seqs, pg.n) ? err_set(e, ERR_NOMEM, "out of memory") : 0;
        /* A gap below this page's last seq belongs to a transaction that was running at
         * this read (its seq came before a committed one): settled once those are over. */
        if (!rc && pg.max > sync_.cursor)
            rc = push_pending(pg.max, xmax) ? err_set(e, ERR_NOMEM, "out of memory") : 0;
        if (rc || pg.rows < PAGE_ROWS)
            break;
        after = pg.max;
    }
    free(pg.seqs);
    free(pg.skus);
    if (!rc)
        advance(xmin);
    return rc;
}

/* One round of keeping up; needs sync_.lock. */
static int sync_once(err_t *e)
{
    uint64_t before = store_commits();
    int64_t now = now_ns();
    int rc = now - sync_.last_ok_ns > STALE_NS ? full_load(e) : catch_up_log(e);
    if (rc)
        return rc;
    sync_.last_ok_ns = now;
    atomic_store(&sync_.synced, before);
    if (now - sync_.pruned_ns >= PRUNE_NS) {
        /* Rows applied a whole PRUNE_NS ago: every live poller has read them. */
        err_t pe;
        if (sync_.prune_mark)
            store_changes_prune(sync_.st, sync_.prune_mark, &pe);
        sync_.prune_mark = sync_.cursor;
        sync_.pruned_ns = now;
    }
    return 0;
}

/* A reader after a commit of this process catches up first, so the writer's next request
 * sees its own change. */
static void catch_up(void)
{
    uint64_t c = store_commits();
    if (atomic_load(&sync_.synced) >= c)
        return;
    pthread_mutex_lock(&sync_.lock);
    err_t e;
    if (atomic_load(&sync_.synced) < c)
        sync_once(&e); /* on failure the answer comes from what is loaded */
    pthread_mutex_unlock(&sync_.lock);
}

static void *poll_main(void *arg)
{
    (void)arg;
    bool failing = false;
    pthread_mutex_lock(&sync_.lock);
    while (!sync_.stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += POLL_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / NS;
        ts.tv_nsec %= NS;
        pthread_cond_timedwait(&sync_.wake, &sync_.lock, &ts);
        if (sync_.stopping)
            break;
        err_t e;
        bool ok = sync_once(&e) == 0;
        /* Once per outage, not every POLL_MS. */
        if (!ok && !failing)
            fprintf(stderr, "availability read model: cannot read changes: %s\n", e.msg);
        if (ok && failing)
            fprintf(stderr, "availability read model: caught up again\n");
        failing = !ok;
    }
    pthread_mutex_unlock(&sync_.lock);
    return NULL;
}

int readmodel_start(const char *db_url, err_t *e)
{
    for (size_t i = 0; i < SHARDS; i++)
        pthread_rwlock_init(&shards[i].lock, NULL);
    int rc = store_open(db_url, &sync_.st, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&sync_.lock);
    sync_.last_ok_ns = sync_.pruned_ns = now_ns();
    uint64_t before = store_commits();
    rc = full_load(e);
    atomic_store(&sync_.synced, before);
    sync_.stopping = false;
    if (!rc && pthread_create(&sync_.poller, NULL, poll_main, NULL))
        rc = err_set(e, ERR_NOMEM, "cannot start the availability poller");
    sync_.running = rc == 0;
    pthread_mutex_unlock(&sync_.lock);
    if (rc)
        readmodel_stop();
    return rc;
}

void readmodel_stop(void)
{
    pthread_mutex_lock(&sync_.lock);
    bool running = sync_.running;
    sync_.stopping = true;
    pthread_cond_signal(&sync_.wake);
    pthread_mutex_unlock(&sync_.lock);
    if (running)
        pthread_join(sync_.poller, NULL);
    sync_.running = false;
    if (sync_.st)
        store_close(sync_.st);
    sync_.st = NULL;
    for (size_t s = 0; s < SHARDS; s++) {
        for (size_t i = 0; i < shards[s].cap; i++)
            entry_free(shards[s].slots[i]);
        free(shards[s].slots);
        shards[s].slots = NULL;
        shards[s].cap = shards[s].n = 0;
        pthread_rwlock_destroy(&shards[s].lock);
    }
    for (uint32_t i = 0; i < intern.n; i++)
        free(intern.chunks[i / INTERN_CHUNK][i % INTERN_CHUNK]);
    for (size_t c = 0; c < INTERN_CHUNKS; c++) {
        free(intern.chunks[c]);
        intern.chunks[c] = NULL;
    }
    free(intern.slots);
    intern.slots = NULL;
    intern.n = 0;
    intern.cap = 0;
    free(sync_.seen);
    free(sync_.pend);
    sync_.seen = NULL;
    sync_.pend = NULL;
    sync_.nseen = sync_.capseen = sync_.npend = sync_.cappend = 0;
}

/* --- answering --- */

/* The entry's positions for channel (0: all of them), in allocation order with their
 * limits applied; returns how many. Other channels' positions are left out here, per
 * request, rather than kept as copies per channel. */
static size_t expand(const struct rm_entry *en, struct position *v, int64_t channel)
{
    for (uint32_t i = 0; i < en->npos; i++) {
        const struct rm_pos *p = &en->pos[i];
        struct position *o = &v[i];
        memset(o, 0, sizeof *o);
        copy_id(o->sku, entry_sku(en));
        copy_id(o->location_id, intern_str(p->loc));
        copy_id(o->transit_ref, intern_str(p->ref));
        o->stock_type = p->stock_type;
        o->order_date = p->order_date;
        o->stock_date = p->stock_date;
        o->quantity = p->quantity;
        o->reserved = p->reserved;
        o->allocated = p->allocated;
        o->channel_id = p->channel;
        struct limits *l = &o->lim;
        l->has_safety_stock = p->lim[0] >= 0;
        l->safety_stock = l->has_safety_stock ? p->lim[0] : 0;
        l->has_preorder_limit = p->lim[1] >= 0;
        l->preorder_limit = l->has_preorder_limit ? p->lim[1] : 0;
        l->has_backorder_limit = p->lim[2] >= 0;
        l->backorder_limit = l->has_backorder_limit ? p->lim[2] : 0;
        l->has_low_stock = p->lim[3] >= 0;
        l->low_stock = l->has_low_stock ? p->lim[3] : 0;
    }
    return position_for_channel(v, en->npos, channel); /* already in allocation order */
}

/* Keeps a rendered document (a copy of len bytes at doc) in slot i of the entry it was
 * rendered from, if that is still current and the budget allows. */
static void doc_keep(struct shard *sh, uint64_t h, const char *sku, uint64_t id, int i,
                     struct rm_doc d)
{
    if (atomic_load(&doc_bytes) + d.len > DOC_BYTES_MAX)
        return;
    char *copy = malloc(d.len);
    if (!copy)
        return;
    memcpy(copy, d.p, d.len);
    d.p = copy;
    pthread_rwlock_wrlock(&sh->lock);
    struct rm_entry *en = lookup(sh, h, sku);
    if (en && en->id == id) {
        atomic_fetch_sub(&doc_bytes, en->doc[i].len);
        free(en->doc[i].p);
        en->doc[i] = d;
        atomic_fetch_add(&doc_bytes, d.len);
        copy = NULL;
    }
    pthread_rwlock_unlock(&sh->lock);
    free(copy);
}

/* The promise goes last in the document (view_item), so it is the quantity-less document
 * with ,"promise":{...} before its closing brace: byte for byte what view_item makes. */
static int append_promise(struct buf *out, const struct position *v, size_t n, int64_t qty,
                          const struct settings *s, date_t today)
{
    out->len--; /* the closing brace */
    buf_puts(out, ",\"promise\":");
    int rc = view_promise_write(out, v, n, qty, s, today);
    buf_puts(out, "}");
    return rc;
}

/* This thread's last answer for a found SKU, while no entry changed since (inline: a
 * thread's memory goes with it). */
#define LAST_MAX 4096
static _Thread_local struct {
    uint64_t gen, stamp;
    int64_t qty;
    size_t len; /* 0: none */
    char sku[ID_MAX + 1];
    char body[LAST_MAX];
} last;

/* Keeps the answer just appended to out (from start) as this thread's last one, once its
 * SKU is asked twice in a row: over a whole catalog the copy would be made for nothing. */
static int remember(const char *sku, uint64_t egen, uint64_t stamp, int64_t qty,
                    const struct buf *out, size_t start)
{
    size_t len = out->len - start, n = strlen(sku);
    bool again = !strcmp(last.sku, sku);
    last.len = 0;
    if (n > ID_MAX)
        n = 0; /* remembers none */
    if (!again || !n || len > LAST_MAX) {
        memcpy(last.sku, sku, n);
        last.sku[n] = '\0';
        return 0;
    }
    memcpy(last.body, out->p + start, len);
    last.gen = egen;
    last.stamp = stamp;
    last.qty = qty;
    last.len = len;
    return 0;
}

int readmodel_doc(const char *sku, int64_t qty, int64_t channel, date_t today,
                  struct buf *out, bool *found, err_t *e)
{
    catch_up();
    uint32_t gen;
    const struct settings *s = settings_now(&gen);
    uint64_t stamp = (uint64_t)gen << 32 | (uint32_t)today;
    /* Read before the entry: an answer is never tagged newer than what it was made of. */
    uint64_t egen = atomic_load(&entries_gen);
    /* The kept answers are channel-less ones; a channel's answer is made each time. */
    const bool keep = channel == 0;
    if (keep && last.len && last.gen == egen && last.stamp == stamp && last.qty == qty &&
        !strcmp(last.sku, sku)) {
        buf_put(out, last.body, last.len);
        *found = true;
        return out->oom ? err_set(e, ERR_NOMEM, "out of memory") : 0;
    }
    uint64_t h = hash_str(sku);
    struct shard *sh = shard_of(h);
    struct position local[LOCAL_POSITIONS], *v = local;
    struct item it = {.found = false};
    copy_id(it.sku, sku);
    uint64_t id = 0;
    bool base = false; /* the promise-less document was kept */
    size_t start = out->len;
    pthread_rwlock_rdlock(&sh->lock);
    const struct rm_entry *en = lookup(sh, h, sku);
    if (en && en->found) {
        const struct rm_doc *d = &en->doc[qty ? 1 : 0];
        if (keep && d->p && d->stamp == stamp && d->qty == qty) {
            buf_put(out, d->p, d->len);
            pthread_rwlock_unlock(&sh->lock);
            *found = true;
            if (out->oom)
                return err_set(e, ERR_NOMEM, "out of memory");
            return remember(sku, egen, stamp, qty, out, start);
        }
        base = keep && en->doc[0].p && en->doc[0].stamp == stamp;
        if (base)
            buf_put(out, en->doc[0].p, en->doc[0].len);
        if (en->npos > LOCAL_POSITIONS && !(v = malloc(en->npos * sizeof *v))) {
            pthread_rwlock_unlock(&sh->lock);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        it.positions.n = expand(en, v, channel);
        it.found = true;
        id = en->id;
    }
    pthread_rwlock_unlock(&sh->lock);
    it.positions.v = v;
    int rc = 0;
    if (!base) {
        promise_availability(v, it.positions.n, s, today, &it.avail);
        rc = view_item_write(out, &it, 0, s, today);
        if (!rc && !out->oom && it.found && keep)
            doc_keep(sh, h, sku, id, 0,
                     (struct rm_doc){out->p + start, out->len - start, stamp, 0});
    }
    if (!rc && qty && !out->oom) {
        rc = append_promise(out, v, it.positions.n, qty, s, today);
        if (!rc && !out->oom && it.found && keep)
            doc_keep(sh, h, sku, id, 1,
                     (struct rm_doc){out->p + start, out->len - start, stamp, qty});
    }
    if (v != local)
        free(v);
    *found = it.found;
    if (rc == ERR_INVALID) /* only a SKU of the request can be: the stored ones are ASCII */
        return err_set(e, rc, "the SKU is not valid UTF-8");
    if (rc || out->oom)
        return err_set(e, ERR_NOMEM, "out of memory");
    return it.found && keep ? remember(sku, egen, stamp, qty, out, start) : 0;
}

int readmodel_item(const char *sku, int64_t channel, date_t today, struct item *it, err_t *e)
{
    catch_up();
    uint32_t gen;
    const struct settings *s = settings_now(&gen);
    memset(it, 0, sizeof *it);
    snprintf(it->sku, sizeof it->sku, "%s", sku);
    uint64_t h = hash_str(sku);
    struct shard *sh = shard_of(h);
    pthread_rwlock_rdlock(&sh->lock);
    const struct rm_entry *en = lookup(sh, h, sku);
    if (en && en->found) {
        if (en->npos && !(it->positions.v = malloc(en->npos * sizeof *it->positions.v))) {
            pthread_rwlock_unlock(&sh->lock);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
        it->positions.n = expand(en, it->positions.v, channel);
        it->positions.cap = en->npos;
        it->found = true;
        it->item_id = en->item_id;
    }
    pthread_rwlock_unlock(&sh->lock);
    promise_availability(it->positions.v, it->positions.n, s, today, &it->avail);
    return 0;
}
