-- Platform (schema public): the baseline. Platform tables (teams, keys, credits, jobs, registry) arrive in later
-- numbered scripts; this one records the platform's identity so operators can see which database they are on.
CREATE TABLE IF NOT EXISTS platform_info (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO platform_info (key, value) VALUES ('created_at', now()::text) ON CONFLICT (key) DO NOTHING;
