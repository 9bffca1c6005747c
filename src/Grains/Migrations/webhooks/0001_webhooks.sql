-- Webhooks (docs/webhooks.md): a team's endpoints and every delivery made to them.

-- An endpoint. secret signs every delivery; previous_secret too until previous_secret_expires_at (rotation).
-- events are names or prefixes ending in '*'. failing_since is the first failed attempt since the last success: a
-- delivery that exhausts its retries while nothing reached the endpoint since its first attempt, nor for
-- Webhooks:DisableAfter (3 days), disables it ('failing').
CREATE TABLE endpoints (
    id                         uuid        PRIMARY KEY,
    team_id                    uuid        NOT NULL,
    url                        text        NOT NULL,
    description                text,
    events                     text[]      NOT NULL,
    enabled                    boolean     NOT NULL DEFAULT true,
    disabled_reason            text        CHECK (disabled_reason IN ('gone', 'failing')),
    secret                     text        NOT NULL,
    previous_secret            text,
    previous_secret_expires_at timestamptz,
    failing_since              timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX endpoints_team ON endpoints (team_id, created_at DESC, id DESC);

-- One delivery per (endpoint, event): its id is the webhook-id every attempt carries. payload is the body, fixed when
-- the delivery is made so every attempt sends the same bytes. The last attempt's answer is kept (response_excerpt is
-- bounded by Webhooks:ResponseExcerptBytes); first_attempt_at starts again on a redelivery.
CREATE TABLE deliveries (
    id               uuid        PRIMARY KEY,
    endpoint_id      uuid        NOT NULL REFERENCES endpoints (id) ON DELETE CASCADE,
    team_id          uuid        NOT NULL,
    event_id         text        NOT NULL,
    event_type       text        NOT NULL,
    trace_id         text,
    payload          text        NOT NULL,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         int         NOT NULL DEFAULT 0,
    response_status  int,
    latency_ms       int,
    response_excerpt text,
    error            text,
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    first_attempt_at timestamptz,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX deliveries_endpoint ON deliveries (endpoint_id, created_at DESC, id DESC);
