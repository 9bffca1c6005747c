-- Roll-ups of history that can no longer change, so the dashboard's period aggregates (usage per day and per quantum,
-- jobs per status) do not scan every row of a large team on each view. Written lazily by PlatformQueryGrain on read,
-- never by the write path; docs/dashboard.md ("Aggregates over closed days") says what is rolled and when.
-- Expand only: the previous release neither reads nor writes these tables.

-- Charges per closed UTC day (created_at) and quantum. jobs: the jobs whose first charge for that quantum is on that day.
CREATE TABLE credit_usage_daily (
    team_id uuid   NOT NULL REFERENCES teams (id),
    day     date   NOT NULL,
    quantum text   NOT NULL,
    credits bigint NOT NULL,
    units   bigint NOT NULL,
    jobs    bigint NOT NULL,
    PRIMARY KEY (team_id, day, quantum)
);

-- Jobs per UTC day of creation and final status, for days whose jobs have all finished (a final status never changes).
CREATE TABLE jobs_daily (
    team_id uuid   NOT NULL REFERENCES teams (id),
    day     date   NOT NULL,
    status  text   NOT NULL CHECK (status IN ('succeeded', 'failed', 'cancelled')),
    jobs    bigint NOT NULL,
    PRIMARY KEY (team_id, day, status)
);

-- Per team and roll-up: every day before rolled_until is rolled up (days from then on are counted live).
CREATE TABLE rollup_watermarks (
    team_id      uuid NOT NULL REFERENCES teams (id),
    kind         text NOT NULL CHECK (kind IN ('credit_usage', 'jobs')),
    rolled_until date NOT NULL,
    PRIMARY KEY (team_id, kind)
);
