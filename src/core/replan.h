/* Promises follow supply (SPEC 5.7 and 5.8): how the open allocations of one SKU are
 * re-planned after its positions change, and whether a shipment whose range moved is
 * delayed and needs the shopper's consent. Pure: plain structs in and out; the caller reads
 * and writes the store and groups the result into shipments. */
#ifndef SELLAHEAD_REPLAN_H
#define SELLAHEAD_REPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "core/position.h"
#include "core/settings.h"

#define REPLAN_UNSOURCED SIZE_MAX /* units no position can cover (stockType "unsourced") */

/* Units of one open shipment of one order, held on one source. */
struct replan_alloc {
    int64_t order;   /* order number: older orders keep and take first */
    size_t source;   /* index into the positions, or REPLAN_UNSOURCED */
    int64_t quantity;
    int64_t channel; /* the order's channel (SPEC 9): units only move where it may take */
};

/* Where units of input allocation `alloc` are after re-planning. */
struct replan_piece {
    size_t alloc;
    size_t source; /* index into the positions, or REPLAN_UNSOURCED */
    int64_t quantity;
};

struct replan_result {
    struct replan_piece *v; /* owned; by alloc, then source in allocation order */
    size_t n;
    int64_t *free_units;    /* owned; per position: what is left for new orders */
};

/* Units a position can hold for orders: max(0, quantity - reserved). */
int64_t replan_hold(const struct position *p);
/* The last day a source delivers on, for "delivers strictly later" (rule 4): a stock date
 * that has passed counts as undated (a backorder range from today). */
date_t replan_source_to(const struct position *p, const struct settings *s, date_t today);

/* Re-plans allocs over pos (one SKU, in allocation order; their `allocated` is ignored;
 * their limits, SPEC 9, hold: a pre-order/backorder limit bounds what a location's dated /
 * undated positions hold in all, and units that move leave on-hand safety stock alone):
 * 1. oldest order first, an allocation keeps what its source can still hold;
 * 2. units that must move, and units already unsourced, take free units in allocation order,
 *    oldest order first;  3. what nothing covers is unsourced;
 * 4. then free units go to allocations whose source delivers strictly later, oldest order
 *    first, until no unit can move earlier.
 * Units only move to positions that serve their order's channel (position_serves).
 * Every input unit is in exactly one output piece. Returns 0 or ERR_NOMEM (out empty). */
int replan_sku(const struct position *pos, size_t npos, const struct replan_alloc *allocs,
               size_t nallocs, const struct settings *s, date_t today,
               struct replan_result *out);
void replan_result_free(struct replan_result *r);

/* --- delays (5.8) --- */

enum delay_consent {
    CONSENT_NONE = 0, /* never delayed */
    CONSENT_PENDING,
    CONSENT_ACCEPTED,
    CONSENT_DECLINED,
    CONSENT_IMPLIED
};

struct delay_policy {
    int implied_consent_days; /* silence is consent up to this many days past the promise */
    int consent_window_days;  /* respondBy = notice date + this */
};

/* A shipment's promise and delay as stored. `to` DATE_NONE means undated. */
struct delay_state {
    date_t accepted_to;     /* the earliest promise of its units (delay_promised), or the
                             * last accepted/implied range's to */
    int64_t bar_units;      /* before a consent: how many units joined at an accepted_to
                             * earlier than its own promise (0: none counted) */
    bool accepted_undated;  /* the shopper accepted "no date yet": the next date is accepted */
    bool consented_before;  /* an earlier delay was ACCEPTED or IMPLIED */
    int consent;            /* of the current delay; CONSENT_NONE when there is none */
    date_t expected_to;     /* the current delay's expected.to (when consent != NONE) */
    date_t respond_by;
    bool consent_required;
};

enum delay_action {
    DELAY_NOTHING = 0,  /* on time, or no change worth telling */
    DELAY_NEW,          /* becomes delayed: set delay, queue shipment_delayed */
    DELAY_UPDATE,       /* a PENDING delay recomputed, no email (to did not get later) */
    DELAY_UPDATE_EMAIL, /* a PENDING delay recomputed and later (or undated): email again */
    DELAY_WITHDRAW,     /* a PENDING delay is within the accepted range again: delay null */
    DELAY_DATED         /* an accepted "no date yet" got its first date: accepted, email
                         * that needs no answer */
};

/* What a re-plan that gives an affected shipment the range ending `new_to` (DATE_NONE when
 * undated: unsourced or overdue) means for its delay on business date today. On DELAY_NEW,
 * DELAY_UPDATE*, DELAY_DATED, *st is updated to the new delay. */
int delay_decide(struct delay_state *st, date_t new_to, date_t today,
                 const struct delay_policy *pol);

/* The range a shipment is held to before the shopper first consents (accepted_to): the
 * earliest of its promise and what units that joined it brought (delay_join). After a
 * consent, accepted_to is the accepted range and this changes nothing. */
void delay_promised(struct delay_state *st, date_t promised_to);

/* SPEC 5.7 rule 5 vs 5.8: `units` units that join another shipment of their order (one
 * shipment per source) bring the range the shopper accepted for them (their promise, or an
 * accepted delay's); the shipment is held to the earliest such range of the units it holds, in
 * into->accepted_to, and counts in into->bar_units the units held to it (joining->bar_units of
 * them when set, see delay_leave; else all). When the joining units' range ends strictly
 * earlier, their delay state becomes the shipment's (the caller takes their delay too) and 1
 * is returned; else 0. Either way an earlier consent of either side counts for the shipment
 * (later delays need an answer), and a pending delay keeps the later respond_by of the two. */
int delay_join(struct delay_state *into, date_t into_promised_to,
               const struct delay_state *joining, date_t joining_promised_to, int64_t units);

/* `units` units leave a shipment: those held to its bar (bar_units) leave first, being the
 * ones promised earliest; returns how many of them left. When the last of them left and the
 * shopper never consented, the shipment is held to its own promise again. */
int64_t delay_leave(struct delay_state *st, date_t promised_to, int64_t units);

enum sweep_action { SWEEP_NOTHING = 0, SWEEP_IMPLIED, SWEEP_CANCEL };

/* The sweep on business date today: once respondBy has passed, a PENDING delay whose
 * consent is not required becomes IMPLIED (its range the accepted one); one whose consent
 * is required and never came cancels the shipment. *st is updated for SWEEP_IMPLIED. */
int delay_sweep(struct delay_state *st, date_t today);

/* The shopper's ACCEPT: only while PENDING (else ERR_CONFLICT); the delay's range becomes
 * the accepted one (an undated one: the first date supply gives). DECLINE is the caller's
 * shipment cancel, allowed whenever consent != CONSENT_NONE and the shipment is open. */
int delay_accept(struct delay_state *st);

#endif
