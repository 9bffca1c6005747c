-- Observed buying signals per team and company; the fingerprint makes a re-sent signal a duplicate.
CREATE TABLE signals (
    id          uuid         PRIMARY KEY,
    team_id     uuid         NOT NULL,
    company_id  uuid         NOT NULL,
    type        text         NOT NULL CHECK (type IN ('people_move', 'hiring', 'company_event', 'tech_stack', 'first_party_intent',
                                                      'third_party_intent', 'engagement', 'layoffs', 'careers_only_visit')),
    observed_at timestamptz  NOT NULL,
    strength    numeric(4,3) NOT NULL CHECK (strength BETWEEN 0 AND 1),
    source_url  text,
    evidence    text         NOT NULL,
    fingerprint bytea        NOT NULL,
    job_id      uuid,
    trace_id    text         NOT NULL,
    created_at  timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (team_id, fingerprint)
);
CREATE INDEX signals_company ON signals (team_id, company_id, observed_at DESC);
CREATE INDEX signals_listing ON signals (team_id, created_at DESC, id DESC);

-- One row per scoring of a company: score, tier and the evidence behind it.
CREATE TABLE scores (
    id           uuid         PRIMARY KEY,
    team_id      uuid         NOT NULL,
    trace_id     text         NOT NULL,
    job_id       uuid,
    run_id       uuid,
    company_id   uuid         NOT NULL,
    score        numeric(5,1) NOT NULL CHECK (score BETWEEN 0 AND 100),
    tier         text         NOT NULL CHECK (tier IN ('hot', 'warm', 'cold')),
    signal_count integer      NOT NULL,
    evidence     jsonb        NOT NULL,
    reasons      jsonb        NOT NULL,
    reasoner     text         NOT NULL,
    scored_at    timestamptz  NOT NULL,
    UNIQUE (team_id, trace_id, company_id)
);
CREATE INDEX scores_listing ON scores (team_id, scored_at DESC, id DESC);
CREATE INDEX scores_company ON scores (team_id, company_id, scored_at DESC);
