-- A request's max_credits caps the spend of its whole cascade (the trace): the job's reservation and every charge of
-- the runs it starts count against it. One row per trace that has a cap; traces without one are limited by the balance.
CREATE TABLE trace_budgets (
    team_id     uuid        NOT NULL REFERENCES teams (id),
    trace_id    text        NOT NULL,
    max_credits bigint      NOT NULL CHECK (max_credits >= 0),
    committed   bigint      NOT NULL DEFAULT 0 CHECK (committed >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, trace_id),
    CHECK (committed <= max_credits)
);
