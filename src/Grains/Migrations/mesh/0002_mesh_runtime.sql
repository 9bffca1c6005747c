-- The mesh runtime: durable events, function runs, memoized steps, pending waits and paused functions.

CREATE TABLE events (
    id          text        PRIMARY KEY,
    name        text        NOT NULL,
    data        jsonb       NOT NULL,
    "user"      jsonb,
    ts          bigint      NOT NULL,
    v           text,
    trace_id    text        NOT NULL,
    team_id     text,
    received_at timestamptz NOT NULL
);
CREATE INDEX events_name_received ON events (name, received_at DESC);
CREATE INDEX events_received ON events (received_at DESC);

CREATE TABLE runs (
    run_id          uuid        PRIMARY KEY,
    function_id     text        NOT NULL,
    event_id        text        NOT NULL,
    status          text        NOT NULL,
    trace_id        text        NOT NULL,
    team_id         text,
    attempts        int         NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    started_at      timestamptz,
    ended_at        timestamptz,
    wake_at         timestamptz,
    output          jsonb,
    error           text,
    parent_run_id   uuid,
    parent_step_id  text,
    invoke_data     jsonb
);
CREATE INDEX runs_function_created ON runs (function_id, created_at DESC, run_id DESC);
CREATE INDEX runs_created ON runs (created_at DESC, run_id DESC);
CREATE INDEX runs_trace ON runs (trace_id);
CREATE INDEX runs_event ON runs (event_id);
-- The reconciler scans only unfinished runs.
CREATE INDEX runs_unfinished ON runs (status) WHERE status IN ('queued', 'running', 'sleeping', 'waiting', 'paused');

CREATE TABLE steps (
    run_id      uuid        NOT NULL,
    step_id     text        NOT NULL,
    name        text        NOT NULL,
    status      text        NOT NULL,
    attempts    int         NOT NULL DEFAULT 1,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    wake_at     timestamptz,
    output      jsonb,
    error       text,
    PRIMARY KEY (run_id, step_id)
);

-- Pending WaitForEvent steps ('wait'), cancelOn subscriptions ('cancel') and Invoke results ('invoke').
CREATE TABLE waits (
    run_id      uuid        NOT NULL,
    step_id     text        NOT NULL,
    kind        text        NOT NULL,
    event_name  text        NOT NULL,
    match_path  text[],
    match_value text,
    expires_at  timestamptz,
    PRIMARY KEY (run_id, step_id)
);
CREATE INDEX waits_event_name ON waits (event_name);

-- One row per (function, idempotency key); a key may be reused once expires_at has passed.
CREATE TABLE idempotency (
    function_id text        NOT NULL,
    key         text        NOT NULL,
    run_id      uuid        NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (function_id, key)
);

CREATE TABLE functions (
    function_id text        PRIMARY KEY,
    paused      boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL
);
