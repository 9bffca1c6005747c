-- A checkout's Stripe URL, kept with its purchase: a repeated POST /billing/checkout under the same Idempotency-Key
-- answers with the session it started, without asking Stripe again (docs/billing.md). Expand only: the previous
-- release neither reads nor writes it.
ALTER TABLE credit_purchases ADD COLUMN checkout_url text;
