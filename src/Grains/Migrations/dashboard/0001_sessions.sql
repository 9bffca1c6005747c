-- Dashboard sessions (docs/dashboard.md): what a signed-in browser's cookie stands for. The cookie holds an opaque
-- random id; only its SHA-256 is kept here, so a copy of this table signs no one in. A session is a team's (the API
-- key it was opened with) or the platform admin's; it slides: each request moves expires_at on by the idle timeout.
CREATE TABLE sessions (
    id_hash      bytea       PRIMARY KEY,
    team_id      uuid,
    team_name    text,
    key_id       uuid,
    key_name     text,
    is_admin     boolean     NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CHECK (is_admin OR (team_id IS NOT NULL AND key_id IS NOT NULL))
);
-- Expired sessions are swept by this index (on each sign-in).
CREATE INDEX sessions_expires ON sessions (expires_at);
