-- Webhooks (expand only, ADR 0007): an outbox event may carry the trace it belongs to (a job's lifecycle events carry
-- the job's); without one the event starts a trace of its own, as before.
ALTER TABLE outbox_events ADD COLUMN trace_id text;
