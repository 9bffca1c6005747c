-- Every evaluation of a company against an ICP: the score, which criteria passed and failed, and why.
CREATE TABLE qualifications (
    id              uuid         PRIMARY KEY,
    team_id         uuid         NOT NULL,
    trace_id        text         NOT NULL,
    job_id          uuid,
    run_id          uuid,
    company_id      uuid         NOT NULL,
    company         jsonb        NOT NULL,
    qualified       boolean      NOT NULL,
    score           numeric(5,1) NOT NULL CHECK (score BETWEEN 0 AND 100),
    min_score       numeric(5,1) NOT NULL,
    passed_criteria jsonb        NOT NULL,
    failed_criteria jsonb        NOT NULL,
    reasons         jsonb        NOT NULL,
    reasoner        text         NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    UNIQUE (team_id, trace_id, company_id)
);
CREATE INDEX qualifications_listing ON qualifications (team_id, created_at DESC, id DESC);
CREATE INDEX qualifications_company ON qualifications (team_id, company_id, created_at DESC);
CREATE INDEX qualifications_job ON qualifications (team_id, job_id) WHERE job_id IS NOT NULL;

-- The ICP and persona a team qualified with last: what a meeting mention is qualified against, and the team's
-- default persona for lead discovery.
CREATE TABLE team_profiles (
    team_id    uuid        PRIMARY KEY,
    icp        jsonb       NOT NULL,
    persona    jsonb,
    job_id     uuid,
    updated_at timestamptz NOT NULL DEFAULT now()
);
