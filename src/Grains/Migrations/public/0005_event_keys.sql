-- Event keys (Inngest's event API, POST /e/{key}) are keys of a second kind in api_keys: the same format, hashing,
-- caching and revocation, but they can only send events, and an API key cannot be used as one. Expand only: the
-- previous release reads api_keys without the column and every key it wrote is an API key.
ALTER TABLE api_keys ADD COLUMN kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'event'));
CREATE INDEX api_keys_team_kind ON api_keys (team_id, kind, created_at DESC);
