-- Platform (schema public): users, teams, API keys, credits, jobs, registry. No cross-schema foreign keys.

CREATE TABLE users (
    id         uuid PRIMARY KEY,
    email      text NOT NULL,
    name       text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE teams (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL,
    stripe_customer_id text,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE team_members (
    team_id    uuid NOT NULL REFERENCES teams (id),
    user_id    uuid NOT NULL REFERENCES users (id),
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);

-- Keys are shown once; only a SHA-256 of the secret is kept. The prefix identifies the key without revealing it.
CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    team_id      uuid NOT NULL REFERENCES teams (id),
    name         text NOT NULL,
    prefix       text NOT NULL UNIQUE,
    hash         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_team ON api_keys (team_id);

-- balance: spendable now; reserved: held for accepted jobs until they settle. Neither can go negative.
CREATE TABLE credit_accounts (
    team_id       uuid PRIMARY KEY REFERENCES teams (id),
    balance       bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    reserved      bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    lifetime_used bigint NOT NULL DEFAULT 0 CHECK (lifetime_used >= 0),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Every charge carries an idempotency key, so a replayed settlement cannot charge twice.
CREATE TABLE credit_usage (
    id              bigserial PRIMARY KEY,
    team_id         uuid NOT NULL REFERENCES teams (id),
    job_id          uuid,
    run_id          text,
    quantum         text NOT NULL,
    step            text NOT NULL,
    units           integer NOT NULL CHECK (units >= 0),
    amount          bigint NOT NULL CHECK (amount >= 0),
    idempotency_key text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (job_id IS NOT NULL OR run_id IS NOT NULL)
);
CREATE INDEX credit_usage_team_created ON credit_usage (team_id, created_at DESC, id DESC);
CREATE INDEX credit_usage_job ON credit_usage (job_id) WHERE job_id IS NOT NULL;

-- Credits added to an account: Stripe purchases and admin grants, idempotent by their key.
CREATE TABLE credit_purchases (
    id                uuid PRIMARY KEY,
    team_id           uuid NOT NULL REFERENCES teams (id),
    source            text NOT NULL CHECK (source IN ('stripe', 'grant')),
    credits           bigint NOT NULL CHECK (credits > 0),
    amount_cents      bigint,
    currency          text,
    idempotency_key   text NOT NULL UNIQUE,
    stripe_session_id text,
    note              text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_purchases_team ON credit_purchases (team_id, created_at DESC);

-- A job's id is its trace id. The job row and its credit reservation are written in one transaction.
CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    team_id          uuid NOT NULL REFERENCES teams (id),
    api_key_id       uuid,
    user_id          uuid,
    component_slug   text NOT NULL,
    action           text NOT NULL,
    status           text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    input            jsonb NOT NULL,
    result_payload   jsonb,
    usage_metrics    jsonb,
    error            jsonb,
    progress         jsonb,
    price_per_unit   bigint NOT NULL DEFAULT 0 CHECK (price_per_unit >= 0),
    reserved_credits bigint NOT NULL DEFAULT 0 CHECK (reserved_credits >= 0),
    charged_credits  bigint,
    max_credits      bigint CHECK (max_credits IS NULL OR max_credits >= 0),
    settled_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    ended_at         timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_team_created ON jobs (team_id, created_at DESC, id DESC);
CREATE INDEX jobs_unfinished ON jobs (updated_at) WHERE status IN ('queued', 'running');

-- Idempotency-Key on /run: the same key from the same team returns the same job for 24 hours.
CREATE TABLE idempotency_keys (
    team_id      uuid NOT NULL REFERENCES teams (id),
    key          text NOT NULL,
    request_hash bytea NOT NULL,
    job_id       uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, key)
);

CREATE TABLE registry_components (
    slug           text PRIMARY KEY,
    name           text NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('deterministic', 'agentic', 'connector')),
    description    text NOT NULL,
    latest_version text NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE registry_versions (
    slug            text NOT NULL REFERENCES registry_components (slug),
    version         text NOT NULL,
    manifest        jsonb NOT NULL,
    skill_md        text NOT NULL,
    skill_sha256    text NOT NULL,
    published_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (slug, version)
);
CREATE INDEX registry_components_search ON registry_components
    USING gin (to_tsvector('english', slug || ' ' || name || ' ' || description));
