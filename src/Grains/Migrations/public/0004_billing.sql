-- Billing (expand only, ADR 0007): Stripe purchases with their lifecycle, the Stripe events already handled, a team's
-- low-balance and auto top-up settings, and the platform's outbox of mesh events. Rows of the previous release stay
-- valid: a grant or a purchase it wrote is 'paid' (it was credited when written).
ALTER TABLE credit_purchases
    ADD COLUMN status                   text        NOT NULL DEFAULT 'paid'
        CHECK (status IN ('pending', 'paid', 'failed', 'expired', 'refunded')),
    ADD COLUMN kind                     text        NOT NULL DEFAULT 'checkout' CHECK (kind IN ('checkout', 'auto_top_up')),
    ADD COLUMN pack                     text,
    ADD COLUMN stripe_payment_intent_id text,
    ADD COLUMN paid_at                  timestamptz,
    ADD COLUMN refunded_credits         bigint      NOT NULL DEFAULT 0 CHECK (refunded_credits >= 0),
    ADD COLUMN removed_credits          bigint      NOT NULL DEFAULT 0 CHECK (removed_credits >= 0),
    ADD COLUMN refund_shortfall         bigint      NOT NULL DEFAULT 0 CHECK (refund_shortfall >= 0),
    ADD COLUMN disputed_at              timestamptz,
    ADD COLUMN failure                  text,
    ADD COLUMN updated_at               timestamptz NOT NULL DEFAULT now();
-- One purchase per Checkout Session and per PaymentIntent: a second event for either finds the same row.
CREATE UNIQUE INDEX credit_purchases_stripe_session ON credit_purchases (stripe_session_id) WHERE stripe_session_id IS NOT NULL;
CREATE UNIQUE INDEX credit_purchases_stripe_payment_intent ON credit_purchases (stripe_payment_intent_id) WHERE stripe_payment_intent_id IS NOT NULL;
CREATE INDEX credit_purchases_team_stripe ON credit_purchases (team_id, created_at DESC, id DESC) WHERE source = 'stripe';

-- Credits bought (paid Stripe purchases), kept beside lifetime_used; admin grants are not purchases.
ALTER TABLE credit_accounts ADD COLUMN lifetime_purchased bigint NOT NULL DEFAULT 0 CHECK (lifetime_purchased >= 0);

-- Every Stripe event handled, by its id: a redelivery finds its row and changes nothing.
CREATE TABLE stripe_events (
    id          text        PRIMARY KEY,
    type        text        NOT NULL,
    team_id     uuid,
    purchase_id uuid,
    outcome     text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- A team's billing settings. low_since is set when the balance fell below the threshold (and billing/credits.low was
-- written to the outbox), cleared when it is back at or above it: one event per crossing. crossings numbers them.
-- auto_top_up is the pack bought on a crossing (id, credits, amount, currency, price id), null when off.
CREATE TABLE billing_settings (
    team_id               uuid        PRIMARY KEY REFERENCES teams (id),
    low_balance_threshold bigint      CHECK (low_balance_threshold >= 0),
    auto_top_up           jsonb,
    low_since             timestamptz,
    crossings             bigint      NOT NULL DEFAULT 0,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Mesh events written in the transaction of the change they announce, relayed to the mesh and marked (at least once;
-- the row id is the event id, so the mesh drops a resend).
CREATE TABLE outbox_events (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    team_id      uuid,
    data         jsonb       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_events_unpublished ON outbox_events (created_at) WHERE published_at IS NULL;
